//! `scripts/test` makes PostgreSQL available to the store tests (`scripts/test --pg-bin` runs
//! only that part): the newest Debian version directory wins, a missing PostgreSQL is installed
//! with apt-get non-interactively (no terminal, CI=true), and a failed install stops the run
//! with the fix. apt-get here is a stand-in on a PATH of its own, so nothing is installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn write_exe(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A PATH with only the few programs the script needs and the stand-ins given: no real
/// apt-get, initdb or sudo can be reached.
fn isolated_path(dir: &Path, stand_ins: &[(&str, String)]) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for tool in [
        "sh", "bash", "dirname", "basename", "readlink", "mkdir", "id", "env", "cat", "chmod",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .unwrap();
        let real = String::from_utf8(found.stdout).unwrap().trim().to_owned();
        assert!(!real.is_empty(), "{tool} is needed by this test");
        std::os::unix::fs::symlink(real, bin.join(tool)).unwrap();
    }
    // Not root on some machine: the script calls sudo, which here just runs the command.
    write_exe(&bin.join("sudo"), "#!/bin/sh\nexec \"$@\"\n");
    for (name, text) in stand_ins {
        write_exe(&bin.join(name), text);
    }
    bin
}

fn pg_bin(path: &Path, root: &Path, tools: &Path) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test");
    Command::new("bash")
        .arg(script)
        .arg("--pg-bin")
        .env_clear()
        .env("PATH", path)
        .env("CI", "true")
        .env("SNOWLINK_PG_ROOT", root)
        .env("SNOWLINK_TEST_TOOLS", tools)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn fake_server(root: &Path, major: &str, programs: &[&str]) {
    for p in programs {
        write_exe(&root.join(major).join("bin").join(p), "#!/bin/sh\n");
    }
}

/// An apt-get that records each call (with DEBIAN_FRONTEND and whether stdin is a terminal)
/// and, on `install`, lays out `install_major` under the root (nothing when empty) and exits
/// with `status`.
fn fake_apt(record: &Path, root: &Path, install_major: &str, status: u8) -> String {
    format!(
        "#!/bin/sh\n\
         tty=no; [ -t 0 ] && tty=yes\n\
         echo \"DEBIAN_FRONTEND=$DEBIAN_FRONTEND tty=$tty $*\" >> '{record}'\n\
         if [ \"$1\" = install ] && [ -n '{install_major}' ]; then\n\
           mkdir -p '{root}/{install_major}/bin'\n\
           printf '#!/bin/sh\\n' > '{root}/{install_major}/bin/initdb'\n\
           printf '#!/bin/sh\\n' > '{root}/{install_major}/bin/postgres'\n\
           chmod +x '{root}/{install_major}/bin/initdb' '{root}/{install_major}/bin/postgres'\n\
         fi\n\
         exit {status}\n",
        record = record.display(),
        root = root.display(),
    )
}

#[test]
fn the_newest_installed_version_is_used_and_nothing_is_installed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("postgresql");
    fake_server(&root, "13", &["initdb", "postgres"]);
    fake_server(&root, "16", &["initdb", "postgres"]);
    fake_server(&root, "17", &["initdb"]); // half an install does not count
    let record = dir.path().join("apt.log");
    let path = isolated_path(dir.path(), &[("apt-get", fake_apt(&record, &root, "", 0))]);
    let out = pg_bin(&path, &root, &dir.path().join("tools"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        root.join("16/bin").display().to_string()
    );
    assert!(!record.exists(), "apt-get was not called");
}

#[test]
fn a_missing_postgresql_is_installed_without_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("postgresql");
    std::fs::create_dir_all(&root).unwrap();
    let record = dir.path().join("apt.log");
    let path = isolated_path(
        dir.path(),
        &[("apt-get", fake_apt(&record, &root, "15", 0))],
    );
    let out = pg_bin(&path, &root, &dir.path().join("tools"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("installing postgresql"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        root.join("15/bin").display().to_string()
    );
    assert_eq!(
        std::fs::read_to_string(&record).unwrap(),
        "DEBIAN_FRONTEND=noninteractive tty=no update -qq\n\
         DEBIAN_FRONTEND=noninteractive tty=no install -y -qq postgresql\n"
    );
}

#[test]
fn a_failed_install_stops_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("postgresql");
    std::fs::create_dir_all(&root).unwrap();
    let record = dir.path().join("apt.log");
    let path = isolated_path(
        dir.path(),
        &[("apt-get", fake_apt(&record, &root, "", 100))],
    );
    let out = pg_bin(&path, &root, &dir.path().join("tools"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("apt-get could not install postgresql")
            && stderr.contains("SNOWLINK_PG_BIN"),
        "{stderr}"
    );

    // Installed, but not where the tests look: that is said too, not papered over.
    let record = dir.path().join("apt2.log");
    let path2 = dir.path().join("second");
    let path = isolated_path(&path2, &[("apt-get", fake_apt(&record, &root, "", 0))]);
    let out = pg_bin(&path, &root, &dir.path().join("tools"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("has initdb and postgres"), "{stderr}");
}
