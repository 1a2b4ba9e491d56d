//! Team-mode figures (docs/benchmarks.md §Team mode): 1,000 work notes across 50 incidents,
//! queued the way the dashboard queues them (`ops::comment_for`), delivered by 4 real
//! `snowlink sync --watch` workers on one store, emulator without added latency. Run once on
//! PostgreSQL (a throwaway cluster) and once on SQLite (the baseline: the same 4 workers on one
//! file). Prints throughput (notes/s reaching ServiceNow) and, for a second batch, the time from
//! the SIGKILL of a worker holding an in-flight claim to another worker delivering that row.
//! Asserts nothing about time; it does check every note arrived exactly once.
//!
//! `cargo bench --bench team`. Env: `BENCH_NOTES` (1000), `BENCH_INCIDENTS` (50),
//! `BENCH_WORKERS` (4), `BENCH_KILLS` (5), `BENCH_LATENCY_MS` (0), `BENCH_ENGINES` (`postgres,sqlite`),
//! `BENCH_RATE_LIMIT` (0 = none: requests each user may make per rate-limit "hour") and
//! `BENCH_RATE_HOUR_MS` (1000: how long that "hour" lasts in the emulator).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/sync_common/mod.rs"]
mod sync_common;
#[path = "../tests/team_common/mod.rs"]
mod team_common;

use std::time::{Duration, Instant};

use common::TestEnv;
use servicenow_emulator::EmulatorConfig;
use snowlink::store::{DeliveryState, StoreLocation};
use sync_common::{create_incidents, link, seed_anomaly, spawn, terminate};
use team_common::{audit, claim_holders, kill, queued_notes, session, workers_config};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn undelivered(loc: &StoreLocation) -> usize {
    let loc = loc.clone();
    tokio::task::spawn_blocking(move || {
        loc.open()
            .unwrap()
            .outbox_counts(jiff::Timestamp::now())
            .unwrap()
            .undelivered()
    })
    .await
    .unwrap()
}

