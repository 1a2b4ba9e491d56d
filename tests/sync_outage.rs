//! An instance that answers 5xx/HTML to everything, or nothing at all, is treated as down: it is
//! probed on a backoff instead of every delivery burning its retries, and when a probe succeeds
//! every waiting delivery goes out at once (docs/sync.md §Outages).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code};
use sync_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_failing_everything_is_probed_not_hammered() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "max_in_flight = 2");
    let incidents = create_incidents(&env, 6).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 3, "outage");
    add_fault(&env, "status=503,html").await;
    clear_requests(&env).await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    let outage = &report["outage"];
    assert!(
        outage["cause"].as_str().unwrap().contains("503"),
        "{report}"
    );
    assert!(
        report["unreachable"]
            .as_str()
            .unwrap()
            .contains("next probe in"),
        "{report}"
    );
    // Three server failures in a row are enough to call it down; 18 deliveries did not each
    // try (and burn a retry).
    let first = requests(&env).await.len();
    assert!(
        first <= 4,
        "{first} requests to an instance failing everything"
    );
    let attempts: u64 = report["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["attempts"].as_u64().unwrap())
        .sum();
    assert!(attempts <= 4, "{attempts} attempts counted: {report}");

    // Another run while it is still down: one probe, nothing else.
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    let log = requests(&env).await;
    assert_eq!(log.len(), 1, "only a probe: {log:?}");
    assert_eq!(patches(&log), 0);
    assert_eq!(report["outage"]["failed_probes"], 1, "{report}");

    // Back up: the probe succeeds and everything waiting is due at once.
    clear_faults(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert!(report["outage"].is_null(), "{report}");
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_is_an_outage_with_the_cause_named() {
    let env = TestEnv::start().await;
    let down = format!("http://127.0.0.1:{}", common::free_port());
    write_config_url(&env, &down, "itil", "itil", "");
    let incidents = create_incidents(&env, 3).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "refused");
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    assert_eq!(report["outage"]["cause"], "connection refused", "{report}");
    let (_, list) = env.json(&["outbox"]).await;
    assert_eq!(list["counts"]["pending"], 6, "{list}");
    write_config(&env, "itil", "itil", "");
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_instance_that_answers_401_is_paused_after_one_probe() {
    let env = TestEnv::start().await;
    let down = format!("http://127.0.0.1:{}", common::free_port());
    write_config_url(&env, &down, "itil", "itil", "");
    let incidents = create_incidents(&env, 2).await;
    let mut store = open_store(&env);
    enqueue_notes(&mut store, &incidents, 1, "refused");
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    assert!(report["outage"].is_object(), "{report}");

    // It answers again, but with a wrong password: one probe, then a pause (no second request).
    write_config(&env, "itil", "wrong", "");
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 3, "{report}");
    assert_eq!(report["paused"]["cause"], "auth", "{report}");
    assert!(report["outage"].is_null(), "{report}");
    let log = requests(&env).await;
    assert_eq!(log.len(), 1, "one probe only: {log:?}");
}
