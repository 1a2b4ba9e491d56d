//! Rules over 100k anomalies in a real store file (issue 11 point 7), through the runner's own
//! entry point (`Runner::run_pass`, the one `sync --watch` and the dashboard call): matching,
//! keys, facts, decisions and their one-transaction records (with the outbox rows they queue),
//! then an idle pass (nothing new) and the `rules test` dry run. ServiceNow is the emulator over
//! HTTP (a live pass asks it about each key it has no record of, as it does in production);
//! the figures include those reads, and their count. Prints figures; asserts only that every
//! matching anomaly was decided.
//!
//! `cargo bench --bench rules`. Env: `BENCH_RULE_ANOMALIES` (100000), `BENCH_RULE_KEYS` (1000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use std::collections::HashMap;
use std::time::Instant;

use bench_support::env_usize;
use servicenow_client::{Auth, Client, ClientConfig, SecretString};
use snowlink::config::RuleConfig;
use snowlink::domain::{Anomaly, Severity};
use snowlink::rules::RuleSet;
use snowlink::rules::engine::{Db, Runner, RunnerOptions};
use snowlink::store::Store;

const RULES: &str = r#"
[[rules]]
name = "nulls"
match = { source = "wh", severity = ">=high", title = "(?i)null" }
template = { short_description = "[{severity}] {title}", category = "database" }
flood_limit = 10

[[rules]]
name = "rest"
match = { source = "wh" }
action = "link"
"#;

#[derive(serde::Deserialize)]
struct File {
    rules: Vec<RuleConfig>,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = env_usize("BENCH_RULE_ANOMALIES", 100_000);
    let keys = env_usize("BENCH_RULE_KEYS", 1000).max(1);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("snowlink.db");
    let now = jiff::Timestamp::now();
    {
        let mut store = Store::open(&db).unwrap();
        let batch: Vec<Anomaly> = (0..n)
            .map(|i| {
                let title = if i % 2 == 0 {
                    "null ORDERS.ID"
                } else {
                    "row count drop"
                };
                let mut a = Anomaly::new(format!("B-{i}"), title);
                a.severity = Some(if i % 3 == 0 {
                    Severity::Medium
                } else {
                    Severity::High
                });
                a.fingerprint = Some(format!("fp-{}", i % keys));
                a.datastore = Some("snowflake".into());
                a
            })
            .collect();
        let t = Instant::now();
        store.upsert_anomalies("wh", &batch, now).unwrap();
        println!("store: {n} anomalies written in {:.2?}", t.elapsed());
    }
    let file: File = toml::from_str(RULES).unwrap();
    let set = RuleSet::from_config(&file.rules, &["wh".to_string()], &["default".to_string()])
        .unwrap_or_else(|e| panic!("{e:?}"));
    let emulator = servicenow_emulator::start(Default::default())
        .await
        .unwrap();
    let client = Client::new(ClientConfig::new(
        emulator.base_url(),
        Auth::Basic {
            username: "itil".into(),
            password: SecretString::from("itil"),
        },
    ))
    .unwrap();
    let runner = Runner::new(
        Db::open(&db.clone().into()).await.unwrap(),
        set,
        HashMap::from([("default".to_string(), client)]),
        RunnerOptions::default(),
    );
    emulator.clear_requests();

    let t = Instant::now();
    let report = runner.run_pass(now).await.unwrap();
    let took = t.elapsed();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let decided: usize = report.decisions.values().sum();
    println!(
        "first pass: {} anomalies evaluated, {decided} decisions {:?} in {took:.2?} ({:.0} anomalies/s)",
        report.evaluated,
        report.decisions,
        report.evaluated as f64 / took.as_secs_f64()
    );
    println!(
        "  ServiceNow reads during the first pass: {}",
        emulator.requests().len()
    );
    let t = Instant::now();
    let idle = runner.run_pass(now).await.unwrap();
    println!(
        "idle pass (nothing new): {} evaluated in {:.2?}",
        idle.evaluated,
        t.elapsed()
    );

    let store = Store::open(&db).unwrap();
    let all: Vec<_> = store
        .list_anomalies(&Default::default())
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    let t = Instant::now();
    let (dry, _) = runner.dry_run(all, now).await.unwrap();
    println!(
        "rules test (dry run): {} results in {:.2?}",
        dry.len(),
        t.elapsed()
    );
    let recorded = store.rule_decisions(None).unwrap().len();
    println!(
        "decisions recorded: {recorded}; incidents queued: {}",
        store.outbox_counts(now).unwrap().pending
    );
    assert_eq!(recorded, decided, "every decision is recorded once");
}
