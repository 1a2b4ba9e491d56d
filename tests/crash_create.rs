//! Crash test of `snowlink ticket create` (docs/sync.md §Crash test). Each trial SIGKILLs a
//! real `snowlink ticket create C-nn` at a seeded random moment — mostly just after its POST
//! reached a proxy that holds the answer for a while after the emulator created the incident —
//! then re-runs `snowlink ticket create C-nn` (no `--another`). Afterwards the anomaly must have
//! exactly ONE incident on the instance (looked up by its `correlation_id` prefix), `snowlink
//! show C-nn --json` must link that incident, and a further create without `--another` must be
//! refused (exit 2, naming `--another`).
//!
//! Kills that landed while the POST was in flight are counted for real (the proxy saw the POST
//! arrive and had not answered it when SIGKILL was sent) and a minimum is asserted.
//! `SNOWLINK_CRASH_SEED` replays a run (the seed is printed), `SNOWLINK_CRASH_TRIALS` (default
//! 30) sets the number of trials.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/crash_plan.rs"]
mod crash_plan;
#[path = "common/holding_proxy.rs"]
mod holding_proxy;
mod sync_common;

use std::time::Duration;

use common::{SAMPLE, TestEnv, exit_code, stderr, stdout};
use crash_plan::{CrashRun, Outcome, run_and_kill, settle};
use holding_proxy::HoldingProxy;
use serde_json::Value;
use sync_common::spawn;

/// How long a create's answer is held after the emulator made the incident.
const POST_HOLD: Duration = Duration::from_millis(150);
const SOURCE: &str = "warehouse-dq";

/// One anomaly per trial, as the configured file source (replacing the sample).
fn write_anomalies(env: &TestEnv, trials: usize) {
    let path = env.dir.path().join("crash-anomalies.ndjson");
    let lines: String = (0..trials)
        .map(|i| {
            format!(
                "{{\"id\":\"{}\",\"title\":\"crash create {i}\",\"severity\":\"high\",\"type\":\"record\"}}\n",
                anomaly_id(i)
            )
        })
        .collect();
    std::fs::write(&path, lines).unwrap();
    let config = std::fs::read_to_string(env.config_path())
        .unwrap()
        .replace(SAMPLE, &path.to_string_lossy());
    std::fs::write(env.config_path(), config).unwrap();
}

fn anomaly_id(trial: usize) -> String {
    format!("C-{trial:02}")
}

/// Incidents whose correlation_id starts with `prefix` (read as admin, straight from the
/// emulator). `#` is encoded: in a URL it would start the fragment.
async fn incidents_correlated(env: &TestEnv, prefix: &str) -> Vec<Value> {
    let v = env
        .admin_get(&format!(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITH{}&sysparm_fields=sys_id,number,correlation_id",
            prefix.replace('#', "%23")
        ))
        .await;
    v["result"].as_array().cloned().unwrap_or_default()
}

/// A create refused because the anomaly has an open incident: exit 2 and the fix named.
fn assert_refused_naming_another(out: &std::process::Output, context: &str) {
    assert_eq!(
        exit_code(out),
        2,
        "{context}: {}\n{}",
        stdout(out),
        stderr(out)
    );
    assert!(
        stderr(out).contains("--another"),
        "{context}: the refusal names --another: {}",
        stderr(out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_creates_make_exactly_one_incident_per_anomaly() {
    let mut run = CrashRun::from_env("crash_create");
    let seed = run.seed;
    let env = TestEnv::start().await;
    let proxy = HoldingProxy::start(&env.url, "POST", "/api/now/table/incident").await;
    proxy.set_hold(POST_HOLD);
    env.point_config_at(&proxy.url);
    write_anomalies(&env, run.trials);
    let before = incidents_correlated(&env, "snowlink:").await.len();

    let (mut killed, mut in_flight_kills, mut resumed, mut duplicates) = (0, 0, 0, 0);
    for trial in 0..run.trials {
        let id = anomaly_id(trial);
        // A whole create takes a few hundred ms here: random kills land in start-up, the
        // lookups before the POST, or around the queued create.
        let plan = run.choose(1, POST_HOLD, Duration::from_millis(350));
        let base = proxy.arrivals();
        let answers = proxy.answers();
        let mut child = spawn(&env, &["ticket", "create", &id]);
        let outcome = run_and_kill(&mut child, &proxy, (base, answers), plan).await;
        settle(&proxy).await;
        let mut seen = format!("{outcome:?}");
        if let Outcome::Killed { at } = outcome {
            killed += 1;
            let exchanges = proxy.exchanges_since(base);
            let open = exchanges.iter().filter(|e| e.in_flight_at(at)).count();
            let applied = exchanges
                .iter()
                .filter(|e| e.landed_unacknowledged_at(at))
                .count();
            in_flight_kills += usize::from(open > 0);
            seen = format!(
                "killed with {} POSTs sent, {open} in flight ({applied} created, unacknowledged)",
                exchanges.iter().filter(|e| e.arrived <= at).count()
            );
        }
        let context = format!("seed {seed}, trial {trial} ({id}, {plan:?}, {seen})");

        // The user runs the same command again (answers no longer held).
        proxy.set_hold(Duration::ZERO);
        let rerun = env.run(&["ticket", "create", &id]).await;
        proxy.set_hold(POST_HOLD);
        let rerun_said = match exit_code(&rerun) {
            0 if stdout(&rerun).contains("resuming it") => {
                resumed += 1;
                "resumed the queued create"
            }
            0 => "created",
            // The killed run had already linked its incident: asking for --another is right.
            _ => {
                assert_refused_naming_another(&rerun, &format!("{context}: re-run"));
                "refused, already linked"
            }
        };

        let made = incidents_correlated(&env, &format!("snowlink:{SOURCE}/{id}#")).await;
        duplicates += made.len().saturating_sub(1);
        assert_eq!(made.len(), 1, "{context}: incidents for {id}: {made:#?}");
        let number = made[0]["number"].as_str().unwrap();

        let (out, shown) = env.json(&["show", &id]).await;
        assert_eq!(exit_code(&out), 0, "{context}: {}", stderr(&out));
        let links = shown["links"].as_array().unwrap();
        assert_eq!(links.len(), 1, "{context}: {shown:#}");
        assert_eq!(links[0]["incident"]["number"], number, "{context}");

        let again = env.run(&["ticket", "create", &id]).await;
        assert_refused_naming_another(&again, &format!("{context}: later create"));
        println!("trial {trial:02}: {plan:?}: {seen}; re-run {rerun_said}; {number}");
    }

    let total = incidents_correlated(&env, "snowlink:").await.len() - before;
    println!(
        "crash_create: {killed} runs killed, {resumed} re-runs resumed a queued create, {total} snowlink incidents made"
    );
    println!(
        "{} trials, {in_flight_kills} in flight, {duplicates} duplicate incidents",
        run.trials
    );
    assert_eq!(total, run.trials, "seed {seed}: one incident per anomaly");
    let minimum = (run.trials / 6).max(1);
    assert!(
        in_flight_kills >= minimum,
        "seed {seed}: only {in_flight_kills} of {} kills landed with the POST in flight (want >= {minimum})",
        run.trials
    );
}
