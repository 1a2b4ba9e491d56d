//! `snowlink demo` in tmux and the ServiceNow emulator behind it, for the end-to-end tests that
//! check over HTTP what the dashboard made.

use serde_json::Value;

use super::Tmux;

/// `snowlink demo` in a 120×40 terminal, and the emulator's base URL read off its banner.
pub fn start_demo() -> (Tmux, String) {
    super::require();
    let tmux = Tmux::start(&format!("{} demo", env!("CARGO_BIN_EXE_snowlink")));
    let pane = tmux.wait_for("DEMO 127.0.0.1:");
    let base = format!(
        "http://{}",
        pane.split("DEMO ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .unwrap()
    );
    (tmux, base)
}

/// A Table API read as the emulator's admin.
pub async fn get(url: &str) -> Value {
    reqwest::Client::new()
        .get(url)
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The work notes of an incident, oldest first.
pub async fn notes(base: &str, sys_id: &str) -> Vec<String> {
    let v = get(&format!(
        "{base}/api/now/table/sys_journal_field?sysparm_query=element_id={sys_id}^element=work_notes^ORDERBYsys_created_on"
    ))
    .await;
    v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["value"].as_str().unwrap().to_string())
        .collect()
}
