//! Crash test of the outbox (docs/sync.md §Crash test). Each trial queues work notes the way
//! `snowlink comment` does (`ops::comment_for`), runs the real `snowlink sync --once` through a
//! proxy that holds every PATCH answer for a while after the emulator applied it, SIGKILLs it at
//! a seeded random moment, then ONE `snowlink sync --once` must deliver everything and exit 0: a
//! dead worker's claims are taken over at once, with no lease to wait for.
//!
//! The test counts, for real, the kills that landed while a PATCH was in flight (the proxy saw
//! it arrive and had not answered it when SIGKILL was sent) and the recovery run's
//! reconciliations that found a note already present (its `--json` `reconciled` list), and
//! asserts minimums for both. At the end every incident's work notes are read through the Table
//! API: each note exactly once, in order per incident.
//!
//! `SNOWLINK_CRASH_SEED` replays a run (the seed is printed), `SNOWLINK_CRASH_TRIALS` (default
//! 30) sets the number of trials. Nothing asserts on time: delays only decide where kills land.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/crash_plan.rs"]
mod crash_plan;
#[path = "common/holding_proxy.rs"]
mod holding_proxy;
mod sync_common;

use std::time::Duration;

use common::{TestEnv, exit_code, stderr};
use crash_plan::{CrashRun, Outcome, run_and_kill, settle};
use holding_proxy::HoldingProxy;
use rand::Rng;
use servicenow_emulator::EmulatorConfig;
use snowlink::domain::{AnomalyKey, IncidentRef};
use sync_common::*;

const INCIDENTS: usize = 6;
/// How long a PATCH answer is held after the emulator applied the note.
const PATCH_HOLD: Duration = Duration::from_millis(80);
/// One-shot faults some killed runs meet (docs/emulator.md fault grammar).
const FAULTS: [&str; 2] = [
    "status=500,count=1,method=PATCH",
    "status=429,retry-after=1,count=1,method=PATCH",
];
/// Marks the comments of this test in the incidents' work notes; a tag follows.
const MARK: &str = "crash-note ";

/// What `snowlink comment` uses to queue: `ops::comment_for` with the test's profile.
fn comment_session(env: &TestEnv) -> snowlink::ops::Session {
    let config = snowlink::config::Config::from_file(&env.config_path()).unwrap();
    let profile = config.profile(None, &snowlink::config::ProcessEnv).unwrap();
    snowlink::ops::Session {
        store: env.data_dir().join("snowlink.db").into(),
        profile,
        user: "Crash Tester".into(),
        url_template: None,
        ticket_defaults: Default::default(),
        others: Vec::new(),
        client: None,
    }
}

/// One anomaly linked to each incident, so a comment goes to exactly one incident.
fn link_one_anomaly_each(env: &TestEnv, incidents: &[IncidentRef]) -> Vec<AnomalyKey> {
    let mut store = open_store(env);
    incidents
        .iter()
        .enumerate()
        .map(|(i, inc)| {
            let key = seed_anomaly(&mut store, &format!("A-{i}"));
            link(&mut store, &key, inc);
            key
        })
        .collect()
}

/// The tags of this test's notes on an incident, in journal order.
async fn tags_on(env: &TestEnv, inc: &IncidentRef) -> Vec<String> {
    env.work_notes(&inc.sys_id)
        .await
        .iter()
        .filter_map(|n| n.split_once(MARK).map(|(_, tag)| tag.to_string()))
        .collect()
}

