//! A failing `password_command` / `client_secret_command` may print a secret on stderr; through
//! the real binary, that text never reaches the user: not in `doctor`, `config check`, a command's
//! error or a `--json` envelope. The message still names the key, program and exit status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

const LEAK: &str = "hunter2-secret";
const HELPER: &str = "sh -c 'echo hunter2-secret >&2; exit 1'";

fn config(dir: &std::path::Path, instance_lines: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    // Nothing listens on port 9 of loopback; the credentials fail before any request matters.
    let text = format!(
        "[instances.default]\nurl = \"http://127.0.0.1:9\"\nusername = \"u\"\n{instance_lines}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn run(dir: &std::path::Path, config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snowlink"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("SNOWLINK_CONFIG", config)
        .env("SNOWLINK_DATA_DIR", dir.join("data"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// Everything the user sees of one run.
fn shown(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_withheld(text: &str, key: &str) {
    assert!(!text.contains(LEAK), "secret shown: {text}");
    assert!(text.contains(key), "names {key}: {text}");
    assert!(text.contains("(program `sh`)"), "names the program: {text}");
    assert!(
        text.contains("exited with status 1"),
        "names the status: {text}"
    );
    assert!(
        text.contains(
            "its error output was withheld because it may contain secrets; run the command yourself to see it"
        ),
        "says why and what to do: {text}"
    );
}

#[test]
fn password_command_stderr_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), &format!("password_command = \"{HELPER}\"\n"));
    for args in [
        &["doctor"][..],
        &["--json", "doctor"],
        &["config", "check"],
        &["--json", "config", "check"],
        &["ticket", "search", "disk"],
        &["--json", "ticket", "search", "disk"],
    ] {
        let out = run(dir.path(), &cfg, args);
        assert!(!out.status.success(), "{args:?} fails: {}", shown(&out));
        assert_withheld(&shown(&out), "password_command");
    }
}

#[test]
fn client_secret_command_stderr_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(
        dir.path(),
        &format!(
            "auth = \"oauth\"\nclient_id = \"snowlink\"\nclient_secret_command = \"{HELPER}\"\npassword_env = \"SNOWLINK_TEST_PASSWORD\"\n"
        ),
    );
    for args in [&["doctor"][..], &["--json", "ticket", "search", "disk"]] {
        let out = run(dir.path(), &cfg, args);
        assert!(!out.status.success(), "{args:?} fails: {}", shown(&out));
        assert_withheld(&shown(&out), "client_secret_command");
    }
}
