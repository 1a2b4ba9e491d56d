//! `snowlink links` / `links refresh` and the LinkPoller: display values recorded with their
//! read time, ⌈N/100⌉ requests, missing records marked broken, failed reads keep the last known
//! state and say why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr};
use serde_json::Value;
use snowlink::domain::IncidentRef;
use sync_common::*;

/// Seed incident INC0000001 (state In Progress) as a ref.
async fn seeded(env: &TestEnv, number: &str) -> IncidentRef {
    let rec = env.incident(number).await;
    IncidentRef {
        instance: "default".into(),
        table: "incident".into(),
        sys_id: rec["sys_id"].as_str().unwrap().into(),
        number: number.into(),
    }
}

fn link_of<'a>(v: &'a Value, number: &str) -> &'a Value {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["incident"]["number"] == number)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_reads_display_values_and_marks_missing_records_broken() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let one = seeded(&env, "INC0000001").await;
    let made = create_incidents(&env, 1).await.remove(0);
    let mut store = open_store(&env);
    let a = seed_anomaly(&mut store, "A-1");
    let b = seed_anomaly(&mut store, "A-2");
    link(&mut store, &a, &one);
    link(&mut store, &b, &one);
    link(&mut store, &a, &made);

    let (out, v) = env.json(&["links"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(link_of(&v, "INC0000001")["shown_state"], "never read");

    clear_requests(&env).await;
    let (out, r) = env.json(&["links", "refresh"]).await;
    assert_eq!(exit_code(&out), 0, "{r}");
    assert_eq!(r["records"], 2);
    assert_eq!(r["requests"], 1);
    assert_eq!(r["updated"], 2);
    assert_eq!(requests(&env).await.len(), 1);
    let (_, v) = env.json(&["links"]).await;
    let l = link_of(&v, "INC0000001");
    assert_eq!(l["shown_state"], "In Progress", "{v}");
    assert!(
        l["last"]["priority"].as_str().unwrap().contains(" - "),
        "{v}"
    );
    assert!(!l["read_at"].is_null());
    assert_eq!(link_of(&v, &made.number)["last"]["state"], "New");

    // Deleted (or hidden): broken, "not found or hidden".
    let resp = reqwest::Client::new()
        .delete(format!(
            "{}/api/now/table/incident/{}",
            env.url, made.sys_id
        ))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let (_, r) = env.json(&["links", "refresh"]).await;
    assert_eq!(r["not_found"][0], made.number.as_str());
    let (_, v) = env.json(&["links"]).await;
    let gone = link_of(&v, &made.number);
    assert_eq!(gone["broken"], true);
    assert_eq!(gone["shown_state"], "unknown (not found or hidden)");
    assert_eq!(gone["last"]["state"], "New", "last known state kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_keeps_the_last_known_state_and_says_why() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let one = seeded(&env, "INC0000001").await;
    let mut store = open_store(&env);
    let a = seed_anomaly(&mut store, "A-1");
    link(&mut store, &a, &one);
    let (out, _) = env.json(&["links", "refresh"]).await;
    assert_eq!(exit_code(&out), 0);
    add_fault(&env, "status=503,html").await;
    let (out, r) = env.json(&["links", "refresh"]).await;
    assert_eq!(exit_code(&out), 4, "{r}");
    assert!(r["error"].as_str().unwrap().contains("503"), "{r}");
    assert_eq!(r["unread"], 1);
    let (_, v) = env.json(&["links"]).await;
    let l = link_of(&v, "INC0000001");
    assert!(
        l["shown_state"]
            .as_str()
            .unwrap()
            .starts_with("unknown (503"),
        "{v}"
    );
    assert_eq!(l["last"]["state"], "In Progress");
    assert_eq!(l["broken"], false);
    let out = env.run(&["links"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown (503"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshing_250_links_costs_3_requests() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 250).await;
    let mut store = open_store(&env);
    let a = seed_anomaly(&mut store, "A-1");
    for inc in &incidents {
        link(&mut store, &a, inc);
    }
    clear_requests(&env).await;
    let (out, r) = env.json(&["links", "refresh"]).await;
    assert_eq!(exit_code(&out), 0, "{r}");
    assert_eq!(r["records"], 250);
    assert_eq!(r["updated"], 250);
    assert_eq!(r["requests"], 3);
    assert_eq!(requests(&env).await.len(), 3);
}
