//! Team-mode chaos test (issue 14, docs/benchmarks.md §Team mode): 4 `snowlink sync --watch`
//! workers and 20 simulated dashboard sessions on ONE PostgreSQL database, against the real
//! emulator over HTTP. The sessions record status changes and comments through the same ops the
//! dashboard and the CLI use (`ops::set_status_for`, `ops::comment_for`, each opening its own
//! connection from the `StoreLocation`), while the test SIGKILLs a worker that holds an
//! in-flight claim (its pid is in the lease owner) every so often and starts a replacement.
//!
//! Then: the outbox drains (bounded wait), and every queued note is on its incident exactly
//! once, in queue order. The hard case must have been hit, not merely survived: rows claimed
//! more than once (a dead worker's claim taken over) must exist. No assertion is on time;
//! `SNOWLINK_CHAOS_SEED` replays the choice of victims and actions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;
mod team_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::TestEnv;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use servicenow_emulator::EmulatorConfig;
use snowlink::domain::{ArchiveReason, Status};
use sync_common::*;
use team_common::*;

const WORKERS: usize = 4;
const SESSIONS: usize = 20;
const INCIDENTS: usize = 5;
/// Actions per session (a comment or a status change each).
const ACTIONS: usize = 20;
/// Kills of a claim holder while the sessions write (more if a kill found nobody holding).
const KILLS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_team_workers_lose_and_duplicate_nothing() {
    let seed: u64 = std::env::var("SNOWLINK_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    println!("team_chaos seed {seed}");
    let mut rng = StdRng::seed_from_u64(seed);
    let cluster = tokio::task::spawn_blocking(|| {
        let cluster = pg_harness::Cluster::start().expect("PostgreSQL for the team chaos test");
        cluster.fresh_database("chaos").unwrap();
        cluster
    })
    .await
    .unwrap();
    // A little latency keeps PATCHes in flight long enough for kills to land on them.
    let env = TestEnv::start_with(EmulatorConfig {
        latency: Duration::from_millis(15),
        ..EmulatorConfig::default()
    })
    .await;
    workers_config(&env, &cluster, "chaos", "max_in_flight = 4");
    let incidents = create_incidents(&env, INCIDENTS).await;

    // One anomaly per session, linked to one of a handful of incidents.
    let (store, keys) = {
        let (config, targets) = (env.config_path(), incidents.clone());
        tokio::task::spawn_blocking(move || {
            let loc = location_from(&config);
            let mut store = loc.open().unwrap();
            let keys: Vec<_> = (0..SESSIONS)
                .map(|s| {
                    let key = seed_anomaly(&mut store, &format!("A-{s}"));
                    link(&mut store, &key, &targets[s % INCIDENTS]);
                    key
                })
                .collect();
            (loc, keys)
        })
        .await
        .unwrap()
    };

    let mut workers: Vec<tokio::process::Child> = (0..WORKERS)
        .map(|_| spawn(&env, &["sync", "--watch"]))
        .collect();

    // The dashboard sessions: each on a thread of its own with its own connections, acting on
    // its own anomaly's status and commenting on any anomaly (so several sessions queue notes
    // to one incident at once).
    let done = Arc::new(AtomicBool::new(false));
    let mut sessions = Vec::new();
    for s in 0..SESSIONS {
        let session = session(&env, &store, &format!("Engineer {s:02}"));
        let keys = keys.clone();
        let mut rng = StdRng::seed_from_u64(seed ^ (s as u64 + 1));
        sessions.push(tokio::task::spawn_blocking(move || {
            let statuses = [
                Status::Acknowledged,
                Status::Active,
                Status::Archived(ArchiveReason::Resolved),
            ];
            for a in 0..ACTIONS {
                if rng.random_bool(0.4) {
                    let status = statuses[a % statuses.len()];
                    snowlink::ops::set_status_for(&session, &[keys[s].clone()], status).unwrap();
                } else {
                    let key = &keys[rng.random_range(0..keys.len())];
                    let text = format!("chaos comment s{s:02}.a{a:02}");
                    snowlink::ops::comment_for(&session, key, &text).unwrap();
                }
                std::thread::sleep(Duration::from_millis(rng.random_range(5..60)));
            }
        }));
    }
    let writers = {
        let done = done.clone();
        tokio::spawn(async move {
            for s in sessions {
                s.await.unwrap();
            }
            done.store(true, Ordering::SeqCst);
        })
    };

    // The killer: every so often, a worker that holds a claim right now.
    let probe = {
        let loc = store.clone();
        tokio::task::spawn_blocking(move || loc.open().unwrap())
            .await
            .unwrap()
    };
    let probe = Arc::new(std::sync::Mutex::new(probe));
    let (mut kills, mut looks) = (0, 0);
    while (kills < KILLS || !done.load(Ordering::SeqCst)) && looks < 2000 {
        looks += 1;
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..120))).await;
        let p = probe.clone();
        let holders = tokio::task::spawn_blocking(move || claim_holders(&p.lock().unwrap()))
            .await
            .unwrap();
        let candidates: Vec<usize> = (0..workers.len())
            .filter(|&i| workers[i].id().is_some_and(|pid| holders.contains(&pid)))
            .collect();
        if candidates.is_empty() || kills >= KILLS * 3 {
            continue;
        }
        let victim = candidates[rng.random_range(0..candidates.len())];
        let child = workers.swap_remove(victim);
        let pid = child.id();
        kill(child).await;
        kills += 1;
        println!("killed worker pid {pid:?} holding a claim (kill {kills})");
        workers.push(spawn(&env, &["sync", "--watch"]));
    }
    writers.await.unwrap();
    let drained = wait_until_drained_at(&store, Duration::from_secs(90)).await;

    let mut logs = String::new();
    for child in &workers {
        terminate(child);
    }
    for child in workers {
        let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .expect("a worker stops after SIGTERM")
            .unwrap();
        logs.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(drained, "outbox not drained; worker logs:\n{logs}");
    assert!(
        kills >= KILLS,
        "seed {seed}: only {kills} kills of a claim holder"
    );

    let loc = store.clone();
    let (queued, retried) = tokio::task::spawn_blocking(move || queued_notes(&loc))
        .await
        .unwrap();
    let total: usize = queued.values().map(Vec::len).sum();
    let (lost, duplicated, misordered) = audit(&env, &queued).await;
    let log = requests(&env).await;
    let readbacks = log
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"].as_str().unwrap_or("").contains("journal"))
        .count();
    println!(
        "team_chaos: {total} notes queued by {SESSIONS} sessions, {kills} kills, {} rows taken over, {readbacks} journal read-backs, {lost} lost, {duplicated} duplicated",
        retried.len()
    );
    assert!(
        total >= SESSIONS * ACTIONS / 2,
        "seed {seed}: only {total} notes queued"
    );
    assert_eq!((lost, duplicated), (0, 0), "seed {seed}: {misordered:#?}");
    assert!(misordered.is_empty(), "seed {seed}: {misordered:#?}");
    // The hard case: a dead worker's claim was taken over by another and delivered once.
    assert!(
        !retried.is_empty(),
        "seed {seed}: no row was claimed twice, so no kill landed on a held claim"
    );
}

/// Polls the shared store until nothing is left undelivered; false after `limit`.
async fn wait_until_drained_at(store: &snowlink::store::StoreLocation, limit: Duration) -> bool {
    let loc = store.clone();
    let probe = tokio::task::spawn_blocking(move || loc.open().unwrap())
        .await
        .unwrap();
    let probe = Arc::new(std::sync::Mutex::new(probe));
    let start = std::time::Instant::now();
    loop {
        let p = probe.clone();
        let counts = tokio::task::spawn_blocking(move || {
            p.lock()
                .unwrap()
                .outbox_counts(jiff::Timestamp::now())
                .unwrap()
        })
        .await
        .unwrap();
        if counts.undelivered() == 0 {
            return true;
        }
        if start.elapsed() >= limit {
            eprintln!("outbox not drained after {limit:?}: {counts:?}");
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
