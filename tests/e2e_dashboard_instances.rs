//! End to end in a real terminal, with two ServiceNow emulators (issue 13 points 3, 4): the
//! dashboard of the default instance shows the other instance in its status bar, lists an
//! anomaly's links on both with their instance, and an acknowledge reaches both incidents —
//! each through its own instance's user. While the other instance hibernates, the default
//! instance's note still goes out and the status bar says the other one is down with its note
//! waiting; when it is back, its worker delivers the note once. Waiting is by polling for
//! conditions with generous bounds; nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tmux_common;

use std::time::{Duration, Instant};

use common::{TestEnv, exit_code, stderr, work_notes_by};
use serde_json::json;
use tmux_common::Tmux;

async fn faults(base: &str, spec: Option<&str>) {
    let http = reqwest::Client::new();
    let url = format!("{base}/__emulator/faults");
    let resp = match spec {
        Some(spec) => http.post(&url).json(&json!({ "spec": spec })).send().await,
        None => http.delete(&url).send().await,
    };
    assert!(resp.unwrap().status().is_success());
}

/// Polls until `f` holds (bounded: 60 s).
async fn until<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !f().await {
        assert!(Instant::now() < deadline, "waited 60 s for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn acked(notes: &[(String, String)], by: &str) -> usize {
    notes
        .iter()
        .filter(|(who, n)| who == by && n.contains("A-1001") && n.contains("Acknowledged"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_works_two_instances_and_one_outage_holds_up_only_its_own() {
    tmux_common::require();
    let env = TestEnv::start().await;
    let sandbox = servicenow_emulator::start(Default::default())
        .await
        .unwrap();
    let sb = sandbox.base_url();
    env.add_admin_instance("sandbox", &sb, "poll_interval_secs = 1");
    let out = env.run(&["ticket", "link", "A-1001", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env
        .run(&[
            "--instance",
            "sandbox",
            "ticket",
            "link",
            "A-1001",
            "INC0000007",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=itil USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("A-1001");
    // The other instance in the status bar: connected, nothing waiting.
    tmux.wait_for("sandbox ● 0");

    // Both links, each with its instance, in the links pane.
    tmux.keys(&["/"]);
    tmux.text("A-1001");
    tmux.keys(&["Enter"]);
    let pane = tmux.wait_for("A-1001 · ");
    let pane = if pane.contains("sandbox ·") && pane.contains("default ·") {
        pane
    } else {
        tmux.wait_for("sandbox ·")
    };
    assert!(
        pane.contains("INC0000005") && pane.contains("INC0000007"),
        "{pane}"
    );

    // The sandbox hibernates; an acknowledge goes to both incidents.
    faults(&sb, Some("hibernate")).await;
    tmux.keys(&["a"]);
    tmux.wait_for("acknowledged");
    let base = env.url.clone();
    until("the default instance's note", || {
        let base = base.clone();
        async move { acked(&work_notes_by(&base, "INC0000005").await, "itil") == 1 }
    })
    .await;
    // The status bar says the sandbox is down with one note waiting.
    let pane = tmux.wait_for("sandbox ✗ 1");
    assert!(!pane.contains("sandbox ● "), "{pane}");

    // Back: its own worker delivers the note, once, as the sandbox's user.
    faults(&sb, None).await;
    tmux.wait_for("sandbox ● 0");
    let theirs = work_notes_by(&sb, "INC0000007").await;
    assert_eq!(acked(&theirs, "admin"), 1, "{theirs:?}");
    assert_eq!(
        acked(&work_notes_by(&env.url, "INC0000005").await, "itil"),
        1
    );
    tmux.keys(&["q"]);
}
