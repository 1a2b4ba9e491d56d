//! A reader that closes stdout early (`snowlink anomalies | head -1`) ends snowlink quietly with
//! exit 141 (docs/json-output.md, "Closed stdout"), never with a panic and a backtrace. The same
//! holds for stderr (`snowlink sync --watch 2>&1 | head -1`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

/// Far more anomalies than a pipe buffer (64 KiB on Linux) holds, so snowlink is still writing
/// when the reader goes away.
const ANOMALIES: usize = 5000;

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("many.ndjson");
        let lines: String = (0..ANOMALIES)
            .map(|i| {
                format!(
                    "{{\"id\":\"P-{i:05}\",\"title\":\"Generated anomaly {i} with a title long enough to fill the pipe\",\"severity\":\"low\",\"status\":\"active\"}}\n"
                )
            })
            .collect();
        std::fs::write(&source, lines).unwrap();
        // No client is needed to list anomalies: the instance is never contacted.
        let config = format!(
            "[instances.default]\nurl = \"http://127.0.0.1:9\"\nusername = \"u\"\npassword_env = \"SNOWLINK_TEST_PASSWORD\"\n\n\
             [[sources]]\nname = \"many\"\nkind = \"file\"\npath = \"{}\"\n",
            source.display()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Setup { dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let d = self.dir.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_snowlink"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", d)
            .env("XDG_STATE_HOME", d.join("state"))
            .env("SNOWLINK_CONFIG", d.join("config.toml"))
            .env("SNOWLINK_DATA_DIR", d.join("data"))
            .env("SNOWLINK_TEST_PASSWORD", "unused")
            .stdin(Stdio::null());
        cmd
    }

    /// Spawns snowlink with stdout piped, reads one line, closes the pipe, and returns the exit
    /// code and stderr.
    fn run_and_close_after_one_line(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        {
            let mut reader = BufReader::new(child.stdout.take().unwrap());
            reader.read_line(&mut first).unwrap();
        } // the read end is closed here, like `head -1` exiting
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        (status.code(), err, first)
    }
}

#[test]
fn closed_stdout_ends_the_text_listing_quietly() {
    let setup = Setup::new();
    let (code, err, first) = setup.run_and_close_after_one_line(&["anomalies"]);
    assert!(first.starts_with("STATUS"), "first line: {first:?}");
    assert!(!err.contains("panicked"), "no panic: {err}");
    assert!(!err.contains("failed printing"), "no panic: {err}");
    assert_eq!(err, "", "nothing on stderr");
    assert_eq!(code, Some(141), "128 + SIGPIPE; stderr: {err}");
}

#[test]
fn closed_stdout_ends_the_json_listing_quietly() {
    let setup = Setup::new();
    let (code, err, first) = setup.run_and_close_after_one_line(&["--json", "anomalies"]);
    assert_eq!(first.trim(), "{");
    assert!(!err.contains("panicked"), "no panic: {err}");
    assert_eq!(err, "", "nothing on stderr");
    assert_eq!(code, Some(141), "128 + SIGPIPE; stderr: {err}");
}

#[test]
fn closed_stderr_ends_a_warning_quietly() {
    let setup = Setup::new();
    // A second source that does not exist: listing warns about it on stderr.
    let config = setup.dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[[sources]]\nname = \"gone\"\nkind = \"file\"\npath = \"/nonexistent/gone.ndjson\"\n",
    );
    std::fs::write(&config, text).unwrap();
    // The read end is closed before snowlink starts, so its first write to stderr fails for
    // certain (no race with the pipe buffer).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = setup
        .command(&["anomalies"])
        .stdout(Stdio::null())
        .stderr(Stdio::from(writer))
        .status()
        .unwrap();
    // A panic would end with 101 (its report cannot be written either).
    assert_eq!(status.code(), Some(141));
}
