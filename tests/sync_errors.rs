//! Permanent and account-level failures: 401/403 pause the instance without burning requests,
//! 404 fails the delivery and breaks the link, 400 dead-letters with ServiceNow's message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr};
use snowlink::domain::IncidentRef;
use sync_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_pauses_the_instance_until_a_probe_succeeds() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "wrong-password", "max_in_flight = 1");
    let incidents = create_incidents(&env, 3).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "auth");
    clear_requests(&env).await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 3, "{report}\n{}", stderr(&out));
    assert_eq!(report["paused"]["cause"], "auth", "{report}");
    assert!(
        report["paused"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("401 from"),
        "{report}"
    );
    assert_eq!(report["waiting"].as_array().unwrap().len(), 6);
    // One request met the 401; nothing else was tried.
    assert_eq!(requests(&env).await.len(), 1);
    let (_, list) = env.json(&["outbox"]).await;
    assert_eq!(list["paused"][0]["instance"], "default");
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["state"] == "paused")
    );
    // The attempt that met the 401 is the only one counted.
    let attempts: u64 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["attempts"].as_u64().unwrap())
        .sum();
    assert_eq!(attempts, 1);

    // Still wrong: the next run probes once and sends nothing.
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 3, "{report}");
    let log = requests(&env).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(patches(&log), 0);

    // Fixed: the probe succeeds, the instance resumes, everything is delivered.
    write_config(&env, "itil", "itil", "max_in_flight = 1");
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert!(report["paused"].is_null());
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_retry_resumes_a_paused_instance() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 1).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 1, "acl");
    add_fault(&env, "reason=acl-update,count=1,method=PATCH").await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 3, "{report}");
    assert_eq!(report["paused"]["cause"], "permission");
    let (out, v) = env.json(&["outbox", "retry", "--all"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(v["resumed"][0], "default");
    let (_, list) = env.json(&["outbox"]).await;
    assert_eq!(list["items"][0]["state"], "pending");
    assert!(list["paused"].as_array().unwrap().is_empty());
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_fails_the_delivery_and_breaks_the_link() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let good = create_incidents(&env, 1).await;
    let gone = IncidentRef {
        instance: "default".into(),
        table: "incident".into(),
        sys_id: "0123456789abcdef0123456789abcdef".into(),
        number: "INC0999999".into(),
    };
    let mut store = open_store(&env);
    let key = seed_anomaly(&mut store, "A-404");
    link(&mut store, &key, &gone);
    let failed = enqueue_note(&mut store, &gone, "[2026-11-23 10:00:00 UTC] to nowhere");
    let expected = enqueue_notes(&mut store, &good, 2, "fine");

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 1, "{report}");
    assert_eq!(report["failed"][0]["id"], failed);
    assert!(
        report["failed"][0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("404")
    );
    assert!(report["waiting"].as_array().unwrap().is_empty());
    // The other incident's queue is not held up.
    assert_exactly_once_in_order(&env, &good, &expected).await;
    let (_, links) = env.json(&["links"]).await;
    let l = &links["links"][0];
    assert_eq!(l["broken"], true, "{links}");
    assert!(
        l["shown_state"]
            .as_str()
            .unwrap()
            .starts_with("unknown (404"),
        "{links}"
    );
    let out = env.run(&["sync", "--once"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("not found or hidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_request_is_dead_lettered_with_the_message_and_holds_its_queue() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "max_in_flight = 1");
    let incidents = create_incidents(&env, 2).await;
    let mut store = open_store(&env);
    let first = enqueue_note(
        &mut store,
        &incidents[0],
        "[2026-11-23 10:00:00 UTC] rejected",
    );
    let second = enqueue_note(&mut store, &incidents[0], "[2026-11-23 10:00:01 UTC] held");
    let expected = enqueue_notes(&mut store, &incidents[1..], 2, "other");
    add_fault(&env, "status=400,count=1,method=PATCH").await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "a held note is still pending: {report}");
    assert_eq!(report["dead"][0]["id"], first);
    assert!(
        report["dead"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("Requested URI does not represent any resource"),
        "{report}"
    );
    assert_eq!(report["waiting"][0]["id"], second);
    assert!(
        report["waiting"][0]["why"]
            .as_str()
            .unwrap()
            .contains(&format!("#{first}"))
    );
    assert_exactly_once_in_order(&env, &incidents[1..], &expected).await;

    // Dropping the dead head releases its queue.
    let out = env.run(&["outbox", "drop", &first.to_string()]).await;
    assert_eq!(exit_code(&out), 0);
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(
        env.work_notes(&incidents[0].sys_id).await,
        vec!["[2026-11-23 10:00:01 UTC] held"]
    );
}
