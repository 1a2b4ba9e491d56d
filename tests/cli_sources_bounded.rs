//! Bounded sources through the real binary: a FIFO, a directory, a file over its cap, a record
//! over its cap, CR-only and UTF-16 files and duplicate ids each give one clear message, and
//! nothing hangs. Every run has a watchdog: a command still running after it is a failure (a
//! FIFO whose write end nobody opens would block a plain `open` forever).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use common::{TestEnv, exit_code, stderr, stdout};

/// Far above what any of these commands needs; only a hang reaches it.
const WATCHDOG: Duration = Duration::from_secs(30);

/// A config whose one source is `path`, with `extra` lines added to its `[[sources]]` table.
fn write_config(env: &TestEnv, path: &Path, extra: &str) {
    let text = format!(
        r#"user = "Test Engineer"

[instances.default]
url = "{url}"
username = "itil"
password_env = "SNOWLINK_TEST_PASSWORD"
timeout_secs = 10

[[sources]]
name = "dq"
kind = "file"
path = "{path}"
{extra}
"#,
        url = env.url,
        path = path.display(),
    );
    std::fs::write(env.config_path(), text).unwrap();
}

/// Runs the binary like `TestEnv::run`, killed and failed if it outlives the watchdog.
async fn run(env: &TestEnv, args: &[&str]) -> Output {
    let mut cmd = env.command(args);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let child = cmd.spawn().expect("snowlink runs");
    match tokio::time::timeout(WATCHDOG, child.wait_with_output()).await {
        Ok(out) => out.unwrap(),
        Err(_) => panic!(
            "`snowlink {}` still running after {WATCHDOG:?}: it hangs",
            args.join(" ")
        ),
    }
}

fn both(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo (coreutils) must be installed; scripts/test sets up the test tools");
    assert!(status.success(), "mkfifo {}", path.display());
}

