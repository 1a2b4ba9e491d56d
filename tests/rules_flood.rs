//! Flood control end to end (issue 11 point 7): 500 matching anomalies appended to a file
//! source within a minute, then one `snowlink sync --once`, make at most flood_limit + 1
//! incidents on the emulator, and every anomaly ends up on an incident (its own, the one of its
//! key, or the window's overflow incident: linked, and listed in a note or the description).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use std::collections::{HashMap, HashSet};

use common::{TestEnv, exit_code, stderr, stdout};
use serde_json::Value;
use snowlink::domain::AnomalyKey;

const SOURCE: &str = "warehouse-dq";
const LIMIT: usize = 10;

/// 500 anomalies: 50 fingerprints, each repeated 10 times, interleaved as a real flood is.
fn write_flood(env: &TestEnv) -> Vec<String> {
    let path = env.dir.path().join("flood.ndjson");
    let mut ids = Vec::new();
    let mut lines = String::new();
    for rep in 0..10 {
        for fp in 0..50 {
            let id = format!("F-{fp:02}-{rep}");
            lines.push_str(&format!(
                "{{\"id\":\"{id}\",\"title\":\"null ORDERS.ID part {fp}\",\"severity\":\"high\",\"type\":\"NullCheck\",\"fingerprint\":\"fp-{fp}\",\"datastore\":\"snowflake\"}}\n"
            ));
            ids.push(id);
        }
    }
    std::fs::write(&path, lines).unwrap();
    let config = std::fs::read_to_string(env.config_path())
        .unwrap()
        .replace(common::SAMPLE, &path.to_string_lossy());
    let config = format!(
        "{config}\n[[rules]]\nname = \"flood\"\nmatch = {{ source = \"{SOURCE}\", severity = \">=high\", title = \"(?i)null\" }}\ntemplate = {{ short_description = \"[{{severity}}] {{title}}\" }}\nflood_limit = {LIMIT}\nflood_interval = \"1h\"\n"
    );
    std::fs::write(env.config_path(), config).unwrap();
    ids
}

