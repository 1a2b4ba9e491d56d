//! Finding PostgreSQL's server programs: `$SNOWLINK_PG_BIN` (set by scripts/test), then PATH,
//! then Debian's versioned directories, newest first (Debian puts only the client wrappers on
//! PATH, the server programs live in /usr/lib/postgresql/<major>/bin).

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::error::HarnessError;

/// The directory holding `initdb`, `postgres` and `psql` of one installation.
#[derive(Debug, Clone)]
pub(crate) struct Bins {
    pub dir: PathBuf,
}

impl Bins {
    pub fn find() -> Result<Bins, HarnessError> {
        Self::find_in(
            std::env::var_os("SNOWLINK_PG_BIN"),
            std::env::var_os("PATH"),
            Path::new("/usr/lib/postgresql"),
        )
    }

    fn find_in(
        pg_bin: Option<OsString>,
        path: Option<OsString>,
        debian_root: &Path,
    ) -> Result<Bins, HarnessError> {
        if let Some(dir) = pg_bin.filter(|d| !d.is_empty()) {
            let dir = PathBuf::from(dir);
            for program in ["initdb", "postgres"] {
                if !is_executable(&dir.join(program)) {
                    return Err(HarnessError::BadBinDir { dir, program });
                }
            }
            return Ok(Bins { dir });
        }
        if let Some(initdb) = path.as_deref().and_then(|p| on_path(p, "initdb")) {
            // A symlink on PATH (/usr/local/bin/initdb → /usr/lib/postgresql/15/bin/initdb):
            // its target's directory holds the matching `postgres`.
            let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
            if let Some(dir) = real.parent().filter(|d| is_executable(&d.join("postgres"))) {
                return Ok(Bins {
                    dir: dir.to_path_buf(),
                });
            }
        }
        newest_debian(debian_root)
            .map(|dir| Bins { dir })
            .ok_or(HarnessError::NotInstalled { program: "initdb" })
    }

    pub fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// `/usr/lib/postgresql/<major>/bin` with the highest major that has both programs.
fn newest_debian(root: &Path) -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            (is_executable(&bin.join("initdb")) && is_executable(&bin.join("postgres")))
                .then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, dir)| dir)
}

fn on_path(path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_newest_major_with_both_programs_wins() {
        use std::os::unix::fs::PermissionsExt;
        let root = std::env::temp_dir().join(format!("pg-harness-bins-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for (major, programs) in [
            ("13", &["initdb", "postgres"][..]),
            ("16", &["initdb", "postgres"][..]),
            ("17", &["initdb"][..]),
            ("notes", &["initdb", "postgres"][..]),
        ] {
            let bin = root.join(major).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            for p in programs {
                std::fs::write(bin.join(p), "#!/bin/sh\n").unwrap();
                std::fs::set_permissions(bin.join(p), std::fs::Permissions::from_mode(0o755))
                    .unwrap();
            }
        }
        assert_eq!(newest_debian(&root), Some(root.join("16/bin")));
        assert_eq!(newest_debian(&root.join("missing")), None);

        // SNOWLINK_PG_BIN first; a bad one is an error naming it, not a fallback.
        let found = Bins::find_in(Some(root.join("13/bin").into()), None, &root).unwrap();
        assert_eq!(found.dir, root.join("13/bin"));
        let bad = Bins::find_in(Some(root.join("17/bin").into()), None, &root).unwrap_err();
        assert!(
            bad.to_string().contains("has no executable `postgres`"),
            "{bad}"
        );
        // Then PATH (through a symlink to the real directory), then the Debian directories.
        let on_path = root.join("path");
        std::fs::create_dir_all(&on_path).unwrap();
        std::os::unix::fs::symlink(root.join("13/bin/initdb"), on_path.join("initdb")).unwrap();
        let found = Bins::find_in(None, Some(on_path.into()), &root).unwrap();
        assert_eq!(found.dir, root.join("13/bin"));
        assert_eq!(
            Bins::find_in(None, None, &root).unwrap().dir,
            root.join("16/bin")
        );
        // Nothing anywhere: an error that names the fix, never a skip.
        let none = Bins::find_in(None, None, &root.join("missing")).unwrap_err();
        let text = none.to_string();
        assert!(
            text.contains("apt-get install postgresql") && text.contains("scripts/test"),
            "{text}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
