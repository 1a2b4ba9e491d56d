//! The log directory is 0700 and the log file 0600 whatever the umask (docs/config.md, "Logs"),
//! through the real binary started under `umask 000`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `snowlink ARGS…` from `sh` after `umask 000`, with the state dir under `home`.
fn run_under_umask_000(home: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_snowlink"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .output()
        .unwrap()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn log_dir_and_file_are_private_under_umask_000() {
    let home = tempfile::tempdir().unwrap();
    let out = run_under_umask_000(home.path(), &["-vv", "config", "path"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = home.path().join("state/snowlink");
    assert_eq!(mode(&dir), 0o700, "log dir");
    assert_eq!(mode(&dir.join("snowlink.log")), 0o600, "log file");
    // The control: the same umask really is in force for files snowlink does not guard.
    let control = home.path().join("control");
    let made = Command::new("sh")
        .arg("-c")
        .arg("umask 000; : > \"$0\"")
        .arg(&control)
        .status()
        .unwrap();
    assert!(made.success());
    assert_eq!(mode(&control), 0o666, "umask 000 is in force");
}

#[test]
fn an_existing_loose_log_dir_and_file_are_tightened() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("state/snowlink");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.join("snowlink.log");
    std::fs::write(&file, "from an older snowlink\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = run_under_umask_000(home.path(), &["config", "path"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&dir), 0o700, "log dir");
    assert_eq!(mode(&file), 0o600, "log file");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("from an older snowlink\n"),
        "appended, not replaced: {text}"
    );
}
