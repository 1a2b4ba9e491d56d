//! Crash test of the rule runner (issue 11 points 4 and 7). Each trial appends a small flood
//! (30 anomalies over 6 dedupe keys) to the file source and SIGKILLs a real `snowlink sync
//! --once` — which reads the source, runs the rules and delivers their creates — at a seeded
//! random moment, mostly just after one of its rule creates reached a proxy that holds the
//! answer after the emulator made the incident. Then one `snowlink sync --once` finishes the
//! work. Afterwards: every correlation id is on exactly one incident (0 duplicates), there is
//! one incident per key, and every anomaly is linked to its key's incident by the rule (0
//! anomalies without their ticket).
//!
//! The hard case is asserted to have happened: kills with a create in flight (the proxy saw the
//! POST and had not answered it) and finishing runs that found the create's incident by its
//! correlation id instead of sending it again. `SNOWLINK_CRASH_SEED` replays a run,
//! `SNOWLINK_CRASH_TRIALS` (default 30) sets the number of trials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/crash_plan.rs"]
mod crash_plan;
#[path = "common/holding_proxy.rs"]
mod holding_proxy;
mod sync_common;

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use common::{SAMPLE, TestEnv, exit_code, stderr, stdout};
use crash_plan::{CrashRun, Outcome, run_and_kill, settle};
use holding_proxy::HoldingProxy;
use serde_json::Value;
use snowlink::domain::AnomalyKey;
use sync_common::spawn;

const POST_HOLD: Duration = Duration::from_millis(150);
const SOURCE: &str = "warehouse-dq";
const KEYS: usize = 6;
const REPEATS: usize = 5;

fn setup(env: &TestEnv) -> std::path::PathBuf {
    let path = env.dir.path().join("crash-flood.ndjson");
    std::fs::write(&path, "").unwrap();
    let config = std::fs::read_to_string(env.config_path())
        .unwrap()
        .replace(SAMPLE, &path.to_string_lossy());
    let config = format!(
        "{config}\n[[rules]]\nname = \"crash\"\nmatch = {{ source = \"{SOURCE}\" }}\nflood_limit = 100000\n"
    );
    std::fs::write(env.config_path(), config).unwrap();
    path
}

fn append_flood(path: &std::path::Path, trial: usize) -> Vec<String> {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    let mut ids = Vec::new();
    for rep in 0..REPEATS {
        for k in 0..KEYS {
            let id = format!("X-{trial:02}-{k}-{rep}");
            writeln!(
                f,
                "{{\"id\":\"{id}\",\"title\":\"crash flood {trial}/{k}\",\"severity\":\"high\",\"fingerprint\":\"t{trial}-k{k}\"}}"
            )
            .unwrap();
            ids.push(id);
        }
    }
    ids
}

async fn rule_incidents(env: &TestEnv) -> Vec<Value> {
    let v = env
        .admin_get(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:crash:&sysparm_fields=sys_id,number,correlation_id&sysparm_limit=10000",
        )
        .await;
    v["result"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_rule_runs_make_one_incident_per_key_and_lose_no_anomaly() {
    let mut run = CrashRun::from_env("rules_crash");
    let seed = run.seed;
    let env = TestEnv::start().await;
    let proxy = HoldingProxy::start(&env.url, "POST", "/api/now/table/incident").await;
    proxy.set_hold(POST_HOLD);
    env.point_config_at(&proxy.url);
    let path = setup(&env);
    let mut all_ids = Vec::new();
    let (mut killed, mut in_flight_kills, mut found_by_correlation) = (0, 0, 0);
    for trial in 0..run.trials {
        all_ids.extend(append_flood(&path, trial));
        let plan = run.choose(KEYS, POST_HOLD, Duration::from_millis(600));
        let base = proxy.arrivals();
        let answers = proxy.answers();
        let mut child = spawn(&env, &["sync", "--once"]);
        let outcome = run_and_kill(&mut child, &proxy, (base, answers), plan).await;
        settle(&proxy).await;
        let mut seen = format!("{outcome:?}");
        if let Outcome::Killed { at } = outcome {
            killed += 1;
            let exchanges = proxy.exchanges_since(base);
            let open = exchanges.iter().filter(|e| e.in_flight_at(at)).count();
            in_flight_kills += usize::from(open > 0);
            seen = format!("killed with {open} creates in flight");
        }
        let context = format!("seed {seed}, trial {trial} ({plan:?}, {seen})");

        proxy.set_hold(Duration::ZERO);
        let (out, report) = env.json(&["sync", "--once"]).await;
        proxy.set_hold(POST_HOLD);
        assert_eq!(
            exit_code(&out),
            0,
            "{context}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        found_by_correlation += report["created"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["found_existing"] == true)
            .count();

        let incidents = rule_incidents(&env).await;
        let mut by_cid: HashMap<&str, usize> = HashMap::new();
        for i in &incidents {
            *by_cid
                .entry(i["correlation_id"].as_str().unwrap())
                .or_default() += 1;
        }
        let dups: Vec<_> = by_cid.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dups.is_empty(), "{context}: duplicate incidents {dups:?}");
        assert_eq!(
            incidents.len(),
            KEYS * (trial + 1),
            "{context}: one per key"
        );
        println!("trial {trial:02}: {plan:?}: {seen}");
    }

    let incidents = rule_incidents(&env).await;
    let sys_ids: std::collections::HashSet<&str> = incidents
        .iter()
        .map(|i| i["sys_id"].as_str().unwrap())
        .collect();
    let store = sync_common::open_store(&env);
    let mut unlinked = Vec::new();
    for id in &all_ids {
        let links = store
            .links_for_anomaly(&AnomalyKey::new(SOURCE, id))
            .unwrap();
        if links.len() != 1 || !sys_ids.contains(links[0].incident.sys_id.as_str()) {
            unlinked.push((id.clone(), links));
        }
    }
    assert!(
        unlinked.is_empty(),
        "seed {seed}: anomalies without their ticket: {unlinked:#?}"
    );
    println!(
        "rules_crash: {} trials, {killed} killed, {in_flight_kills} with a create in flight, {found_by_correlation} creates found by correlation id, 0 duplicates",
        run.trials
    );
    let minimum = (run.trials / 6).max(1);
    assert!(
        in_flight_kills >= minimum,
        "seed {seed}: only {in_flight_kills} kills landed with a create in flight (want >= {minimum})"
    );
    assert!(
        found_by_correlation >= 1,
        "seed {seed}: no finishing run had to find a create by its correlation id"
    );
}
