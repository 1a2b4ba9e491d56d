//! End to end in a real terminal: creating from the dashboard works offline, as the README
//! promises. `snowlink demo` in tmux; one incident is created online (which caches the form's
//! lookups), then ServiceNow hibernates (the emulator's fault API): the form shows its choices
//! from the cache with their age, a create is queued and shown as pending, and when ServiceNow is
//! back the worker delivers it exactly once and the links pane shows its number. Waiting is by
//! polling for conditions with generous deadlines; nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux_common;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tmux_common::demo::start_demo;

async fn faults(base: &str, spec: Option<&str>) {
    let http = reqwest::Client::new();
    let url = format!("{base}/__emulator/faults");
    let resp = match spec {
        Some(spec) => http.post(&url).json(&json!({ "spec": spec })).send().await,
        None => http.delete(&url).send().await,
    };
    assert!(resp.unwrap().status().is_success());
}

/// Incidents whose correlation_id is one of the creates of `anomaly` (any create id).
async fn incidents_for(base: &str, anomaly: &str) -> Vec<Value> {
    let v: Value = reqwest::Client::new()
        .get(format!(
            "{base}/api/now/table/incident?sysparm_fields=number,correlation_id&sysparm_limit=10000"
        ))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let prefix = format!("snowlink:warehouse-dq/{anomaly}#");
    v["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["correlation_id"]
                .as_str()
                .is_some_and(|c| c.starts_with(&prefix))
        })
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_made_while_servicenow_hibernates_is_queued_shown_and_delivered_once() {
    let (tmux, base) = start_demo();
    tmux.wait_for("A-1042");

    // Online: a create through the form, the assignment group picked from the search. This
    // is the good read the cache keeps (category choices, the group, the caller).
    tmux.select("A-1042");
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for A-1042");
    assert!(incidents_for(&base, "A-1020").await.is_empty());
    tmux.wait_for("◂ (none) ▸");
    tmux.keys(&["Tab", "Tab", "Tab", "Tab", "Tab", "Tab"]);
    tmux.wait_for("▶Assign. group");
    tmux.text("Database");
    tmux.wait_for("enter picks");
    tmux.keys(&["Enter"]);
    tmux.wait_for("✓ Database");
    tmux.keys(&["C-s"]);
    tmux.wait_for("created INC");

    // ServiceNow goes to sleep.
    faults(&base, Some("hibernate")).await;

    tmux.select("A-1020");
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for A-1020");
    // The category choices come from the cache, and the form says how old they are and why.
    let pane = tmux.wait_for("(cached, read");
    assert!(pane.contains("⚠ choices"), "{pane}");
    assert!(pane.contains("(ServiceNow unreachable)"), "{pane}");
    tmux.keys(&["Tab", "Tab", "Tab", "Tab", "Tab", "Tab"]);
    tmux.wait_for("▶Assign. group");
    tmux.text("Database");
    tmux.wait_for("cached names");
    tmux.keys(&["Enter"]);
    tmux.wait_for("✓ Database");
    tmux.keys(&["C-s"]);
    let pane = tmux.wait_for("is queued as #");
    assert!(pane.contains("ServiceNow unreachable"), "{pane}");
    let queued = pane
        .split("is queued as #")
        .nth(1)
        .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
        .unwrap()
        .to_string();
    tmux.wait_for(&format!("pending create (queued #{queued})"));

    // ServiceNow is back: the worker's probe finds it and delivers the queued create.
    faults(&base, None).await;
    let until = Instant::now() + Duration::from_secs(300);
    let number = loop {
        let found = incidents_for(&base, "A-1020").await;
        if let Some(inc) = found.first() {
            assert_eq!(found.len(), 1, "one incident per create: {found:?}");
            break inc["number"].as_str().unwrap().to_string();
        }
        assert!(
            Instant::now() < until,
            "the queued create was never delivered:\n{}",
            tmux.pane()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // The links pane shows the real number in place of the pending create.
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let pane = tmux.pane();
        if pane.contains(&number) && !pane.contains("pending create") {
            break;
        }
        assert!(
            Instant::now() < until,
            "the pane never showed {number}:\n{pane}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Exactly once: the outbox is empty and ServiceNow still holds one incident for A-1020.
    tmux.wait_for("outbox 0 pending");
    assert_eq!(incidents_for(&base, "A-1020").await.len(), 1);
    tmux.keys(&["q"]);
}
