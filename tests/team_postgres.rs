//! Team mode through the real binary: two engineers, each with their own data directory and
//! config, share one PostgreSQL store (`[store] url`) on a throwaway cluster (docs/store.md
//! §Engines). They see each other's links, a double acknowledgement sends one status note, each
//! change names the engineer who made it, and a `sync --once` from either machine delivers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;
mod team_common;

use common::{TestEnv, exit_code, stderr};
use serde_json::Value;
use team_common::{cluster_with, team_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engineers_share_one_postgres_store() {
    let cluster = cluster_with("team").await;
    let ann = TestEnv::start().await;
    let bob = TestEnv::start().await;
    // Both talk to Ann's emulator: one ServiceNow, one store, two machines.
    team_config(&ann, &ann.url, &cluster, "team", "Ann Oncall");
    team_config(&bob, &ann.url, &cluster, "team", "Bob Oncall");

    let out = ann.run(&["ticket", "link", "A-1001", "INC0000004"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(
        !ann.data_dir().join("snowlink.db").exists(),
        "nothing is written to a local SQLite file in team mode"
    );

    // Bob's machine has never seen the link: it reads it from the shared store.
    let (out, links) = bob.json(&["links"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let rows = links["links"].as_array().expect("links list");
    assert!(
        rows.iter().any(|l| l["anomaly"]["id"] == "A-1001"
            && l["incident"]["number"] == "INC0000004"
            && l["linked_by"] == "Ann Oncall"),
        "{links}"
    );

    // Both acknowledge at once: one status change, so one status note.
    let (a, b) = tokio::join!(ann.run(&["ack", "A-1001"]), bob.run(&["ack", "A-1001"]));
    assert_eq!(exit_code(&a), 0, "{}", stderr(&a));
    assert_eq!(exit_code(&b), 0, "{}", stderr(&b));
    let out = bob
        .run(&["comment", "A-1001", "looking at the loader"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    // Delivered by a sync from Bob's machine, whoever queued it.
    let (out, report) = bob.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}\n{}", stderr(&out));
    let (_, shown) = ann.json(&["show", "A-1001"]).await;
    let incident = ann.incident("INC0000004").await;
    let sys_id = incident["sys_id"].as_str().unwrap().to_string();
    let notes = ann.work_notes(&sys_id).await;
    let acks = notes.iter().filter(|n| n.contains("Acknowledged")).count();
    assert_eq!(
        acks, 1,
        "one status note for two acknowledgements: {notes:#?}"
    );
    let comment = notes
        .iter()
        .position(|n| n.contains("looking at the loader"))
        .expect("the comment reached the incident");
    assert!(
        notes[comment].contains("Bob Oncall"),
        "the note names the engineer: {}",
        notes[comment]
    );

    // Who did what is the engineer's name in the shared history: one acknowledgement (by
    // whichever of the two came first), the other was already done; Bob's comment is his.
    let history = shown["history"].as_array().expect("history");
    let acks: Vec<&Value> = history
        .iter()
        .filter(|h| h["to"] == "acknowledged")
        .collect();
    assert_eq!(acks.len(), 1, "{shown}");
    let by = acks[0]["user"].as_str().unwrap();
    assert!(by == "Ann Oncall" || by == "Bob Oncall", "{shown}");
    let comments = shown["comments"].as_array().expect("comments");
    assert_eq!(comments.len(), 1, "{shown}");
    assert_eq!(comments[0]["author"], "Bob Oncall");
    let (_, outbox) = ann.json(&["outbox"]).await;
    assert_eq!(outbox["counts"]["pending"], 0, "{outbox}");
}

/// A lost team database: a new, empty one is filled back from ServiceNow by `links rediscover`
/// (issue 14 point 4 on the PostgreSQL engine), and nothing is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_team_database_is_rebuilt_from_servicenow() {
    let cluster = cluster_with("team_old").await;
    tokio::task::block_in_place(|| cluster.fresh_database("team_new").unwrap());
    let ann = TestEnv::start().await;
    team_config(&ann, &ann.url, &cluster, "team_old", "Ann Oncall");
    let out = ann.run(&["ticket", "create", "A-1003"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (_, before) = ann.json(&["links"]).await;
    let made: Vec<&Value> = before["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["anomaly"]["id"] == "A-1003")
        .collect();
    assert_eq!(made.len(), 1, "{before}");
    let number = made[0]["incident"]["number"].clone();

    // The team moves to an empty database: nothing there, until ServiceNow is asked.
    team_config(&ann, &ann.url, &cluster, "team_new", "Ann Oncall");
    let (out, v) = ann.json(&["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let (_, after) = ann.json(&["links"]).await;
    assert!(
        after["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["anomaly"]["id"] == "A-1003" && l["incident"]["number"] == number),
        "{after}"
    );
    let (_, again) = ann.json(&["links", "rediscover"]).await;
    let added: u64 = again["instances"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["tables"].as_array().cloned().unwrap_or_default())
        .map(|t| t["added"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(added, 0, "a second run adds nothing: {again}");
}

/// `config check --online` connects to the team database as the configured role and says what
/// it found, creating nothing; a wrong password is an error finding naming the cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_online_connects_to_the_team_database() {
    let cluster = cluster_with("checked").await;
    let ann = TestEnv::start().await;
    team_config(&ann, &ann.url, &cluster, "checked", "Ann Oncall");
    let store_findings = |v: &Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["subject"] == "store")
            .map(|f| {
                (
                    f["level"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    let (out, v) = ann.json(&["config", "check", "--online"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let found = store_findings(&v);
    assert!(
        found.iter().any(|(l, m)| l == "ok"
            && m.contains("connected to PostgreSQL")
            && m.contains("as snowlink (database checked)")
            && m.contains("no snowlink schema yet")),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|(l, _)| l == "warn" || l == "error"),
        "{found:#?}"
    );

    // Once a command has used the store, the schema is there and current.
    let out = ann.run(&["links"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (_, v) = ann.json(&["config", "check", "--online"]).await;
    assert!(
        store_findings(&v)
            .iter()
            .any(|(l, m)| l == "ok" && m.contains("current")),
        "{v}"
    );

    std::fs::write(ann.dir.path().join("pg-password"), "not-the-password").unwrap();
    let (out, v) = ann.json(&["config", "check", "--online"]).await;
    assert_eq!(exit_code(&out), 2, "{v}");
    let found = store_findings(&v);
    assert!(
        found
            .iter()
            .any(|(l, m)| l == "error" && m.to_lowercase().contains("password")),
        "{found:#?}"
    );
}
