//! The library API the CLI commands and the dashboard call: `Worker::deliver(ids, deadline)`,
//! read-only refusal, and `Worker::watch` with progress events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use std::time::{Duration, Instant};

use common::TestEnv;
use servicenow_client::{Auth, Client, ClientConfig, SecretString};
use snowlink::sync::{SyncEvent, Worker, WorkerOptions};
use sync_common::*;

fn client(url: &str) -> Client {
    Client::new(
        ClientConfig::new(
            url,
            Auth::Basic {
                username: "itil".into(),
                password: SecretString::from("itil"),
            },
        )
        .timeout(Duration::from_secs(5)),
    )
    .unwrap()
}

async fn worker(env: &TestEnv, url: &str, read_only: bool) -> Worker {
    let mut opts = WorkerOptions::new(4, Duration::from_secs(5));
    opts.read_only = read_only;
    opts.poll_interval = Duration::from_millis(200);
    Worker::new(
        &env.data_dir().join("snowlink.db").into(),
        "default",
        client(url),
        opts,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_sends_the_targets_and_their_predecessors_only() {
    let env = TestEnv::start().await;
    let incidents = create_incidents(&env, 2).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents[..1], 2, "mine");
    let target = enqueue_note(
        &mut store,
        &incidents[0],
        "[2026-11-23 10:00:09 UTC] target",
    );
    enqueue_notes(&mut store, &incidents[1..], 3, "backlog");
    let w = worker(&env, &env.url, false).await;
    let report = w
        .deliver(&[target], Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(report.delivered.len(), 3, "{report:?}");
    assert!(report.delivered.contains(&target));
    assert!(
        report.waiting.is_empty(),
        "only the targets are in scope: {report:?}"
    );
    let mut want = expected[0].clone();
    want.push("[2026-11-23 10:00:09 UTC] target".into());
    assert_eq!(env.work_notes(&incidents[0].sys_id).await, want);
    assert!(
        env.work_notes(&incidents[1].sys_id).await.is_empty(),
        "backlog untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliver_returns_pending_with_reasons_when_unreachable_or_read_only() {
    let env = TestEnv::start().await;
    let incidents = create_incidents(&env, 1).await;
    let mut store = open_store(&env);
    let id = enqueue_note(
        &mut store,
        &incidents[0],
        "[2026-11-23 10:00:00 UTC] offline",
    );
    let down = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let report = worker(&env, &down, false)
        .await
        .deliver(&[id], Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();
    assert!(report.is_waiting(id), "{report:?}");
    assert!(report.unreachable.is_some());
    // Nothing answers: the instance is treated as down and probed on a backoff; the delivery
    // keeps its place without burning an attempt.
    assert!(
        report.waiting[0].why.contains("next probe in"),
        "{report:?}"
    );
    assert_eq!(report.waiting[0].attempts, 0, "{report:?}");
    assert!(report.outage.is_some());

    let report = worker(&env, &env.url, true)
        .await
        .deliver(&[id], Instant::now() + Duration::from_secs(30))
        .await
        .unwrap();
    assert!(report.read_only);
    assert!(report.is_waiting(id));
    assert!(env.work_notes(&incidents[0].sys_id).await.is_empty());
    let report = worker(&env, &env.url, true).await.run_once().await.unwrap();
    assert_eq!(report.waiting.len(), 1);
    assert!(report.delivered.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_delivers_what_others_enqueue_and_stops_on_request() {
    let env = TestEnv::start().await;
    let incidents = create_incidents(&env, 2).await;
    let w = worker(&env, &env.url, false).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let running = tokio::spawn(async move { w.watch(stop_rx, Some(tx)).await });
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "watched");
    let mut delivered = 0;
    while delivered < 4 {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(ev, SyncEvent::Delivered { .. }) {
            delivered += 1;
        }
    }
    stop_tx.send(true).unwrap();
    let report = tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(report.delivered.len(), 4);
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}
