//! `snowlink emulator`: prints its URL and the demo accounts, serves, stops cleanly on Ctrl-C.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test(flavor = "multi_thread")]
async fn serves_until_interrupted_and_exits_cleanly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snowlink"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--fault",
            "status=503,html,count=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let url = first
        .strip_prefix("ServiceNow emulator listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();
    let mut banner = String::new();
    for line in lines.by_ref().take(4) {
        banner.push_str(&line.unwrap());
        banner.push('\n');
    }
    assert!(banner.contains("admin/admin"), "{banner}");
    assert!(banner.contains("itil/itil"), "{banner}");
    assert!(banner.contains("guest/guest  (no roles)"), "{banner}");

    let http = reqwest::Client::new();
    let get = || {
        http.get(format!("{url}/api/now/table/incident?sysparm_limit=1"))
            .basic_auth("admin", Some("admin"))
            .send()
    };
    assert_eq!(
        get().await.unwrap().status(),
        503,
        "the --fault applies once"
    );
    let ok = get().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().get("x-total-count").is_some());

    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_bad_fault_spec_is_a_usage_error_naming_the_grammar() {
    let out = Command::new(env!("CARGO_BIN_EXE_snowlink"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--fault",
            "status=abc",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("docs/emulator.md"), "{err}");
}
