//! End to end in a real terminal: `snowlink demo` in tmux, driven by keys; what ServiceNow ends up
//! holding is then checked through the emulator's Table API (the URL is read off the banner).
//! Waiting is by polling the pane for text (bounded, generous); nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux_common;

use std::time::{Duration, Instant};

use tmux_common::demo::{get, notes, start_demo};

#[tokio::test(flavor = "multi_thread")]
async fn demo_create_link_ack_comment_reach_servicenow() {
    // A missing tool fails the test, in CI or not: a test that skips would pass without proving
    // anything.
    let (tmux, base) = start_demo();
    tmux.wait_for("A-1042");
    // The demo's live sources (Qualytics, Alertmanager) have newer anomalies: select the
    // sample's A-1042 through the filter.
    tmux.select("A-1042");

    // Create a ticket for the selected (newest) anomaly through the form.
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for A-1042");
    tmux.keys(&["C-s"]);
    let pane = tmux.wait_for("created INC");
    let number = tmux_common::created_number(&pane);
    // The links pane shows the new incident's state at once, not "? unknown: not read yet".
    tmux.wait_for(&format!("{number} New"));
    let created = get(&format!(
        "{base}/api/now/table/incident?sysparm_query=number={number}"
    ))
    .await;
    let inc = &created["result"][0];
    assert!(
        inc["description"]
            .as_str()
            .unwrap()
            .contains("--- snowlink anomaly A-1042 ---")
    );
    assert!(
        inc["correlation_id"]
            .as_str()
            .unwrap()
            .starts_with("snowlink:warehouse-dq/A-1042#")
    );
    let created_id = inc["sys_id"].as_str().unwrap().to_string();

    // Link an existing incident to the same anomaly through search.
    tmux.keys(&["l"]);
    tmux.text("Orders database");
    tmux.wait_for("INC0000005");
    tmux.keys(&["Enter"]);
    tmux.wait_for("linked INC0000005");

    // Acknowledge and comment.
    tmux.keys(&["a"]);
    tmux.wait_for("acknowledged");
    tmux.keys(&["m"]);
    tmux.text("loader restarted from tmux");
    tmux.keys(&["C-s"]);
    tmux.wait_for("comment");

    // Wait until the outbox is empty, then check ServiceNow.
    let existing = get(&format!(
        "{base}/api/now/table/incident?sysparm_query=number=INC0000005"
    ))
    .await;
    let existing_id = existing["result"][0]["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        existing["result"][0]["description"]
            .as_str()
            .unwrap()
            .contains("--- snowlink anomaly A-1042 ---")
    );
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let a = notes(&base, &created_id).await;
        let b = notes(&base, &existing_id).await;
        let done = |n: &[String]| {
            n.iter()
                .any(|t| t.ends_with("Anomaly A-1042 status: Acknowledged"))
                && n.iter().any(|t| {
                    t.contains(
                        "Comment on anomaly A-1042 from Demo Engineer: loader restarted from tmux",
                    )
                })
        };
        if done(&a) && done(&b) {
            assert!(
                b.iter().any(|t| t.contains("Linked to anomaly A-1042")),
                "{b:?}"
            );
            break;
        }
        assert!(
            Instant::now() < until,
            "notes never arrived: {a:?} {b:?}\n{}",
            tmux.pane()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tmux.keys(&["q"]);
}
