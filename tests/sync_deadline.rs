//! `sync --once` has an overall deadline: past it nothing more is claimed, what is in flight
//! finishes, and the report says it stopped there and lists what is left (docs/sync.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use std::time::Duration;

use common::{TestEnv, exit_code, stdout};
use servicenow_emulator::EmulatorConfig;
use sync_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_stops_at_its_deadline_and_lists_what_is_left() {
    // 600 ms per request, one queue of 12 notes: far more than a 1 s deadline allows.
    let env = TestEnv::start_with(EmulatorConfig {
        latency: Duration::from_millis(600),
        ..EmulatorConfig::default()
    })
    .await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 1).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 12, "deadline");

    let (out, report) = env.json(&["sync", "--once", "--deadline", "1"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    assert_eq!(report["deadline_reached"], true, "{report}");
    let delivered = report["delivered"].as_array().unwrap().len();
    let waiting = report["waiting"].as_array().unwrap().len();
    assert!(delivered >= 1, "what was in flight finished: {report}");
    assert_eq!(delivered + waiting, 12, "{report}");
    // Nothing is left in flight: the rest of the claimed run was given back.
    assert!(
        report["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["state"] == "pending"),
        "{report}"
    );

    // Human output says it stopped at the deadline.
    let out = env.run(&["sync", "--once", "--deadline", "1"]).await;
    assert!(stdout(&out).contains("--once deadline"), "{}", stdout(&out));

    // Without the deadline everything goes out, once, in order.
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}