async fn rule_incidents(env: &TestEnv) -> Vec<Value> {
    let v = env
        .admin_get(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:flood:&sysparm_fields=sys_id,number,correlation_id,description&sysparm_limit=1000",
        )
        .await;
    v["result"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_anomalies_make_at_most_flood_limit_plus_one_incidents_and_lose_none() {
    let env = TestEnv::start().await;
    let ids = write_flood(&env);
    sync_common::clear_requests(&env).await;

    // The dry run first: what would happen to each, and nothing written or sent.
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (out, v) = env.json(&["rules", "test", "--rule", "flood"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), ids.len());
    let of = |o: &str| results.iter().filter(|r| r["outcome"] == o).count();
    assert_eq!(of("create"), LIMIT);
    assert_eq!(of("create") + of("link") + of("overflow"), ids.len());
    let first = results.iter().find(|r| r["outcome"] == "create").unwrap();
    assert!(
        first["correlation_id"]
            .as_str()
            .unwrap()
            .starts_with("snowlink:rule:flood:")
    );
    assert_eq!(first["payload"]["correlation_id"], first["correlation_id"]);
    assert!(
        first["payload"]["short_description"]
            .as_str()
            .unwrap()
            .starts_with("[high] null")
    );
    {
        let store = sync_common::open_store(&env);
        assert!(
            store.rule_decisions(None).unwrap().is_empty(),
            "a dry run records nothing"
        );
        assert_eq!(
            store.outbox_counts(jiff::Timestamp::now()).unwrap().pending,
            0
        );
    }
    let writes = sync_common::requests(&env)
        .await
        .iter()
        .filter(|r| r["method"] != "GET")
        .count();
    assert_eq!(writes, 0, "a dry run writes nothing to ServiceNow");

    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    let incidents = rule_incidents(&env).await;
    let posts = sync_common::requests(&env)
        .await
        .iter()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().unwrap_or("").ends_with("/incident")
        })
        .count();
    assert_eq!(incidents.len(), LIMIT + 1, "{incidents:#?}");
    assert_eq!(
        posts,
        LIMIT + 1,
        "one POST per incident, no retry made a second"
    );
    let cids: HashSet<&str> = incidents
        .iter()
        .map(|i| i["correlation_id"].as_str().unwrap())
        .collect();
    assert_eq!(cids.len(), incidents.len(), "no correlation id twice");
    assert_eq!(
        cids.iter().filter(|c| c.contains(":overflow:")).count(),
        1,
        "one overflow incident"
    );

    // Every anomaly is linked to one of those incidents by the rule, and has one decision.
    let store = sync_common::open_store(&env);
    let by_sys: HashMap<&str, &Value> = incidents
        .iter()
        .map(|i| (i["sys_id"].as_str().unwrap(), i))
        .collect();
    for id in &ids {
        let links = store
            .links_for_anomaly(&AnomalyKey::new(SOURCE, id))
            .unwrap();
        assert_eq!(links.len(), 1, "{id}: {links:?}");
        assert!(
            by_sys.contains_key(links[0].incident.sys_id.as_str()),
            "{id}"
        );
        assert_eq!(links[0].linked_by, "rule:flood");
    }
    let decisions = store.rule_decisions(Some("flood")).unwrap();
    assert_eq!(decisions.len(), ids.len());
    let created = decisions
        .iter()
        .filter(|d| d.action.code() == "create")
        .count();
    assert_eq!(created, LIMIT);

    // The overflow incident lists the first anomaly past the limit; the rest of its window are
    // waiting in its buffer for the consolidated note (due after consolidation_interval).
    let overflow = incidents
        .iter()
        .find(|i| i["correlation_id"].as_str().unwrap().contains(":overflow:"))
        .unwrap();
    let desc = overflow["description"].as_str().unwrap();
    assert!(desc.contains("flood_limit"), "{desc}");
    let keys = store.rule_keys(Some("flood")).unwrap();
    let okey = keys
        .iter()
        .find(|k| k.key_hash.starts_with("overflow:"))
        .unwrap();
    let listed_first = decisions
        .iter()
        .find(|d| d.action.code() == "overflow")
        .unwrap();
    assert!(desc.contains(&listed_first.anomaly.id), "{desc}");
    let overflowed = decisions
        .iter()
        .filter(|d| d.action.code() == "overflow")
        .count();
    assert_eq!(
        okey.pending.len(),
        overflowed - 1,
        "every later one is buffered for a note"
    );

    // `snowlink rules --json` shows the counts.
    let (out, v) = env.json(&["rules"]).await;
    assert_eq!(exit_code(&out), 0);
    let r = &v["rules"][0];
    assert_eq!(r["name"], "flood");
    assert_eq!(r["created"], LIMIT as u64);
    assert_eq!(r["suppressed"], overflowed as u64);

    // `snowlink audit` explains every automatic create: the rule, the anomaly and why.
    let (out, v) = env
        .json(&["audit", "--rule", "flood", "--limit", "1000"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let audited: Vec<&Value> = v["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "create")
        .collect();
    assert_eq!(audited.len(), LIMIT + 1, "{v}");
    for e in &audited {
        assert_eq!(e["rule"]["rule"], "flood", "{e}");
        assert!(
            ["create", "overflow"].contains(&e["rule"]["action"].as_str().unwrap()),
            "{e}"
        );
        assert!(!e["rule"]["why"].as_str().unwrap().is_empty(), "{e}");
        assert!(e["number"].as_str().unwrap().starts_with("INC"), "{e}");
    }
    let out = env.run(&["audit", "--limit", "3"]).await;
    assert!(stdout(&out).contains("by rule flood ("), "{}", stdout(&out));

    // A second run decides nothing again and creates nothing.
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(rule_incidents(&env).await.len(), LIMIT + 1);
    assert_eq!(
        store.rule_decisions(Some("flood")).unwrap().len(),
        ids.len()
    );
}
