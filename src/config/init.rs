//! `snowlink config init`: write the commented template, atomically, private (0600), never
//! clobbering an existing file unless asked to.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{ConfigError, Result};

/// The commented template (`config.example.toml`), what `config init` writes.
pub const TEMPLATE: &str = include_str!("../../config.example.toml");

/// What `init` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InitOutcome {
    pub path: PathBuf,
    /// An existing file was replaced (`--force`).
    pub overwritten: bool,
}

/// Writes [`TEMPLATE`] to `path` (creating its directory, mode 0700). Refuses when `path` exists
/// unless `force`. The file is written to a temporary name in the same directory and then moved
/// into place, so a crash never leaves a half-written config.
pub fn init(path: &Path, force: bool) -> Result<InitOutcome> {
    write_private(path, TEMPLATE.as_bytes(), force)
}

fn write_private(path: &Path, contents: &[u8], force: bool) -> Result<InitOutcome> {
    let werr = |p: &Path| {
        let p = p.to_path_buf();
        move |source| ConfigError::Write { path: p, source }
    };
    if !force && path.symlink_metadata().is_ok() {
        return Err(ConfigError::AlreadyExists {
            path: path.to_path_buf(),
        });
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir).map_err(werr(&dir))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config.toml"),
        std::process::id()
    ));
    let written = (|| {
        let mut f = open_private(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(werr(&tmp)(e));
    }
    let existed = path.symlink_metadata().is_ok();
    let placed = if force {
        std::fs::rename(&tmp, path)
    } else {
        // hard_link fails if `path` appeared since the check above: no race can clobber a file.
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        linked
    };
    match placed {
        Ok(()) => Ok(InitOutcome {
            path: path.to_path_buf(),
            overwritten: force && existed,
        }),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&tmp);
            Err(ConfigError::AlreadyExists {
                path: path.to_path_buf(),
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(werr(path)(e))
        }
    }
}

#[cfg(unix)]
fn open_private(p: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // A stale temp file from a crashed run is ours to replace; truncate rather than fail.
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(p)
        .and_then(|f| {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            Ok(f)
        })
}

#[cfg(not(unix))]
fn open_private(p: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(p)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_0600_in_a_new_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config.toml");
        let out = init(&path, false).unwrap();
        assert_eq!(
            out,
            InitOutcome {
                path: path.clone(),
                overwritten: false
            }
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a/b")), 0o700);
        // No temp file left behind.
        assert_eq!(
            std::fs::read_dir(dir.path().join("a/b")).unwrap().count(),
            1
        );
    }

    #[test]
    fn refuses_to_overwrite_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "mine").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = init(&path, false).unwrap_err();
        assert!(matches!(err, ConfigError::AlreadyExists { .. }));
        assert!(err.to_string().contains("--force"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let out = init(&path, true).unwrap();
        assert!(out.overwritten);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), TEMPLATE);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn written_template_loads_with_the_real_loader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        init(&path, false).unwrap();
        let cfg = crate::config::Config::from_file(&path).unwrap();
        assert_eq!(cfg.mode, Some(0o600));
        assert!(cfg.file.instances.contains_key("default"));
    }
}