/// Waits until nothing is left to deliver, polling every 10 ms on ONE connection: a new
/// connection per poll (a PostgreSQL backend forked each time) would take CPU from the workers
/// being measured.
async fn wait_drained(loc: &StoreLocation) {
    let loc = loc.clone();
    tokio::task::spawn_blocking(move || {
        let store = loc.open().unwrap();
        let start = Instant::now();
        while store
            .outbox_counts(jiff::Timestamp::now())
            .unwrap()
            .undelivered()
            > 0
        {
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "outbox not drained"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    })
    .await
    .unwrap();
}

async fn run(engine: &str, cluster: Option<&pg_harness::Cluster>) {
    let (notes, incidents_n) = (
        env_usize("BENCH_NOTES", 1000),
        env_usize("BENCH_INCIDENTS", 50),
    );
    let (workers_n, kills_n) = (env_usize("BENCH_WORKERS", 4), env_usize("BENCH_KILLS", 5));
    let latency = Duration::from_millis(env_usize("BENCH_LATENCY_MS", 0) as u64);
    // An all-users rate limit rule (the service account the workers share is one user), with
    // the rule's "hour" shortened to `BENCH_RATE_HOUR_MS` so a run shows the limit in seconds.
    let rate_limit = env_usize("BENCH_RATE_LIMIT", 0) as u64;
    let rate_hour = Duration::from_millis(env_usize("BENCH_RATE_HOUR_MS", 1000) as u64);
    let rate_limits = if rate_limit > 0 {
        vec![servicenow_emulator::RateLimitRule::new(
            "bench",
            servicenow_emulator::AppliesTo::All,
            rate_limit,
        )]
    } else {
        Vec::new()
    };
    let env = TestEnv::start_with(EmulatorConfig {
        latency,
        rate_limits,
        rate_limit_hour: rate_hour,
        ..EmulatorConfig::default()
    })
    .await;
    let extra = "max_in_flight = 8";
    let loc = match cluster {
        Some(c) => {
            workers_config(&env, c, engine, extra);
            let config = env.config_path();
            tokio::task::spawn_blocking(move || team_common::location_from(&config))
                .await
                .unwrap()
        }
        None => {
            sync_common::write_config(&env, "itil", "itil", extra);
            StoreLocation::File(env.data_dir().join("snowlink.db"))
        }
    };
    let incidents = create_incidents(&env, incidents_n).await;
    let sess = session(&env, &loc, "Bench Engineer");
    let enqueue = {
        let sess = sess.clone();
        move |tag: String, n: usize, keys: Vec<snowlink::domain::AnomalyKey>| {
            let start = Instant::now();
            for k in 0..n {
                let key = &keys[k % keys.len()];
                snowlink::ops::comment_for(&sess, key, &format!("{tag} note {k}")).unwrap();
            }
            start.elapsed()
        }
    };
    let keys = {
        let (loc, targets) = (loc.clone(), incidents.clone());
        tokio::task::spawn_blocking(move || {
            let mut store = loc.open().unwrap();
            (0..targets.len())
                .map(|i| {
                    let key = seed_anomaly(&mut store, &format!("A-{i}"));
                    link(&mut store, &key, &targets[i]);
                    key
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap()
    };

    // Throughput: everything queued first, then the workers start; the clock runs from their
    // start to the last delivery.
    let (e, k) = (enqueue.clone(), keys.clone());
    let queued_in = tokio::task::spawn_blocking(move || e("bench".into(), notes, k))
        .await
        .unwrap();
    let start = Instant::now();
    let mut workers: Vec<_> = (0..workers_n)
        .map(|_| spawn(&env, &["sync", "--watch"]))
        .collect();
    wait_drained(&loc).await;
    let elapsed = start.elapsed();

    // Takeover: a second batch, queued while the workers are stopped (queueing is slower than
    // delivering, so with them running the queue would never hold a claim long enough to kill);
    // while it drains, SIGKILL a worker holding a claim, then time until another worker
    // delivered the rows it held.
    for w in &workers {
        terminate(w);
    }
    for w in workers.drain(..) {
        let _ = tokio::time::timeout(Duration::from_secs(30), w.wait_with_output()).await;
    }
    let (e, k) = (enqueue.clone(), keys.clone());
    tokio::task::spawn_blocking(move || e("takeover".into(), notes, k))
        .await
        .unwrap();
    workers.extend((0..workers_n).map(|_| spawn(&env, &["sync", "--watch"])));
    let mut takeovers: Vec<Duration> = Vec::new();
    let mut attempts = 0;
    // One probing connection for the whole phase (see `wait_drained`).
    let probe_store = {
        let loc = loc.clone();
        let store = tokio::task::spawn_blocking(move || loc.open().unwrap())
            .await
            .unwrap();
        std::sync::Arc::new(std::sync::Mutex::new(store))
    };
    while takeovers.len() < kills_n && attempts < 200 && undelivered(&loc).await > 0 {
        attempts += 1;
        let probe = probe_store.clone();
        let held = tokio::task::spawn_blocking(move || {
            let store = probe.lock().unwrap();
            let holders = claim_holders(&store);
            let rows = store
                .outbox_list(&snowlink::store::OutboxFilter {
                    states: vec![DeliveryState::InFlight],
                    ..Default::default()
                })
                .unwrap();
            (holders, rows)
        })
        .await
        .unwrap();
        let Some(victim) =
            (0..workers.len()).find(|&i| workers[i].id().is_some_and(|pid| held.0.contains(&pid)))
        else {
            tokio::time::sleep(Duration::from_millis(2)).await;
            continue;
        };
        let pid = workers[victim].id().unwrap();
        let rows: Vec<i64> = held
            .1
            .iter()
            .filter(|d| {
                d.lease_owner
                    .as_deref()
                    .is_some_and(|o| o.split(':').nth(1) == Some(&pid.to_string()))
            })
            .map(|d| d.id)
            .collect();
        let child = workers.swap_remove(victim);
        let killed_at = jiff::Timestamp::now();
        kill(child).await;
        workers.push(spawn(&env, &["sync", "--watch"]));
        // The rows it held: delivered by another worker after the kill (those it finished
        // before the signal landed do not count).
        let probe = probe_store.clone();
        let done = tokio::task::spawn_blocking(move || {
            let store = probe.lock().unwrap();
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut last = None;
            for id in rows {
                loop {
                    let d = store.outbox_get(id).unwrap().unwrap();
                    if let Some(at) = d.delivered_at {
                        if at > killed_at && d.attempts > 1 {
                            last = last.max(Some(at));
                        }
                        break;
                    }
                    assert!(Instant::now() < deadline, "row {id} never delivered");
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            last
        })
        .await
        .unwrap();
        if let Some(at) = done {
            let d = at.duration_since(killed_at);
            takeovers.push(Duration::try_from(d).unwrap());
        }
    }
    wait_drained(&loc).await;
    for w in &workers {
        terminate(w);
    }
    for w in workers {
        let _ = tokio::time::timeout(Duration::from_secs(30), w.wait_with_output()).await;
    }
    let probe = loc.clone();
    let (queued, _) = tokio::task::spawn_blocking(move || queued_notes(&probe))
        .await
        .unwrap();
    let (lost, duplicated, misordered) = audit(&env, &queued).await;
    assert_eq!((lost, duplicated), (0, 0), "{misordered:#?}");

    takeovers.sort();
    let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
    println!(
        "team/{engine}: {notes} notes, {incidents_n} incidents, {workers_n} workers, latency {latency:?}, rate limit {}: queued in {:.2} s ({:.0}/s), delivered in {:.2} s = {:.0} notes/s",
        if rate_limit > 0 {
            format!("{rate_limit} requests per {rate_hour:?}")
        } else {
            "none".to_string()
        },
        queued_in.as_secs_f64(),
        notes as f64 / queued_in.as_secs_f64(),
        elapsed.as_secs_f64(),
        notes as f64 / elapsed.as_secs_f64()
    );
    if takeovers.is_empty() {
        println!("team/{engine}: no kill landed on a held claim in {attempts} tries");
    } else {
        println!(
            "team/{engine}: takeover after SIGKILL of a claim holder ({} kills): min {:.0} ms, median {:.0} ms, max {:.0} ms",
            takeovers.len(),
            ms(&takeovers[0]),
            ms(&takeovers[takeovers.len() / 2]),
            ms(&takeovers[takeovers.len() - 1])
        );
    }
}

fn main() {
    let engines = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "postgres,sqlite".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let cluster = engines.contains("postgres").then(|| {
        let c = pg_harness::Cluster::start().expect("PostgreSQL for the team bench");
        c.fresh_database("postgres_bench").unwrap();
        c
    });
    for engine in engines.split(',') {
        match engine {
            "postgres" => rt.block_on(run("postgres_bench", cluster.as_ref())),
            "sqlite" => rt.block_on(run("sqlite", None)),
            other => panic!("unknown engine {other}"),
        }
    }
}
