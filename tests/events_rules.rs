//! A `target = "event"` rule end to end (issue 13 point 2): 20 anomalies of 2 dedupe keys,
//! one `snowlink sync --once`, make 20 events (one per decision) and 2 alerts on the emulator,
//! each anomaly linked to its key's alert; the message key is the rule's key without
//! generation; `config check` validates the target.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod events_common;
mod sync_common;

use std::collections::HashMap;

use common::{TestEnv, exit_code, stderr, stdout};
use events_common::rows;

fn write_anomalies(env: &TestEnv, rule: &str) -> Vec<(String, String)> {
    let path = env.dir.path().join("events.ndjson");
    let mut out = Vec::new();
    let mut lines = String::new();
    for i in 0..20 {
        let kind = format!("Kind{}", i % 2);
        let id = format!("E-{i:02}");
        lines.push_str(&format!(
            "{{\"id\":\"{id}\",\"title\":\"nulls {i}\",\"severity\":\"critical\",\"type\":\"{kind}\",\"datastore\":\"snowflake\",\"container\":\"ORDERS\",\"field\":\"ID\"}}\n"
        ));
        out.push((id, kind));
    }
    std::fs::write(&path, lines).unwrap();
    let config = std::fs::read_to_string(env.config_path())
        .unwrap()
        .replace(common::SAMPLE, &path.to_string_lossy());
    std::fs::write(env.config_path(), format!("{config}\n{rule}")).unwrap();
    out
}

const RULE: &str =
    "[[rules]]\nname = \"to-events\"\ntarget = \"event\"\ndedupe = [\"type\"]\nflood_limit = 10\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_anomalies_of_two_keys_make_twenty_events_and_two_alerts() {
    let env = events_common::start().await;
    let anomalies = write_anomalies(&env, RULE);
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("sends Event Management events on instance default (table em_alert)"),
        "{}",
        stdout(&out)
    );

    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    let alerts = rows(&env, "em_alert", "ORDERBYnumber").await;
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    let events = rows(&env, "em_event", "").await;
    assert_eq!(events.len(), 20, "one event per anomaly decision");
    for a in &alerts {
        let key = a["message_key"].as_str().unwrap();
        assert!(key.starts_with("snowlink:rule:to-events:"), "{key}");
        assert!(
            !key.contains('#'),
            "no generation in the message key: {key}"
        );
        assert_eq!(a["event_count"], "10", "{a:#}");
        assert_eq!(a["severity"], "1", "critical is 1");
        assert_eq!(a["state"], "Open");
    }
    // Every anomaly is linked to the alert of its key, by the rule.
    let mut alert_of_kind: HashMap<String, String> = HashMap::new();
    for (id, kind) in &anomalies {
        let (out, shown) = env.json(&["show", id]).await;
        assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
        let links = shown["links"].as_array().unwrap();
        assert_eq!(links.len(), 1, "{id}: {shown:#}");
        assert_eq!(links[0]["incident"]["table"], "em_alert", "{id}");
        let number = links[0]["incident"]["number"].as_str().unwrap().to_owned();
        let seen = alert_of_kind
            .entry(kind.clone())
            .or_insert_with(|| number.clone());
        assert_eq!(*seen, number, "{id} of {kind} joins its key's alert");
    }
    assert_eq!(alert_of_kind.len(), 2);
    assert_ne!(alert_of_kind["Kind0"], alert_of_kind["Kind1"]);

    // Decisions are recorded as for creates: 2 creates, 18 merges.
    let (out, export) = env.json(&["export"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let decisions = export["rule_decisions"].as_array().unwrap();
    let of = |a: &str| decisions.iter().filter(|d| d["action"] == a).count();
    assert_eq!(decisions.len(), 20, "{decisions:#?}");
    assert_eq!(of("create"), 2);
    assert_eq!(of("merge"), 18);

    // A second pass decides nothing again: no new events.
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(rows(&env, "em_event", "").await.len(), 20);

    // Archiving one anomaly of a key sends nothing: its alert stands for the other nine.
    let out = env.run(&["archive", "E-00"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(rows(&env, "em_event", "").await.len(), 20);
    // Archiving the rest of Kind0 sends one Clear, which closes that key's alert only.
    let rest: Vec<&str> = anomalies
        .iter()
        .filter(|(id, k)| k == "Kind0" && id != "E-00")
        .map(|(id, _)| id.as_str())
        .collect();
    let mut args = vec!["archive"];
    args.extend(rest);
    let out = env.run(&args).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let clears = rows(&env, "em_event", "severity=0").await;
    assert_eq!(clears.len(), 1, "{clears:#?}");
    let alerts = rows(&env, "em_alert", "ORDERBYnumber").await;
    let closed: Vec<&str> = alerts
        .iter()
        .filter(|a| a["state"] == "Closed")
        .map(|a| a["number"].as_str().unwrap())
        .collect();
    assert_eq!(closed, vec![alert_of_kind["Kind0"].as_str()], "{alerts:#?}");
}

#[tokio::test]
async fn config_check_refuses_a_link_rule_or_a_table_with_target_event() {
    let env = TestEnv::start().await;
    write_anomalies(
        &env,
        "[[rules]]\nname = \"bad-link\"\ntarget = \"event\"\naction = \"link\"\n\n[[rules]]\nname = \"bad-table\"\ntarget = \"event\"\ntable = \"incident\"\n",
    );
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 2, "{}\n{}", stdout(&out), stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("bad-link") && all.contains("action"), "{all}");
    assert!(
        all.contains("bad-table") && all.contains("em_alert"),
        "{all}"
    );

    let env = TestEnv::start().await;
    write_anomalies(
        &env,
        "[[rules]]\nname = \"bad-target\"\ntarget = \"pager\"\n",
    );
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 2, "{}\n{}", stdout(&out), stderr(&out));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(all.contains("pager") || all.contains("target"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flood_control_sends_keys_past_the_limit_to_the_overflow_alert() {
    let env = events_common::start().await;
    // 3 keys (types), flood_limit 1: the first key gets its alert, the others the overflow's.
    let path = env.dir.path().join("flood.ndjson");
    let lines: String = (0..6)
        .map(|i| {
            format!(
                "{{\"id\":\"F-{i}\",\"title\":\"flood {i}\",\"severity\":\"high\",\"type\":\"T{}\"}}\n",
                i % 3
            )
        })
        .collect();
    std::fs::write(&path, lines).unwrap();
    let config = std::fs::read_to_string(env.config_path())
        .unwrap()
        .replace(common::SAMPLE, &path.to_string_lossy());
    let rule = "[[rules]]\nname = \"flood-em\"\ntarget = \"event\"\ndedupe = [\"type\"]\nflood_limit = 1\nflood_interval = \"36500d\"\n";
    std::fs::write(env.config_path(), format!("{config}\n{rule}")).unwrap();
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    assert_eq!(
        rows(&env, "em_event", "").await.len(),
        6,
        "one event per decision"
    );
    let alerts = rows(&env, "em_alert", "ORDERBYnumber").await;
    assert_eq!(alerts.len(), 2, "flood_limit + 1 alerts: {alerts:#?}");
    let keys: Vec<&str> = alerts
        .iter()
        .map(|a| a["message_key"].as_str().unwrap())
        .collect();
    assert!(
        keys.iter()
            .any(|k| k.starts_with("snowlink:rule:flood-em:overflow:")),
        "{keys:?}"
    );
    let overflow = alerts
        .iter()
        .find(|a| a["message_key"].as_str().unwrap().contains(":overflow:"))
        .unwrap();
    assert_eq!(overflow["event_count"], "4", "T1 and T2, twice each");
}
