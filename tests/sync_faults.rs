//! Transient failures: 429 with and without headers, 503 HTML, 500, connection resets. Each is
//! retried (after Retry-After, or with backoff) and every note still arrives exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr};
use serde_json::Value;
use sync_common::*;

const PATCH_INCIDENT: &str = "method=PATCH,path=/api/now/table/incident";

/// Three incidents × two notes, `fault` switched on, one `sync --once`: all delivered once,
/// in order, with at least one retry. Returns the report and the request log.
async fn deliver_through(fault: &str) -> (Value, Vec<Value>) {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "max_in_flight = 2");
    let incidents = create_incidents(&env, 3).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "fault");
    clear_requests(&env).await;
    add_fault(&env, fault).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{fault}: {report}\n{}", stderr(&out));
    assert!(
        report["retried"].as_u64().unwrap() >= 1,
        "{fault}: {report}"
    );
    assert_eq!(
        ids(&report["delivered"]).len() + ids(&report["reconciled"]).len(),
        6,
        "{fault}: {report}"
    );
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
    (report, requests(&env).await)
}

fn statuses(log: &[Value]) -> Vec<u64> {
    log.iter().filter_map(|r| r["status"].as_u64()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_with_retry_after_waits_and_delivers() {
    let (_, log) = deliver_through(&format!(
        "status=429,retry-after=1,count=2,{PATCH_INCIDENT}"
    ))
    .await;
    assert_eq!(statuses(&log).iter().filter(|s| **s == 429).count(), 2);
    // A 429 is not an unknown outcome: no read-back, so exactly six successful PATCHes.
    assert_eq!(
        log.iter()
            .filter(|r| r["method"] == "PATCH" && r["status"] == 200)
            .count(),
        6
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_with_reset_header_waits_and_delivers() {
    // rate-limit= adds X-RateLimit-Reset an hour out; Retry-After (1 s) takes precedence.
    let (_, log) = deliver_through(&format!(
        "status=429,rate-limit=100,retry-after=1,count=1,{PATCH_INCIDENT}"
    ))
    .await;
    assert_eq!(statuses(&log).iter().filter(|s| **s == 429).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_without_headers_backs_off() {
    let (_, log) = deliver_through(&format!("status=429,count=2,{PATCH_INCIDENT}")).await;
    assert_eq!(statuses(&log).iter().filter(|s| **s == 429).count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_503_is_retried() {
    let (_, log) = deliver_through(&format!("status=503,html,count=2,{PATCH_INCIDENT}")).await;
    assert_eq!(statuses(&log).iter().filter(|s| **s == 503).count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_500_is_reconciled_then_retried() {
    let (_, log) = deliver_through(&format!("status=500,count=2,{PATCH_INCIDENT}")).await;
    assert_eq!(statuses(&log).iter().filter(|s| **s == 500).count(), 2);
    // A 500 on a write may have applied: the worker reads the notes back before resending.
    assert!(
        log.iter()
            .any(|r| r["method"] == "GET" && r["path"].as_str().unwrap_or("").contains("incident")),
        "no read-back before the resend"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_resets_are_retried_without_duplicates() {
    let (_, log) = deliver_through(&format!("reset,count=3,{PATCH_INCIDENT}")).await;
    assert_eq!(statuses(&log).iter().filter(|s| **s == 0).count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_retry_after_leaves_items_waiting_with_exit_6() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 1).await;
    let mut store = open_store(&env);
    enqueue_notes(&mut store, &incidents, 2, "later");
    add_fault(
        &env,
        &format!("status=429,retry-after=600,{PATCH_INCIDENT}"),
    )
    .await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    let waiting = report["waiting"].as_array().unwrap();
    assert_eq!(waiting.len(), 2, "{report}");
    assert!(
        waiting[0]["why"].as_str().unwrap().starts_with("retry at"),
        "{report}"
    );
    assert!(
        waiting[0]["last_error"].as_str().unwrap().contains("429"),
        "{report}"
    );
    assert!(
        waiting[1]["why"].as_str().unwrap().contains("behind"),
        "{report}"
    );
    // One request, then the whole instance waits (no hammering the rate limit).
    assert_eq!(patches(&requests(&env).await), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_after_sending_is_reconciled_without_duplicates() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "timeout_secs = 1");
    let incidents = create_incidents(&env, 2).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "slow");
    // The first PATCH answers after the client gave up: it may or may not have applied.
    add_fault(&env, &format!("latency-ms=1500,count=1,{PATCH_INCIDENT}")).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}\n{}", stderr(&out));
    assert!(report["retried"].as_u64().unwrap() >= 1, "{report}");
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_that_is_not_servicenow_pauses_with_exit_4() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 1).await;
    let mut store = open_store(&env);
    enqueue_notes(&mut store, &incidents, 2, "wrong-url");
    // An HTML 404 (a proxy or a wrong path), not ServiceNow's JSON 404.
    add_fault(&env, "status=404,html").await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 4, "{report}");
    assert_eq!(report["paused"]["cause"], "unreachable", "{report}");
    assert_eq!(
        report["failed"].as_array().unwrap().len(),
        0,
        "not a broken link"
    );
    clear_faults(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "resumed after a good probe: {report}");
}
