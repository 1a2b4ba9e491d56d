//! `ticket create` is exactly once per intent: a re-run resumes a create that is still queued
//! (same correlation_id) instead of making another incident, and an anomaly that already has an
//! open incident needs `--another` (docs/sync.md §CLI).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr, stdout};
use serde_json::json;

async fn incidents_for(env: &TestEnv, anomaly: &str) -> Vec<serde_json::Value> {
    let v = env
        .admin_get(&format!(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:warehouse-dq/{anomaly}%23&sysparm_fields=number,correlation_id"
        ))
        .await;
    v["result"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_incident_needs_another() {
    let env = TestEnv::start().await;
    let out = env.run(&["ticket", "create", "A-1011"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["ticket", "create", "A-1011"]).await;
    assert_eq!(exit_code(&out), 2, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("already has an open incident"), "{err}");
    assert!(err.contains("--another"), "{err}");
    assert_eq!(incidents_for(&env, "A-1011").await.len(), 1);
    let out = env.run(&["ticket", "create", "A-1011", "--another"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(incidents_for(&env, "A-1011").await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_resumes_the_queued_create_with_its_correlation_id() {
    let env = TestEnv::start().await;
    // Every create POST fails (lookups still work, as when the instance answers reads but a
    // proxy in front fails writes): the create is queued and the command says so.
    env.control(
        reqwest::Method::POST,
        "/__emulator/faults",
        Some(json!({"spec": "status=503,html,method=POST,path=/api/now/table/incident"})),
    )
    .await;
    let (out, first) = env.json(&["ticket", "create", "A-1012"]).await;
    assert_eq!(exit_code(&out), 6, "{first}");
    let (_, outbox) = env.json(&["outbox"]).await;
    let queued: Vec<_> = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "create")
        .cloned()
        .collect();
    assert_eq!(queued.len(), 1, "{outbox}");
    // Still failing: the re-run resumes the same create, it does not queue a second one.
    let out = env.run(&["ticket", "create", "A-1012"]).await;
    assert_eq!(exit_code(&out), 6);
    assert!(stdout(&out).contains("resuming"), "{}", stdout(&out));
    let (_, outbox) = env.json(&["outbox"]).await;
    let creates = outbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "create")
        .count();
    assert_eq!(creates, 1, "{outbox}");
    // Back online: the re-run makes exactly one incident, with the queued correlation_id.
    env.control(reqwest::Method::DELETE, "/__emulator/faults", None)
        .await;
    let (out, done) = env.json(&["ticket", "create", "A-1012"]).await;
    assert_eq!(exit_code(&out), 0, "{done}");
    let made = incidents_for(&env, "A-1012").await;
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(done["incident"]["number"], made[0]["number"]);
}
