//! Outbox throughput (DESIGN §Performance budgets): 1,000 work notes across 100 incidents with
//! 40 ms ServiceNow latency, delivered by `Worker::run_once` with `max_in_flight = 8`, then the
//! same deliveries with `max_in_flight = 1`. Budget: ≤ 1.25 × the bound (1000 × 40 ms / 8 = 5 s)
//! and ≥ 6× faster than sequential. Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench outbox`. Env: `BENCH_NOTES` (1000), `BENCH_INCIDENTS` (100),
//! `BENCH_LATENCY_MS` (40), `BENCH_IN_FLIGHT` (8), `BENCH_SEQUENTIAL=0` skips the slow
//! sequential run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use std::time::{Duration, Instant};

use bench_support::{client, create_incidents, env_usize};
use servicenow_emulator::EmulatorConfig;
use snowlink::store::{DeliveryKind, NewDelivery, Store};
use snowlink::sync::{Worker, WorkerOptions};

async fn run(url: &str, notes: usize, incidents: usize, in_flight: usize) -> (Duration, usize) {
    let targets = create_incidents(url, incidents).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("snowlink.db");
    {
        let mut store = Store::open(&db).unwrap();
        for k in 0..notes {
            let inc = &targets[k % targets.len()];
            let text = format!(
                "[2026-11-23 10:00:00 UTC] bench note {k} for {}",
                inc.number
            );
            store
                .enqueue(
                    &NewDelivery::to_incident(inc, DeliveryKind::WorkNote, text, None),
                    jiff::Timestamp::now(),
                )
                .unwrap();
        }
    }
    let opts = WorkerOptions::new(in_flight, Duration::from_secs(30));
    let worker = Worker::new(&db, "bench", client(url), opts).unwrap();
    let started = Instant::now();
    let report = worker.run_once().await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        report.waiting.is_empty(),
        "not everything delivered: {report:?}"
    );
    (elapsed, report.delivered.len())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let notes = env_usize("BENCH_NOTES", 1000);
    let incidents = env_usize("BENCH_INCIDENTS", 100);
    let latency = env_usize("BENCH_LATENCY_MS", 40);
    let in_flight = env_usize("BENCH_IN_FLIGHT", 8);
    let emu = servicenow_emulator::start(EmulatorConfig {
        latency: Duration::from_millis(latency as u64),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let url = emu.base_url();
    let bound = Duration::from_millis((notes * latency / in_flight) as u64);
    println!(
        "outbox: {notes} notes across {incidents} incidents, {latency} ms latency, store on {}",
        std::env::temp_dir().display()
    );
    let (par, n) = run(&url, notes, incidents, in_flight).await;
    println!(
        "  max_in_flight = {in_flight}: {n} delivered in {:.2} s; bound {:.2} s; ratio {:.2} (budget <= 1.25); {:.0} notes/s",
        par.as_secs_f64(),
        bound.as_secs_f64(),
        par.as_secs_f64() / bound.as_secs_f64(),
        n as f64 / par.as_secs_f64()
    );
    if std::env::var("BENCH_SEQUENTIAL").as_deref() == Ok("0") {
        return;
    }
    let (seq, n) = run(&url, notes, incidents, 1).await;
    println!(
        "  max_in_flight = 1: {n} delivered in {:.2} s; speed-up {:.1}x (budget >= 6x)",
        seq.as_secs_f64(),
        seq.as_secs_f64() / par.as_secs_f64()
    );
}
