//! End to end in a real terminal (tmux): (a) an error read in full — the dashboard against an
//! emulator that refuses the password, a create that fails with the client's 401, the status bar
//! at 80 columns still showing the outbox count and the `E` hint, and `E` showing the whole text
//! with its fix; (b) bulk actions on the demo — one incident created for three marked anomalies,
//! then one comment on the three, each reaching the incident as its own work note exactly once
//! (checked over the emulator's Table API). Waiting is by polling the pane (bounded, generous).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tmux_common;

use std::time::{Duration, Instant};

use tmux_common::Tmux;
use tmux_common::demo::{get, notes, start_demo};

/// The last line of the pane that is not blank (the status bar).
fn status_bar(pane: &str) -> String {
    pane.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auth_error_is_read_in_full_and_the_bar_keeps_the_outbox_count() {
    tmux_common::require();
    let env = common::TestEnv::start().await;
    env.write_config("itil", "wrong-password");
    let cmd = format!(
        "SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=wrong-password USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("A-10");
    tmux.wait_for("Status:");
    tmux.resize(80, 24);
    // An action that needs ServiceNow: create an incident for the selected anomaly.
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for");
    tmux.keys(&["C-s"]);
    let pane = tmux.wait_for("create failed");
    // The toast wraps the whole message: the fix is on screen too.
    assert!(pane.contains("check"), "{pane}");
    tmux.keys(&["Escape"]);
    if tmux.pane().contains("Discard the changes") {
        tmux.keys(&["d"]);
    }
    // The status bar at 80 columns: the outbox count and the key that shows the error in full.
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let bar = status_bar(&tmux.pane());
        if bar.contains("outbox") && bar.contains("E: full error") {
            break;
        }
        assert!(Instant::now() < until, "status bar: {bar}");
        std::thread::sleep(Duration::from_millis(150));
    }
    tmux.keys(&["E"]);
    let pane = tmux.wait_for("Errors (");
    assert!(pane.contains("User Not Authenticated"), "{pane}");
    assert!(pane.contains("fix: check username/password"), "{pane}");
    assert!(pane.contains("web_service_access_only"), "{pane}");
    assert!(!pane.contains("wrong-password"), "never the secret: {pane}");
    tmux.keys(&["Escape", "q"]);
}

/// `A-1011, A-1012, A-1013` in a line that says `… anomalies: <ids>`.
fn ids_after(pane: &str, marker: &str) -> Vec<String> {
    let line = pane.lines().find(|l| l.contains(marker)).unwrap();
    let rest = line.split(marker).nth(1).unwrap();
    rest.split(", ")
        .map(|s| {
            s.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .take(3)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_create_then_bulk_comment_reach_the_incident_once_each() {
    let (tmux, base) = start_demo();
    tmux.wait_for("A-1042");
    // The sample's A-1010…A-1019 only (the live sources have other anomalies).
    tmux.keys(&["/"]);
    tmux.text("A-101");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter");
    tmux.keys(&["g", "Space", "Space", "Space"]);
    tmux.wait_for("3 marked");

    // One incident for the three.
    tmux.keys(&["c"]);
    let until = Instant::now() + Duration::from_secs(60);
    let pane = loop {
        let pane = tmux.pane();
        if pane.contains("Create one incident for 3 anomalies: ") {
            break pane;
        }
        if pane.contains("already have an open incident") {
            tmux.keys(&["y"]);
        }
        assert!(Instant::now() < until, "no bulk form:\n{pane}");
        std::thread::sleep(Duration::from_millis(150));
    };
    let ids = ids_after(&pane, "Create one incident for 3 anomalies: ");
    assert_eq!(ids.len(), 3, "{ids:?}\n{pane}");
    tmux.keys(&["C-s"]);
    let pane = tmux.wait_for(" for 3 anomalies: ");
    let number = tmux_common::created_number(&pane);
    // A bulk action that succeeded clears the marks.
    assert!(!tmux.pane().contains("3 marked"), "{}", tmux.pane());

    // One comment on each of the same three rows.
    tmux.keys(&["g", "Space", "Space", "Space"]);
    tmux.wait_for("3 marked");
    tmux.keys(&["m"]);
    let pane = tmux.wait_for("Comment on 3 anomalies: ");
    assert_eq!(ids_after(&pane, "Comment on 3 anomalies: "), ids, "{pane}");
    tmux.text("bulk note from tmux");
    tmux.keys(&["C-s"]);
    tmux.wait_for("comment saved on 3 anomalies");

    let inc = get(&format!(
        "{base}/api/now/table/incident?sysparm_query=number={number}"
    ))
    .await;
    let sys_id = inc["result"][0]["sys_id"].as_str().unwrap().to_string();
    let description = inc["result"][0]["description"]
        .as_str()
        .unwrap()
        .to_string();
    for id in &ids {
        let header = format!("--- snowlink anomaly {id} ---");
        assert_eq!(description.matches(&header).count(), 1, "{description}");
    }
    let comment =
        |id: &str| format!("Comment on anomaly {id} from Demo Engineer: bulk note from tmux");
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let n = notes(&base, &sys_id).await;
        if ids
            .iter()
            .all(|id| n.iter().any(|t| t.contains(&comment(id))))
        {
            break;
        }
        assert!(
            Instant::now() < until,
            "notes never arrived: {n:?}\n{}",
            tmux.pane()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Once the outbox is drained, each note is there exactly once.
    let until = Instant::now() + Duration::from_secs(60);
    while !status_bar(&tmux.pane()).contains("outbox 0 pending") {
        assert!(
            Instant::now() < until,
            "outbox never drained:\n{}",
            tmux.pane()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A comment goes to the incidents its anomaly is linked to: each of the three reaching this
    // incident, once, shows the create linked all three (the worker does it when it records the
    // create; the description already holds their blocks, so nothing else is appended).
    let n = notes(&base, &sys_id).await;
    for id in &ids {
        assert_eq!(
            n.iter().filter(|t| t.contains(&comment(id))).count(),
            1,
            "{id}: {n:?}"
        );
    }
    tmux.keys(&["q"]);
}
