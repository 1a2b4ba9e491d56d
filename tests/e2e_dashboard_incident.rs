//! End to end in a real terminal: `snowlink demo` in tmux creates an incident for an anomaly,
//! another ServiceNow user (the emulator's admin; the demo runs as itil) adds a work note over
//! HTTP, and the incident view (enter on the anomaly's one link) shows that note with its author
//! after `r`; a comment added next appears with no key pressed, once the change poller saw the
//! incident move. Waiting is by polling the pane (bounded, generous); nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux_common;

use serde_json::json;
use tmux_common::demo::{get, start_demo};

#[tokio::test(flavor = "multi_thread")]
async fn the_incident_view_shows_notes_written_by_someone_else_after_r_and_by_itself() {
    let (tmux, base) = start_demo();
    tmux.wait_for("A-1042");
    tmux.select("A-1042");
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for A-1042");
    tmux.keys(&["C-s"]);
    let pane = tmux.wait_for("created INC");
    let number = tmux_common::created_number(&pane);
    // The links pane lists it: A-1042 now has exactly one link.
    tmux.wait_for(&format!("{number} New"));

    // Enter opens the incident view on that link.
    tmux.keys(&["Enter"]);
    let pane = tmux.wait_for("esc back");
    assert!(pane.contains(&number), "{pane}");
    tmux.wait_for("read just now");

    // Someone else works the incident in ServiceNow.
    let found = get(&format!(
        "{base}/api/now/table/incident?sysparm_query=number={number}&sysparm_fields=sys_id"
    ))
    .await;
    let sys_id = found["result"][0]["sys_id"].as_str().unwrap().to_string();
    let resp = reqwest::Client::new()
        .patch(format!("{base}/api/now/table/incident/{sys_id}"))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .json(&json!({"work_notes": "restarted the nightly loader from the console"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    tmux.keys(&["r"]);
    let pane = tmux.wait_for("restarted the nightly loader from the console");
    assert!(pane.contains("System Administrator · work note"), "{pane}");
    assert!(pane.contains("Journal · newest first"), "{pane}");

    // esc goes back to the list and the links pane.
    // Without a key: the change poller (every poll_interval, 30 s in the demo) sees the
    // incident move, and the open view re-reads it. Between changes it only checks the store.
    let pane = tmux.wait_for("unchanged since");
    assert!(pane.contains("restarted the nightly loader"), "{pane}");
    let resp = reqwest::Client::new()
        .patch(format!("{base}/api/now/table/incident/{sys_id}"))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .json(&json!({"comments": "customer confirms the dashboard is back"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pane = tmux.wait_for("customer confirms the dashboard is back");
    assert!(pane.contains("System Administrator · comment"), "{pane}");

    tmux.keys(&["Escape"]);
    let pane = tmux.wait_for(&format!("{number} New"));
    assert!(!pane.contains("esc back"), "{pane}");
    tmux.keys(&["q"]);
}
