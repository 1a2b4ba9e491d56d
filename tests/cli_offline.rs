//! With ServiceNow hibernating or down, actions are recorded and queued, the user is told, and
//! nothing is lost; when it comes back, everything is delivered in order, once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr, stdout};
use reqwest::Method;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn actions_while_hibernating_are_queued_then_delivered_once_in_order() {
    let env = TestEnv::start().await;
    let out = env.run(&["ticket", "link", "A-1020", "INC0000004"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    env.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({"spec": "hibernate"})),
    )
    .await;
    let out = env.run(&["ack", "A-1020"]).await;
    assert_eq!(exit_code(&out), 6, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("kept in the outbox"),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["comment", "A-1020", "first while down"]).await;
    assert_eq!(exit_code(&out), 6);
    let out = env.run(&["comment", "A-1020", "second while down"]).await;
    assert_eq!(exit_code(&out), 6);
    let (out, v) = env.json(&["outbox"]).await;
    assert_eq!(exit_code(&out), 0);
    assert!(v.to_string().contains("second while down"), "{v}");

    env.control(Method::DELETE, "/__emulator/faults", None)
        .await;
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let sys_id = env.incident("INC0000004").await["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ours: Vec<String> = env
        .work_notes(&sys_id)
        .await
        .into_iter()
        .filter(|n| n.contains("A-1020"))
        .collect();
    assert_eq!(ours.len(), 4, "{ours:?}");
    assert!(ours[0].contains("Linked to anomaly A-1020"));
    assert!(ours[1].ends_with("status: Acknowledged"));
    assert!(ours[2].ends_with("first while down"));
    assert!(ours[3].ends_with("second while down"));
    // A second sync sends nothing more.
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(
        env.work_notes(&sys_id)
            .await
            .iter()
            .filter(|n| n.contains("A-1020"))
            .count(),
        4
    );
}
