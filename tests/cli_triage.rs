//! ack, archive and comment: recorded locally, one work note per linked incident, delivered
//! before the command returns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr};

async fn sys_id(env: &TestEnv, number: &str) -> String {
    env.incident(number).await["sys_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn ack_archive_comment_reach_every_linked_incident_once() {
    let env = TestEnv::start().await;
    for inc in ["INC0000004", "INC0000005"] {
        let out = env.run(&["ticket", "link", "A-1010", inc]).await;
        assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    }
    let out = env.run(&["ack", "A-1010"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env
        .run(&["comment", "A-1010", "restarted the loader"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env
        .run_with_stdin(&["comment", "A-1010", "-"], Some("from stdin\n"))
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["archive", "A-1010", "--reason", "invalid"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    for inc in ["INC0000004", "INC0000005"] {
        let notes = env.work_notes(&sys_id(&env, inc).await).await;
        let ours: Vec<&String> = notes.iter().filter(|n| n.contains("A-1010")).collect();
        assert_eq!(ours.len(), 5, "{inc}: {ours:?}");
        assert!(ours[0].contains("Linked to anomaly A-1010"));
        assert!(
            ours[1].ends_with("Anomaly A-1010 status: Acknowledged"),
            "{}",
            ours[1]
        );
        assert!(
            ours[2].ends_with("Comment on anomaly A-1010 from Test Engineer: restarted the loader"),
            "{}",
            ours[2]
        );
        assert!(
            ours[3].ends_with("from Test Engineer: from stdin"),
            "{}",
            ours[3]
        );
        assert!(
            ours[4].ends_with("Anomaly A-1010 status: Archived (Invalid)"),
            "{}",
            ours[4]
        );
        assert!(
            ours[1].starts_with("[20") && ours[1].contains(" UTC] "),
            "{}",
            ours[1]
        );
    }
    let (_, shown) = env.json(&["show", "A-1010"]).await;
    assert_eq!(shown["status"], "archived:invalid");
    assert_eq!(shown["comments"].as_array().unwrap().len(), 2);
    assert_eq!(shown["history"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn ack_without_links_records_locally() {
    let env = TestEnv::start().await;
    let out = env.run(&["ack", "A-1011", "A-1012"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (_, v) = env.json(&["anomalies", "--status", "acknowledged"]).await;
    let ids: Vec<&str> = v["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"]["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"A-1011") && ids.contains(&"A-1012"),
        "{ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_anomaly_records_nothing() {
    let env = TestEnv::start().await;
    let out = env.run(&["ack", "A-1011", "NOPE-1"]).await;
    assert_eq!(exit_code(&out), 5);
    let (_, v) = env.json(&["show", "A-1011"]).await;
    assert_ne!(
        v["status"], "acknowledged",
        "a typo in one id records nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_comment_is_a_usage_error() {
    let env = TestEnv::start().await;
    let out = env.run(&["comment", "A-1011", "   "]).await;
    assert_eq!(exit_code(&out), 2);
}
