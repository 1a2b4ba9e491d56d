//! Helpers of the rule runner tests (on top of `tests/common`): a rule set from TOML, a runner
//! and a worker over a data directory, anomalies added to its store, incidents read back.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use servicenow_client::{Auth, Client, ClientConfig, SecretString};
use snowlink::config::RuleConfig;
use snowlink::domain::{Anomaly, Severity};
use snowlink::rules::RuleSet;
use snowlink::rules::engine::{Db, PassReport, Runner, RunnerOptions};
use snowlink::store::Store;
use snowlink::sync::{Worker, WorkerOptions};

use crate::common::TestEnv;

pub const SOURCE: &str = "dq";

pub fn client(url: &str) -> Client {
    Client::new(
        ClientConfig::new(
            url,
            Auth::Basic {
                username: "itil".into(),
                password: SecretString::from("itil"),
            },
        )
        .timeout(Duration::from_secs(5)),
    )
    .unwrap()
}

pub fn rules(extra: &str) -> RuleSet {
    let cfg: RuleConfig = toml::from_str(&format!(
        "name = \"r\"\nmatch = {{ source = \"{SOURCE}\" }}\n{extra}"
    ))
    .unwrap();
    RuleSet::from_config(&[cfg], &[SOURCE.to_string()], &["default".to_string()])
        .unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn db_path(dir: &Path) -> std::path::PathBuf {
    dir.join("snowlink.db")
}

pub async fn runner(env: &TestEnv, dir: &Path, set: RuleSet) -> Runner {
    let db = Db::open(&db_path(dir).into()).await.unwrap();
    let mut clients = HashMap::new();
    clients.insert("default".to_string(), client(&env.url));
    Runner::new(db, set, clients, RunnerOptions::default())
}

pub async fn deliver(env: &TestEnv, dir: &Path) {
    let opts = WorkerOptions::new(4, Duration::from_secs(5));
    let w = Worker::new(&db_path(dir).into(), "default", client(&env.url), opts)
        .await
        .unwrap();
    let r = w.run_once().await.unwrap();
    assert!(r.all_delivered(), "{r:?}");
}

pub fn add(dir: &Path, id: &str, fingerprint: &str, at: Timestamp) {
    let mut s = Store::open(&db_path(dir)).unwrap();
    let mut a = Anomaly::new(id, format!("null ORDERS.ID ({fingerprint})"));
    a.fingerprint = Some(fingerprint.into());
    a.severity = Some(Severity::High);
    s.upsert_anomalies(SOURCE, &[a], at).unwrap();
}

pub async fn pass(r: &Runner, at: Timestamp) -> PassReport {
    r.run_pass(at).await.unwrap()
}

pub fn mins(t: Timestamp, m: i64) -> Timestamp {
    t + SignedDuration::from_mins(m)
}

/// Incidents (raw values) whose correlation id starts with `prefix`, oldest first.
pub async fn incidents(env: &TestEnv, prefix: &str) -> Vec<Value> {
    let v = env
        .admin_get(&format!(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITH{}^ORDERBYsys_created_on&sysparm_fields=sys_id,number,state,correlation_id,description&sysparm_limit=1000",
            prefix.replace('#', "%23")
        ))
        .await;
    v["result"].as_array().cloned().unwrap_or_default()
}

/// Sets an incident's state as another user (admin) through the Table API.
pub async fn set_state(env: &TestEnv, sys_id: &str, state: &str) {
    let body = json!({"state": state, "close_code": "Solved (Permanently)", "close_notes": "fixed upstream"});
    let resp = reqwest::Client::new()
        .patch(format!("{}/api/now/table/incident/{sys_id}", env.url))
        .basic_auth("admin", Some("admin"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
}

pub fn rule_notes(notes: &[String]) -> Vec<&String> {
    notes
        .iter()
        .filter(|n| n.contains("snowlink rule r:"))
        .collect()
}