fn anomaly_ids(v: &serde_json::Value) -> Vec<String> {
    v["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn ids_in_store(env: &TestEnv) -> Vec<String> {
    let out = run(env, &["--json", "anomalies"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    anomaly_ids(&serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_source_is_refused_promptly_by_every_command() {
    let env = TestEnv::start().await;
    let fifo = env.dir.path().join("anomalies.pipe");
    mkfifo(&fifo);
    write_config(&env, &fifo, "");
    let named = format!(
        "{} is a FIFO (named pipe), not a regular file",
        fifo.display()
    );

    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 2, "{}", both(&load));
    assert!(stderr(&load).contains(&named), "{}", stderr(&load));
    assert!(stderr(&load).contains("no configured source could be read"));

    let check = run(&env, &["config", "check"]).await;
    assert_eq!(exit_code(&check), 2, "{}", both(&check));
    assert!(both(&check).contains(&named), "{}", both(&check));

    let doctor = run(&env, &["doctor"]).await;
    assert_eq!(exit_code(&doctor), 2, "{}", both(&doctor));
    assert!(both(&doctor).contains(&named), "{}", both(&doctor));

    // Listing still works from the store, with the source named as unreadable.
    let anomalies = run(&env, &["anomalies"]).await;
    assert_eq!(exit_code(&anomalies), 0, "{}", both(&anomalies));
    assert!(
        stderr(&anomalies).contains(&named),
        "{}",
        stderr(&anomalies)
    );

    let direct = run(
        &env,
        &["load", fifo.to_str().unwrap(), "--source", "manual"],
    )
    .await;
    assert_eq!(exit_code(&direct), 2, "{}", both(&direct));
    assert!(stderr(&direct).contains(&named), "{}", stderr(&direct));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_directory_source_is_named_as_one() {
    let env = TestEnv::start().await;
    let dir = env.dir.path().join("exports");
    std::fs::create_dir(&dir).unwrap();
    write_config(&env, &dir, "");
    let named = format!("{} is a directory, not a regular file", dir.display());
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 2, "{}", both(&load));
    assert!(stderr(&load).contains(&named), "{}", stderr(&load));
    let check = run(&env, &["config", "check"]).await;
    assert_eq!(exit_code(&check), 2);
    assert!(both(&check).contains(&named), "{}", both(&check));
}

fn write(env: &TestEnv, name: &str, bytes: &[u8]) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_over_its_cap_stops_with_the_cap_and_the_key() {
    let env = TestEnv::start().await;
    let line = "{\"id\":\"B-1\",\"title\":\"fits alone\"}\n";
    let path = write(&env, "big.ndjson", line.repeat(10).as_bytes());
    write_config(&env, &path, "max_file_bytes = 100");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 2, "{}", both(&load));
    let err = stderr(&load);
    assert!(
        err.contains("is 340 bytes, over the 100 bytes file cap; raise max_file_bytes"),
        "{err}"
    );
    let check = run(&env, &["config", "check"]).await;
    assert_eq!(exit_code(&check), 2);
    assert!(
        both(&check).contains("raise max_file_bytes"),
        "{}",
        both(&check)
    );
    // Raised, it loads.
    write_config(&env, &path, "max_file_bytes = 1_000");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 0, "{}", both(&load));
    assert_eq!(ids_in_store(&env).await, ["B-1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_over_its_cap_is_skipped_and_the_rest_loads() {
    let env = TestEnv::start().await;
    let text = format!(
        "{{\"id\":\"R-1\",\"title\":\"short\"}}\n{{\"id\":\"R-2\",\"title\":\"{}\"}}\n{{\"id\":\"R-3\",\"title\":\"short too\"}}\n",
        "x".repeat(5_000)
    );
    let path = write(&env, "records.ndjson", text.as_bytes());
    write_config(&env, &path, "max_record_bytes = 200");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 0, "{}", both(&load));
    assert!(
        stderr(&load).contains(
            "line 2: record is over the 200 bytes record cap; raise max_record_bytes in its [[sources]] table"
        ),
        "{}",
        stderr(&load)
    );
    assert!(
        stdout(&load).contains("dq: 2 anomalies"),
        "{}",
        stdout(&load)
    );
    let mut ids = ids_in_store(&env).await;
    ids.sort();
    assert_eq!(ids, ["R-1", "R-3"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn cr_only_and_utf16_files_get_a_clear_message() {
    let env = TestEnv::start().await;
    let records = [
        "{\"id\":\"C-1\",\"title\":\"one\"}",
        "{\"id\":\"C-2\",\"title\":\"two\"}",
    ];
    let cr = write(&env, "mac.ndjson", records.join("\r").as_bytes());
    write_config(&env, &cr, "");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 2, "{}", both(&load));
    assert!(
        stderr(&load).contains("uses CR-only (old Mac) line endings"),
        "{}",
        stderr(&load)
    );
    let check = run(&env, &["config", "check"]).await;
    assert!(both(&check).contains("CR-only"), "{}", both(&check));

    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(records.join("\n").encode_utf16().flat_map(u16::to_le_bytes));
    let wide = write(&env, "windows.ndjson", &utf16);
    write_config(&env, &wide, "");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 2, "{}", both(&load));
    assert!(
        stderr(&load).contains("is UTF-16; convert it to UTF-8 with `iconv -f UTF-16 -t UTF-8"),
        "{}",
        stderr(&load)
    );
    let check = run(&env, &["config", "check"]).await;
    assert_eq!(exit_code(&check), 2);
    assert!(both(&check).contains("is UTF-16"), "{}", both(&check));

    // A UTF-8 BOM is fine.
    let bom = write(
        &env,
        "bom.ndjson",
        format!("\u{feff}{}\n", records.join("\n")).as_bytes(),
    );
    write_config(&env, &bom, "");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 0, "{}", both(&load));
    assert_eq!(stderr(&load), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn duplicate_ids_are_reported_and_the_later_record_wins() {
    let env = TestEnv::start().await;
    let text = concat!(
        "{\"id\":\"D-1\",\"title\":\"first version\"}\n",
        "{\"id\":\"D-2\",\"title\":\"other\"}\n",
        "{\"id\":\"D-1\",\"title\":\"second version\"}\n",
    );
    let path = write(&env, "dups.ndjson", text.as_bytes());
    write_config(&env, &path, "");
    let load = run(&env, &["load"]).await;
    assert_eq!(exit_code(&load), 0, "{}", both(&load));
    assert!(
        stderr(&load)
            .contains("line 1: id \"D-1\" appears again at line 3; the later record is used"),
        "{}",
        stderr(&load)
    );
    let out = run(&env, &["--json", "anomalies"]).await;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d1 = v["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"]["id"] == "D-1")
        .unwrap();
    assert_eq!(d1["title"], "second version", "{d1}");
    assert_eq!(anomaly_ids(&v).len(), 2);
}
