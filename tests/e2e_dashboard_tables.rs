//! End to end in a real terminal: the dashboard's ticket form creates a problem and a change
//! request in `snowlink demo` (tmux), showing only each table's fields; what ServiceNow holds is
//! then read through the emulator's Table API. Waiting is by polling the pane (bounded).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux_common;

use tmux_common::demo::{get, start_demo};

fn number_after(pane: &str, prefix: &str) -> String {
    pane.split(&format!("created {prefix}"))
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .map(|rest| format!("{prefix}{rest}"))
        .unwrap_or_else(|| panic!("no {prefix} number in:\n{pane}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_creates_a_problem_and_a_change_request() {
    let (tmux, base) = start_demo();
    tmux.wait_for("A-1042");
    tmux.select("A-1042");

    // Problem: one table to the right; no caller on the form.
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for A-1042");
    tmux.keys(&["BTab", "Right"]);
    let pane = tmux.wait_for("Create problem for A-1042");
    assert!(!pane.contains("Caller"), "{pane}");
    tmux.keys(&["C-s"]);
    let prb = number_after(&tmux.wait_for("created PRB"), "PRB");
    tmux.wait_for(&format!("{prb} New"));
    let p = get(&format!(
        "{base}/api/now/table/problem?sysparm_query=number={prb}"
    ))
    .await;
    let p = &p["result"][0];
    assert!(
        p["description"]
            .as_str()
            .unwrap()
            .contains("--- snowlink anomaly A-1042 ---"),
        "{p}"
    );
    assert_eq!(p["state"], "101");

    // Change request: two tables to the right, emergency type; another ticket for the anomaly.
    tmux.keys(&["c"]);
    tmux.wait_for("already has an open");
    tmux.keys(&["y"]);
    tmux.wait_for("Create incident for A-1042");
    tmux.keys(&["BTab", "Right", "Right"]);
    let pane = tmux.wait_for("Create change request for A-1042");
    assert!(pane.contains("Risk") && !pane.contains("Caller"), "{pane}");
    // Table → Short → Description → Type.
    tmux.keys(&["Tab", "Tab", "Tab", "Right"]);
    tmux.wait_for("◂ Emergency ▸");
    tmux.keys(&["C-s"]);
    let chg = number_after(&tmux.wait_for("created CHG"), "CHG");
    let c = get(&format!(
        "{base}/api/now/table/change_request?sysparm_query=number={chg}"
    ))
    .await;
    assert_eq!(c["result"][0]["type"], "emergency", "{c}");
    // The links pane lists both, the change with its state at once.
    let pane = tmux.wait_for(&format!("{chg} New"));
    assert!(pane.contains(&prb), "{pane}");
}
