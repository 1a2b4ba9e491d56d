//! Several processes on one store: two `snowlink sync --watch` and a writer enqueuing notes at
//! the same time. Every note arrives exactly once, in order per incident; SIGTERM stops each
//! watcher cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use std::time::Duration;

use common::TestEnv;
use servicenow_emulator::EmulatorConfig;
use sync_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_watchers_and_a_writer_deliver_every_note_exactly_once() {
    let env = TestEnv::start_with(EmulatorConfig {
        latency: Duration::from_millis(5),
        ..EmulatorConfig::default()
    })
    .await;
    write_config(&env, "itil", "itil", "max_in_flight = 3");
    let incidents = create_incidents(&env, 6).await;
    let a = spawn(&env, &["sync", "--watch"]);
    let b = spawn(&env, &["sync", "--watch"]);

    // The writer: 20 rounds of one note per incident, with short pauses, on its own connection.
    let db = env.data_dir().join("snowlink.db");
    let targets = incidents.clone();
    let writer = tokio::task::spawn_blocking(move || {
        let mut store = snowlink::store::Store::open(&db).unwrap();
        let mut expected = vec![Vec::new(); targets.len()];
        for round in 0..20 {
            let batch = enqueue_notes(&mut store, &targets, 1, &format!("round {round}"));
            for (e, b) in expected.iter_mut().zip(batch) {
                e.extend(b);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        expected
    });
    let expected = writer.await.unwrap();
    let drained = wait_until_drained(&env, Duration::from_secs(120)).await;

    for child in [&a, &b] {
        terminate(child);
    }
    for child in [a, b] {
        let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .expect("watcher stops after SIGTERM")
            .unwrap();
        assert!(drained, "{}", String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("stopped"));
    }
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
    // Both processes took part (each claims with its own owner id).
    let log = requests(&env).await;
    assert_eq!(patches(&log), 120);
}
