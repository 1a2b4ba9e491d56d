//! `snowlink sync --once` against the emulator: FIFO per incident, exactly once, identical
//! note texts, the JSON report, and a second run with nothing to do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr};
use sync_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_delivers_every_note_in_order_exactly_once() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "max_in_flight = 4");
    let incidents = create_incidents(&env, 3).await;
    let mut store = open_store(&env);
    let mut expected = enqueue_notes(&mut store, &incidents, 4, "basic");
    // Two identical texts to one incident: both must arrive.
    let same = "[2026-11-23 10:00:00 UTC] Anomaly A-1 status: Acknowledged";
    enqueue_note(&mut store, &incidents[0], same);
    enqueue_note(&mut store, &incidents[0], same);
    expected[0].push(same.to_string());
    expected[0].push(same.to_string());

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}\n{}", stderr(&out));
    assert_eq!(
        report["delivered"].as_array().unwrap().len(),
        14,
        "{report}"
    );
    assert_eq!(report["waiting"].as_array().unwrap().len(), 0);
    assert!(report["paused"].is_null());
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
    assert_eq!(patches(&requests(&env).await), 14);

    // Nothing left: a second run sends nothing.
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(report["delivered"].as_array().unwrap().len(), 0);
    assert_eq!(requests(&env).await.len(), 0);
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_list_shows_pending_and_delivered_items() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 1).await;
    let mut store = open_store(&env);
    let id = enqueue_note(&mut store, &incidents[0], "[2026-11-23 10:00:00 UTC] hello");
    let (out, v) = env.json(&["outbox"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(v["items"][0]["id"], id);
    assert_eq!(v["items"][0]["state"], "pending");
    assert_eq!(v["counts"]["pending"], 1);
    let out = env.run(&["sync"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (_, v) = env.json(&["outbox", "list"]).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    let (_, v) = env.json(&["outbox", "list", "--all"]).await;
    assert_eq!(v["items"][0]["state"], "delivered");
}
