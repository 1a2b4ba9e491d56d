//! An idle worker wakes at once when work is committed by another process: `snowlink sync
//! --watch` polls only every hour here, so only its wake-up socket can explain a delivery
//! (docs/store.md §Wake-ups).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use std::time::Duration;

use common::TestEnv;
use sync_common::*;

/// The wake-up sockets of running workers, next to the store.
fn sockets(env: &TestEnv) -> usize {
    std::fs::read_dir(env.data_dir().join("workers"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "sock"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_watcher_wakes_when_another_process_queues_work() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    // Poll only every hour: only a wake-up can explain a prompt delivery.
    let text = std::fs::read_to_string(env.config_path())
        .unwrap()
        .replace("poll_interval_secs = 1", "poll_interval_secs = 3600");
    std::fs::write(env.config_path(), text).unwrap();
    let incidents = create_incidents(&env, 2).await;
    // The store exists before the watcher starts, so its first pass finds nothing to do.
    drop(open_store(&env));
    let mut watcher = spawn(&env, &["sync", "--watch"]);
    let started = std::time::Instant::now();
    while sockets(&env) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the watcher never bound its wake-up socket"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let it go idle (its next look would be an hour away), then queue from "another process".
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "wake");
    assert!(
        wait_until_drained(&env, Duration::from_secs(30)).await,
        "queued work was not delivered: the watcher was not woken"
    );
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
    terminate(&watcher);
    let status = watcher.wait().await.unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(sockets(&env), 0, "a stopped worker removes its socket");
}