/// (lost, duplicated) notes over all incidents, and the incidents whose order differs.
async fn audit(
    env: &TestEnv,
    incidents: &[IncidentRef],
    expected: &[Vec<String>],
) -> (usize, usize, Vec<String>) {
    let (mut lost, mut duplicated, mut misordered) = (0, 0, Vec::new());
    for (inc, want) in incidents.iter().zip(expected) {
        let got = tags_on(env, inc).await;
        for tag in want {
            match got.iter().filter(|g| *g == tag).count() {
                0 => lost += 1,
                1 => {}
                n => duplicated += n - 1,
            }
        }
        if &got != want {
            misordered.push(format!("{}: got {got:?}, want {want:?}", inc.number));
        }
    }
    (lost, duplicated, misordered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_syncs_never_lose_or_duplicate_a_note() {
    let mut run = CrashRun::from_env("crash_sync");
    let seed = run.seed;
    let env = TestEnv::start_with(EmulatorConfig {
        latency: Duration::from_millis(10),
        ..EmulatorConfig::default()
    })
    .await;
    let proxy = HoldingProxy::start(&env.url, "PATCH", "/api/now/table/incident/").await;
    proxy.set_hold(PATCH_HOLD);
    write_config_url(&env, &proxy.url, "itil", "itil", "max_in_flight = 4");
    let incidents = create_incidents(&env, INCIDENTS).await;
    let keys = link_one_anomaly_each(&env, &incidents);
    let session = comment_session(&env);

    let mut expected: Vec<Vec<String>> = vec![Vec::new(); INCIDENTS];
    let (mut killed, mut in_flight_kills, mut landed, mut reconciled) = (0, 0, 0, 0);
    for trial in 0..run.trials {
        let notes = run.rng.random_range(6..=20);
        for k in 0..notes {
            let i = run.rng.random_range(0..INCIDENTS);
            let tag = format!("t{trial:02}.n{k:02}");
            snowlink::ops::comment_for(&session, &keys[i], &format!("{MARK}{tag}")).unwrap();
            expected[i].push(tag);
        }
        // Sometimes a PATCH of the killed run also meets a 500 or a 429, so some kills land on a
        // delivery that is backing off.
        let fault = run
            .rng
            .random_bool(0.3)
            .then(|| FAULTS[run.rng.random_range(0..FAULTS.len())]);
        if let Some(spec) = fault {
            add_fault(&env, spec).await;
        }
        let plan = run.choose(notes.min(8), PATCH_HOLD, Duration::from_millis(900));
        let base = proxy.arrivals();
        let answers = proxy.answers();
        let mut child = spawn(&env, &["sync", "--once"]);
        let outcome = run_and_kill(&mut child, &proxy, (base, answers), plan).await;
        settle(&proxy).await;
        let mut seen = String::from("ran to the end");
        if let Outcome::Killed { at } = outcome {
            killed += 1;
            let exchanges = proxy.exchanges_since(base);
            let open = exchanges.iter().filter(|e| e.in_flight_at(at)).count();
            let applied = exchanges
                .iter()
                .filter(|e| e.landed_unacknowledged_at(at))
                .count();
            in_flight_kills += usize::from(open > 0);
            landed += applied;
            seen = format!(
                "killed after {} PATCHes, {open} in flight ({applied} applied, unacknowledged)",
                exchanges.iter().filter(|e| e.arrived <= at).count()
            );
        }

        // Recovery: one run, answers no longer held. It must not wait for the dead worker.
        clear_faults(&env).await;
        proxy.set_hold(Duration::ZERO);
        let (out, report) = env.json(&["sync", "--once", "--deadline", "60"]).await;
        proxy.set_hold(PATCH_HOLD);
        assert_eq!(
            exit_code(&out),
            0,
            "seed {seed}, trial {trial} ({plan:?}, fault {fault:?}, {seen}): one `sync --once` must deliver everything:\n{report:#}\n{}",
            stderr(&out)
        );
        let found = report["reconciled"].as_array().unwrap().len();
        reconciled += found;
        let left = open_store(&env)
            .outbox_counts(jiff::Timestamp::now())
            .unwrap();
        assert_eq!(
            left.undelivered(),
            0,
            "seed {seed}, trial {trial}: {left:?}"
        );
        println!(
            "trial {trial:02}: {notes} notes, fault {fault:?}, {plan:?}: {seen}; recovery delivered {}, {found} already present",
            report["delivered"].as_array().unwrap().len()
        );
    }

    let (lost, duplicated, misordered) = audit(&env, &incidents, &expected).await;
    println!(
        "crash_sync: {killed} runs killed, {landed} notes applied but unacknowledged at a kill"
    );
    println!(
        "{} trials, {in_flight_kills} in flight, {reconciled} reconciled, {lost} lost, {duplicated} duplicated",
        run.trials
    );
    assert_eq!((lost, duplicated), (0, 0), "seed {seed}: {misordered:#?}");
    assert!(misordered.is_empty(), "seed {seed}: {misordered:#?}");
    // Most kills are aimed just after a PATCH reached the proxy, inside its hold.
    let minimum = (run.trials / 6).max(1);
    assert!(
        in_flight_kills >= minimum,
        "seed {seed}: only {in_flight_kills} of {} kills landed with a PATCH in flight (want >= {minimum})",
        run.trials
    );
    assert!(
        reconciled >= minimum,
        "seed {seed}: only {reconciled} deliveries were found already present by the recovery runs (want >= {minimum})"
    );
}

/// A claim held by a LIVE process is respected: a second `sync --once` sends nothing for it,
/// names the holder (its pid is in the lease owner) and exits 6 at its deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_holder_is_named_and_not_taken_over() {
    let env = TestEnv::start().await;
    let proxy = HoldingProxy::start(&env.url, "PATCH", "/api/now/table/incident/").await;
    // A very slow instance: the holder's PATCH is answered only when the test releases it.
    proxy.set_hold(Duration::from_secs(600));
    write_config_url(&env, &proxy.url, "itil", "itil", "timeout_secs = 120");
    let incidents = create_incidents(&env, 1).await;
    let keys = link_one_anomaly_each(&env, &incidents);
    let session = comment_session(&env);
    let tags: Vec<String> = (0..3).map(|k| format!("live.n{k}")).collect();
    for tag in &tags {
        snowlink::ops::comment_for(&session, &keys[0], &format!("{MARK}{tag}")).unwrap();
    }

    let mut holder = spawn(&env, &["sync", "--once"]);
    let holder_pid = holder.id().unwrap();
    tokio::select! {
        _ = proxy.wait_arrivals(1) => {}
        status = holder.wait() => panic!("the holder ended before its PATCH was in flight: {status:?}"),
    }

    let (out, report) = env.json(&["sync", "--once", "--deadline", "2"]).await;
    assert_eq!(exit_code(&out), 6, "{report:#}\n{}", stderr(&out));
    let waiting = report["waiting"].as_array().unwrap();
    assert_eq!(waiting.len(), 3, "{report:#}");
    let why = waiting[0]["why"].as_str().unwrap();
    println!("live holder pid {holder_pid}; second run says: {why}");
    assert!(
        why.contains("lease held by") && why.contains(&format!(":{holder_pid}:")),
        "the head names the live holder (pid {holder_pid}): {why}"
    );
    assert!(report["delivered"].as_array().unwrap().is_empty());
    assert!(report["reconciled"].as_array().unwrap().is_empty());
    assert_eq!(proxy.arrivals(), 1, "the second run sent no PATCH");

    // Released, the holder delivers its own claim and ends well.
    proxy.set_hold(Duration::ZERO);
    let status = holder.wait().await.unwrap();
    assert_eq!(status.code(), Some(0), "holder: {status:?}");
    assert_eq!(tags_on(&env, &incidents[0]).await, tags);
}
