//! Helpers of the rediscovery tests (on top of `tests/common`): a second machine (its own data
//! directory, the same config), the link sets `links --json` gives, the emulator's seeded
//! snowlink records and its request log.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::{Value, json};

use crate::common::{TestEnv, exit_code, stderr, stdout};

/// Machine two: the same config, its own (initially empty) data directory.
pub fn machine_two(env: &TestEnv) -> PathBuf {
    env.dir.path().join("machine-two")
}

pub async fn run_in(env: &TestEnv, data: &Path, args: &[&str]) -> Output {
    let mut cmd = env.command(args);
    cmd.env("SNOWLINK_DATA_DIR", data)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.output().await.unwrap()
}

pub async fn json_in(env: &TestEnv, data: &Path, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run_in(env, data, &all).await;
    let v = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(&out), stderr(&out)));
    (out, v)
}

/// (source, id, instance, table, sys_id, number) of every link `links --json` lists.
pub async fn link_set(env: &TestEnv, data: &Path) -> BTreeSet<Vec<String>> {
    let (out, v) = json_in(env, data, &["links"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |v: &Value| v.as_str().unwrap().to_string();
            vec![
                s(&l["anomaly"]["source"]),
                s(&l["anomaly"]["id"]),
                s(&l["incident"]["instance"]),
                s(&l["incident"]["table"]),
                s(&l["incident"]["sys_id"]),
                s(&l["incident"]["number"]),
            ]
        })
        .collect()
}

/// The links the emulator's seed records stand for: incidents whose correlation id is
/// `snowlink:<source>/<id>#seed`.
pub async fn seeded_links(env: &TestEnv) -> BTreeSet<Vec<String>> {
    let v = env
        .admin_get("/api/now/table/incident?sysparm_query=correlation_idENDSWITH%23seed&sysparm_fields=sys_id,number,correlation_id")
        .await;
    v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cid = r["correlation_id"].as_str().unwrap();
            let key = cid
                .strip_prefix("snowlink:")
                .unwrap()
                .strip_suffix("#seed")
                .unwrap();
            let (source, id) = key.split_once('/').unwrap();
            vec![
                source.to_string(),
                id.to_string(),
                "default".to_string(),
                "incident".to_string(),
                r["sys_id"].as_str().unwrap().to_string(),
                r["number"].as_str().unwrap().to_string(),
            ]
        })
        .collect()
}

pub async fn ok_json(env: &TestEnv, args: &[&str]) -> Value {
    let (out, v) = env.json(args).await;
    assert_eq!(exit_code(&out), 0, "{args:?}: {v}\n{}", stderr(&out));
    v
}

pub fn number(v: &Value) -> String {
    v["incident"]["number"]
        .as_str()
        .or(v["number"].as_str())
        .unwrap_or_else(|| panic!("no number in {v}"))
        .to_string()
}

/// Sums one counter over every table of every instance of a rediscover report.
pub fn total(v: &Value, field: &str) -> u64 {
    v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["tables"].as_array().cloned().unwrap_or_default())
        .map(|t| match &t[field] {
            Value::Array(items) => items.len() as u64,
            other => other.as_u64().unwrap_or(0),
        })
        .sum()
}

pub async fn requests(env: &TestEnv) -> Vec<Value> {
    let v = env
        .control(reqwest::Method::GET, "/__emulator/requests", None)
        .await;
    v.as_array().cloned().unwrap_or_else(|| panic!("{v}"))
}

pub async fn clear_requests(env: &TestEnv) {
    env.control(reqwest::Method::DELETE, "/__emulator/requests", None)
        .await;
}

/// Replaces `from` by `to` in a record's description, as a person editing it by hand.
pub async fn edit_description(env: &TestEnv, table: &str, number: &str, from: &str, to: &str) {
    let v = env
        .admin_get(&format!(
            "/api/now/table/{table}?sysparm_query=number={number}&sysparm_fields=sys_id,description"
        ))
        .await;
    let rec = &v["result"][0];
    let text = rec["description"].as_str().unwrap();
    assert!(text.contains(from), "{text}");
    let resp = reqwest::Client::new()
        .patch(format!(
            "{}/api/now/table/{table}/{}",
            env.url,
            rec["sys_id"].as_str().unwrap()
        ))
        .basic_auth("admin", Some("admin"))
        .json(&json!({ "description": text.replace(from, to) }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
}

pub fn add_to_config(env: &TestEnv, text: &str) {
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    std::fs::write(env.config_path(), format!("{config}\n{text}\n")).unwrap();
}
