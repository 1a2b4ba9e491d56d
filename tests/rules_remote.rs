//! What the rule runner asks ServiceNow, beyond one rule on one instance (issue 11 points 1-4):
//! a `link` rule on a fresh data directory finds the incident another machine's rule made; a
//! rule routed to another instance creates there (its own worker, credentials and outbox), not
//! on the selected one; template names come from the lookup cache when the instance cannot
//! answer for them, and a name neither readable nor cached makes the pass wait.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod rules_common;
mod sync_common;

use common::{TestEnv, exit_code, stderr, stdout};
use std::time::Duration;

use jiff::Timestamp;
use rules_common::*;
use serde_json::Value;
use snowlink::config::RuleConfig;
use snowlink::domain::{Anomaly, AnomalyKey};
use snowlink::rules::RuleSet;
use snowlink::store::Store;

fn link_rule() -> RuleSet {
    let link: RuleConfig = toml::from_str(&format!(
        "name = \"echoes\"\naction = \"link\"\nmatch = {{ source = \"{SOURCE}\" }}"
    ))
    .unwrap();
    RuleSet::from_config(&[link], &[SOURCE.to_string()], &["default".to_string()])
        .unwrap_or_else(|e| panic!("{e:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_rule_on_a_fresh_data_directory_finds_the_incident_on_servicenow() {
    let env = TestEnv::start().await;
    // Machine one: a create rule makes the incident of key "load".
    let one = env.data_dir();
    let t0 = Timestamp::now();
    add(&one, "A-1", "load", t0);
    pass(&runner(&env, &one, rules("")).await, t0).await;
    deliver(&env, &one).await;
    let made = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(made.len(), 1, "{made:?}");

    // Machine two: only a link rule, an empty store, the same key.
    let two = env.dir.path().join("two");
    let mut s = Store::open(&db_path(&two)).unwrap();
    let mut echo = Anomaly::new("E-1", "echo of the nightly load");
    echo.fingerprint = Some("load".into());
    s.upsert_anomalies(SOURCE, &[echo], t0).unwrap();
    sync_common::clear_requests(&env).await;
    let r = runner(&env, &two, link_rule()).await;
    let report = pass(&r, mins(t0, 1)).await;
    assert_eq!(report.decisions.get("link"), Some(&1), "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
    // The hard case: the store had nothing; ServiceNow was asked for any rule's key.
    let asked = sync_common::requests(&env).await;
    assert!(
        asked.iter().any(|q| {
            let query = q["query"].as_str().unwrap_or("");
            q["path"] == "/api/now/table/incident" && query.contains("correlation_idLIKE")
        }),
        "{asked:#?}"
    );
    let links = s
        .links_for_anomaly(&AnomalyKey::new(SOURCE, "E-1"))
        .unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(
        links[0].incident.sys_id,
        made[0]["sys_id"].as_str().unwrap()
    );
    assert_eq!(links[0].linked_by, "rule:echoes");
    // Adopted under the rule that made it: a later echo joins without asking again.
    let mut again = Anomaly::new("E-2", "echo again");
    again.fingerprint = Some("load".into());
    s.upsert_anomalies(SOURCE, &[again], mins(t0, 2)).unwrap();
    let report = pass(&r, mins(t0, 2)).await;
    assert_eq!(report.decisions.get("link"), Some(&1), "{report:?}");
    let links = s
        .links_for_anomaly(&AnomalyKey::new(SOURCE, "E-2"))
        .unwrap();
    assert_eq!(
        links[0].incident.sys_id,
        made[0]["sys_id"].as_str().unwrap()
    );
    assert_eq!(incidents(&env, "snowlink:rule:").await.len(), 1);
}

/// A `[instances.sandbox]` on a second emulator (its own user, admin) and a rule routed to it.
fn route_to_a_sandbox(env: &TestEnv, sandbox_url: &str) {
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    let config = format!(
        "{config}\n[instances.sandbox]\nurl = \"{sandbox_url}\"\nusername = \"admin\"\n\
         password_command = \"printf admin\"\ntimeout_secs = 10\npoll_interval_secs = 1\n\n\
         [[rules]]\nname = \"to-sandbox\"\ninstance = \"sandbox\"\n\
         match = {{ source = \"warehouse-dq\", severity = \">=high\" }}\n\
         template = {{ short_description = \"[sandbox] {{title}}\", assignment_group = \"Database\" }}\n"
    );
    std::fs::write(env.config_path(), config).unwrap();
}

const RULE_INCIDENTS: &str = "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:&sysparm_fields=number,short_description,assignment_group,sys_created_by,correlation_id&sysparm_display_value=all&sysparm_limit=100";

async fn get(base: &str, path: &str) -> Vec<Value> {
    let v: Value = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["result"].as_array().cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_routed_to_another_instance_creates_there_with_its_own_credentials() {
    let env = TestEnv::start().await;
    let sandbox = servicenow_emulator::start(Default::default())
        .await
        .unwrap();
    let sandbox_url = sandbox.base_url();
    route_to_a_sandbox(&env, &sandbox_url);
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    // `sync --once` on the default instance also runs the sandbox's worker.
    let (out, v) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(v["instance"], "default", "{v}");
    let others = v["instances"].as_array().unwrap();
    assert_eq!(others.len(), 1, "{v}");
    assert_eq!(others[0]["instance"], "sandbox", "{v}");
    assert_eq!(others[0]["changes"]["instance"], "sandbox", "{v}");
    let created = others[0]["created"].as_array().unwrap().len();
    assert!(created > 0, "{v}");

    assert!(get(&env.url, RULE_INCIDENTS).await.is_empty());
    let made = get(&sandbox_url, RULE_INCIDENTS).await;
    assert_eq!(made.len(), created, "{made:#?}");
    for inc in &made {
        let overflow = inc["correlation_id"]["value"]
            .as_str()
            .unwrap()
            .contains(":overflow:");
        let short = inc["short_description"]["value"].as_str().unwrap();
        assert!(overflow || short.starts_with("[sandbox] "), "{inc}");
        // The sandbox's own user, and the group's sys_id on the sandbox.
        assert_eq!(inc["sys_created_by"]["value"], "admin", "{inc}");
        assert_eq!(
            inc["assignment_group"]["display_value"], "Database",
            "{inc}"
        );
    }
    // The links are the sandbox's; a second run makes nothing new.
    let (out, v) = env.json(&["--instance", "sandbox", "links"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let linked: std::collections::HashSet<&str> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["incident"]["sys_id"].as_str().unwrap())
        .collect();
    assert_eq!(linked.len(), made.len(), "{v}");
    let (_, v) = env.json(&["sync", "--once"]).await;
    assert!(
        v["instances"][0]["created"].as_array().unwrap().is_empty(),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_watch_delivers_what_rules_route_to_another_instance() {
    let env = TestEnv::start().await;
    let sandbox = servicenow_emulator::start(Default::default())
        .await
        .unwrap();
    let sandbox_url = sandbox.base_url();
    route_to_a_sandbox(&env, &sandbox_url);
    let watcher = sync_common::spawn(&env, &["--json", "sync", "--watch"]);
    // Bounded wait for the condition, never a fixed sleep: the sandbox's worker delivered.
    let started = std::time::Instant::now();
    let made = loop {
        let made = get(&sandbox_url, RULE_INCIDENTS).await;
        if !made.is_empty() && sync_common::wait_until_drained(&env, Duration::ZERO).await {
            break made;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "nothing reached the sandbox"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(made.iter().all(|i| i["sys_created_by"]["value"] == "admin"));
    assert!(get(&env.url, RULE_INCIDENTS).await.is_empty());
    sync_common::terminate(&watcher);
    let out = watcher.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", out.status);
    // Each event names the instance whose worker made it.
    let events: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let created: Vec<&Value> = events.iter().filter(|e| e["event"] == "created").collect();
    assert!(!created.is_empty(), "{events:#?}");
    assert!(
        created.iter().all(|e| e["instance"] == "sandbox"),
        "{created:#?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "idle" && e["instance"] == "default"),
        "{events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_names_come_from_the_lookup_cache_when_the_instance_cannot_answer_for_them() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let named =
        || rules("template = { short_description = \"{title}\", assignment_group = \"Database\" }");
    let t0 = Timestamp::now();
    // Without a cached read, a name the instance cannot answer for makes the pass wait.
    sync_common::add_fault(&env, "status=503,html,path=/api/now/table/sys_user_group").await;
    add(&dir, "A-1", "k1", t0);
    let report = pass(&runner(&env, &dir, named()).await, t0).await;
    assert!(report.decisions.is_empty(), "{report:?}");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("not in the lookup cache")),
        "{report:?}"
    );
    // The instance answers: the name is looked up and cached; the waiting anomaly is decided.
    sync_common::clear_faults(&env).await;
    let report = pass(&runner(&env, &dir, named()).await, t0).await;
    assert_eq!(report.decisions.get("create"), Some(&1), "{report:?}");
    // A new runner (a restart) while the groups table is unreachable: the cached read stands in.
    sync_common::add_fault(&env, "status=503,html,path=/api/now/table/sys_user_group").await;
    add(&dir, "A-2", "k2", mins(t0, 1));
    let report = pass(&runner(&env, &dir, named()).await, mins(t0, 1)).await;
    assert_eq!(report.decisions.get("create"), Some(&1), "{report:?}");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("taken from the lookup cache")),
        "{report:?}"
    );
    sync_common::clear_faults(&env).await;
    deliver(&env, &dir).await;
    let made = env
        .admin_get(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:r:&sysparm_fields=assignment_group&sysparm_display_value=all",
        )
        .await;
    let made = made["result"].as_array().unwrap();
    assert_eq!(made.len(), 2);
    for inc in made {
        assert_eq!(
            inc["assignment_group"]["display_value"], "Database",
            "{inc}"
        );
    }
}
