//! Crash test: `snowlink sync --once` is SIGKILLed at random moments while it delivers 200 notes
//! across 10 incidents through an emulator with latency and faults (429s, 500s, resets on
//! PATCH). After the loop a clean run finishes the job; the emulator's journal must then hold
//! every note exactly once, in order per incident.
//!
//! `CRASH_TRIALS` (default 30) sets the number of kills, `CRASH_SEED` replays a run (the seed is
//! printed). Nothing here asserts on time: delays only decide *where* the kills land.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use std::time::Duration;

use common::{TestEnv, exit_code, stderr};
use rand::{Rng, SeedableRng};
use servicenow_emulator::EmulatorConfig;
use sync_common::*;

const FAULTS: [&str; 3] = [
    "status=429,retry-after=1,count=1,method=PATCH",
    "status=500,count=1,method=PATCH",
    "reset,count=1,method=PATCH",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_syncs_never_lose_or_duplicate_a_note() {
    let trials: usize = std::env::var("CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    println!("crash_sync: seed {seed} (replay with CRASH_SEED={seed}), {trials} trials");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);

    let env = TestEnv::start_with(EmulatorConfig {
        latency: Duration::from_millis(5),
        ..EmulatorConfig::default()
    })
    .await;
    // A short timeout keeps leases short (2 s), so a killed run's deliveries come back soon.
    write_config(&env, "itil", "itil", "max_in_flight = 4\ntimeout_secs = 1");
    let incidents = create_incidents(&env, 10).await;
    let expected = {
        let mut store = open_store(&env);
        enqueue_notes(&mut store, &incidents, 20, "crash")
    };
    // PATCHes take 5–20 ms.
    add_fault(&env, "latency-ms=15,method=PATCH").await;

    let mut exits = std::collections::BTreeMap::<String, usize>::new();
    for _ in 0..trials {
        for f in FAULTS {
            if rng.random_bool(0.5) {
                add_fault(&env, f).await;
            }
        }
        let delay = Duration::from_millis(rng.random_range(20..700));
        let mut child = spawn(&env, &["sync", "--once"]);
        let outcome = tokio::select! {
            status = child.wait() => format!("exited {:?}", status.unwrap().code()),
            _ = tokio::time::sleep(delay) => {
                child.start_kill().unwrap();
                child.wait().await.unwrap();
                "killed".to_string()
            }
        };
        *exits.entry(outcome).or_default() += 1;
    }
    println!("crash_sync: outcomes {exits:?}");
    let before = open_store(&env)
        .outbox_counts(jiff::Timestamp::now())
        .unwrap();
    println!(
        "crash_sync: {} of 200 delivered during the trials ({} in flight when killed)",
        200 - before.undelivered(),
        before.in_flight
    );

    // Clean up: no more faults, everything due now (backoffs grew with the attempts), deliver.
    env.control(reqwest::Method::DELETE, "/__emulator/faults", None)
        .await;
    let mut last = None;
    for _ in 0..5 {
        let out = env.run(&["outbox", "retry", "--all"]).await;
        assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
        let out = env.run(&["sync", "--once"]).await;
        let code = exit_code(&out);
        last = Some(String::from_utf8_lossy(&out.stdout).to_string());
        if code == 0 {
            break;
        }
    }
    let audit = open_store(&env).audit_log(100_000).unwrap();
    let reconciled = audit
        .iter()
        .filter(|a| a.outcome == "already present")
        .count();
    println!("crash_sync: {reconciled} deliveries found already present when reconciling");
    let (lost, duplicated) = count_lost_duplicated(&env, &incidents, &expected).await;
    println!("{trials} trials, {lost} lost, {duplicated} duplicated");
    assert_eq!(
        (lost, duplicated),
        (0, 0),
        "seed {seed}; last sync output:\n{}",
        last.unwrap_or_default()
    );
    let counts = open_store(&env)
        .outbox_counts(jiff::Timestamp::now())
        .unwrap();
    assert_eq!(counts.undelivered(), 0, "seed {seed}: {counts:?}");
}
