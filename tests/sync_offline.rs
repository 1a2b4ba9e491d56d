//! Offline: with ServiceNow unreachable (nothing listening, or hibernating) deliveries wait and
//! nothing is lost; once it is back, everything arrives in order, once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr};
use sync_common::*;

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_lost_while_servicenow_is_down() {
    let env = TestEnv::start().await;
    let incidents = create_incidents(&env, 3).await;
    let mut store = open_store(&env);
    let mut expected = enqueue_notes(&mut store, &incidents, 3, "offline");

    write_config_url(&env, &dead_url(), "itil", "itil", "");
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}\n{}", stderr(&out));
    assert_eq!(report["waiting"].as_array().unwrap().len(), 9, "{report}");
    assert!(
        report["unreachable"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1"),
        "{report}"
    );
    assert!(report["paused"].is_null());
    // Human output says why.
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("unreachable"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // More notes queue up meanwhile.
    let more = enqueue_notes(&mut store, &incidents, 1, "still-offline");
    for (e, m) in expected.iter_mut().zip(more) {
        e.extend(m);
    }
    let (_, list) = env.json(&["outbox"]).await;
    assert_eq!(list["counts"]["pending"], 12);

    // Back up: everything is delivered, in order, once.
    write_config(&env, "itil", "itil", "");
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hibernating_instance_keeps_deliveries_waiting() {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 2).await;
    let mut store = open_store(&env);
    let expected = enqueue_notes(&mut store, &incidents, 2, "asleep");
    add_fault(&env, "hibernate").await;
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 6, "{report}");
    assert!(
        report["unreachable"].as_str().unwrap().contains("hibernat"),
        "{report}"
    );
    // The first answer stops the run: no hammering a sleeping instance.
    let log = requests(&env).await;
    assert!(log.len() <= 2, "{log:?}");
    clear_faults(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_exactly_once_in_order(&env, &incidents, &expected).await;
}
