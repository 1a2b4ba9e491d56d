//! Problems and change requests end to end through the real binary against the emulator
//! (issue 13 point 1): create with each table's fields, link by PRB…/CHG… number, notes and
//! the description block delivered to the right table, search across the three tables, the
//! table shown by `links`, and no write ever carrying a problem's or change's state.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "cli_ticket_tables_support/recorder.rs"]
mod recorder;

use common::{TestEnv, exit_code, stderr, stdout};
use recorder::Recorder;
use serde_json::Value;

async fn record(env: &TestEnv, table: &str, number: &str) -> Value {
    let v = env
        .admin_get(&format!(
            "/api/now/table/{table}?sysparm_query=number={number}&sysparm_exclude_reference_link=true"
        ))
        .await;
    assert_eq!(
        v["result"].as_array().map(Vec::len),
        Some(1),
        "{table} {number}: {v}"
    );
    v["result"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn creates_a_problem_and_a_change_request_with_their_own_fields() {
    let env = TestEnv::start().await;
    let (out, v) = env
        .json(&[
            "ticket",
            "create",
            "A-1001",
            "--table",
            "problem",
            "--category",
            "database",
            "--assignment-group",
            "Database",
            "--impact",
            "2",
            "--urgency",
            "2",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(v["incident"]["table"], "problem", "{v}");
    let prb = v["incident"]["number"].as_str().unwrap().to_string();
    assert!(prb.starts_with("PRB004"), "{prb}");
    assert!(v["url"].as_str().unwrap().contains("problem.do"), "{v}");
    let p = record(&env, "problem", &prb).await;
    assert_eq!(p["category"], "database");
    assert_eq!(p["priority"], "3", "problems take the priority lookup");
    assert_eq!(p["state"], "101");
    assert_eq!(p["assignment_group"], "287ee6fea9fe198100ada7950d0b1b73");
    assert!(
        p["correlation_id"]
            .as_str()
            .unwrap()
            .starts_with("snowlink:warehouse-dq/A-1001#")
    );
    assert!(
        p["description"]
            .as_str()
            .unwrap()
            .contains("--- snowlink anomaly A-1001 ---")
    );

    let (out, v) = env
        .json(&[
            "ticket",
            "create",
            "A-1002",
            "--table",
            "change_request",
            "--type",
            "emergency",
            "--risk",
            "high",
            "--assignment-group",
            "Network",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let chg = v["incident"]["number"].as_str().unwrap().to_string();
    assert!(chg.starts_with("CHG003"), "{chg}");
    let c = record(&env, "change_request", &chg).await;
    assert_eq!(c["type"], "emergency");
    assert_eq!(c["risk"], "2", "the label High is sent as its value");
    assert_eq!(c["state"], "-5");

    // What a table does not have, or snowlink cannot make, is refused before anything is sent.
    for (args, why) in [
        (
            vec!["--table", "change_request", "--type", "standard"],
            "standard change is made from a template",
        ),
        (
            vec!["--table", "problem", "--caller", "abel.tuter"],
            "problem has no caller",
        ),
        (
            vec!["--table", "change_request", "--risk", "extreme"],
            "risk \"extreme\" is not a choice",
        ),
        (vec!["--table", "sc_task"], "is not one snowlink creates in"),
    ] {
        let mut all = vec!["ticket", "create", "A-1005"];
        all.extend(args.iter().copied());
        let out = env.run(&all).await;
        assert_ne!(exit_code(&out), 0, "{all:?}");
        assert!(stderr(&out).contains(why), "{all:?}: {}", stderr(&out));
    }

    let (_, links) = env.json(&["links"]).await;
    let mut tables: Vec<&str> = links["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["incident"]["table"].as_str().unwrap())
        .collect();
    tables.sort_unstable();
    assert_eq!(tables, ["change_request", "problem"], "{links}");
    let human = stdout(&env.run(&["links"]).await);
    assert!(
        human.contains("Problem") && human.contains("Change Request"),
        "{human}"
    );
    assert!(human.contains(&prb) && human.contains(&chg), "{human}");
}

#[tokio::test(flavor = "multi_thread")]
async fn links_notes_and_searches_problems_and_changes_and_never_writes_their_state() {
    let env = TestEnv::start().await;
    let proxy = Recorder::start(&env.url).await;
    env.point_config_at(&proxy.url);
    for number in ["PRB0000002", "CHG0000002"] {
        let out = env.run(&["ticket", "link", "A-1010", number]).await;
        assert_eq!(exit_code(&out), 0, "{number}: {}", stderr(&out));
    }
    let out = env.run(&["ack", "A-1010"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env
        .run(&["archive", "A-1010", "--reason", "resolved"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    for (table, number) in [("problem", "PRB0000002"), ("change_request", "CHG0000002")] {
        let rec = record(&env, table, number).await;
        let desc = rec["description"].as_str().unwrap();
        assert!(
            desc.contains("--- snowlink anomaly A-1010 ---"),
            "{table}: {desc}"
        );
        let notes = env.work_notes(rec["sys_id"].as_str().unwrap()).await;
        let ours: Vec<&String> = notes.iter().filter(|n| n.contains("A-1010")).collect();
        assert_eq!(ours.len(), 3, "{table}: {notes:?}");
        assert!(ours[0].contains("Linked to anomaly A-1010"), "{ours:?}");
        assert!(
            ours[1].ends_with("Anomaly A-1010 status: Acknowledged"),
            "{ours:?}"
        );
        assert!(
            ours[2].ends_with("Anomaly A-1010 status: Archived (Resolved)"),
            "{ours:?}"
        );
        let journal = env
            .admin_get(&format!(
                "/api/now/table/sys_journal_field?sysparm_query=element_id={}",
                rec["sys_id"].as_str().unwrap()
            ))
            .await;
        assert!(
            journal["result"]
                .as_array()
                .unwrap()
                .iter()
                .all(|j| j["name"] == table),
            "journal rows carry the table: {journal}"
        );
    }
    // Every write to a problem or change went through, and none carried a state.
    let writes: Vec<_> = proxy
        .writes()
        .into_iter()
        .filter(|w| w.path.contains("/problem/") || w.path.contains("/change_request/"))
        .collect();
    assert!(writes.len() >= 6, "{writes:?}");
    for w in &writes {
        let body = w.body.as_object().unwrap();
        assert!(
            !body.contains_key("state") && !body.contains_key("problem_state"),
            "{} {} sent a state: {}",
            w.method,
            w.path,
            w.body
        );
    }

    // The link poller reads each table's records back (display values).
    let out = env.run(&["links", "refresh"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (_, links) = env.json(&["links"]).await;
    let state_of = |number: &str| {
        links["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["incident"]["number"] == number)
            .map(|l| l["last"]["state"].clone())
    };
    assert_eq!(
        state_of("PRB0000002"),
        Some("Root Cause Analysis".into()),
        "{links}"
    );
    assert_eq!(state_of("CHG0000002"), Some("Implement".into()), "{links}");

    // Search: all three tables by text, one by --table, one record by number.
    let (out, v) = env.json(&["ticket", "search", "VPN"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let found: Vec<(String, String)> = v["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["table"].as_str().unwrap().into(),
                i["number"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        found.contains(&("problem".into(), "PRB0000002".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("change_request".into(), "CHG0000002".into())),
        "{found:?}"
    );
    assert!(found.iter().any(|(t, _)| t == "incident"), "{found:?}");
    let (_, v) = env
        .json(&["ticket", "search", "VPN", "--table", "problem"])
        .await;
    let rows = v["incidents"].as_array().unwrap();
    assert!(
        !rows.is_empty() && rows.iter().all(|i| i["table"] == "problem"),
        "{v}"
    );
    let (_, v) = env.json(&["ticket", "search", "CHG0000001"]).await;
    assert_eq!(v["incidents"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["incidents"][0]["state"], "New");
    let human = stdout(&env.run(&["ticket", "search", "VPN"]).await);
    assert!(
        human.contains("Change Request") && human.contains("Problem"),
        "{human}"
    );
}
