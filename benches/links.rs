//! Link-state refresh cost (DESIGN §Performance budgets): refreshing N linked incidents costs
//! ⌈N/100⌉ requests. Refreshes 1,000 links with `LinkPoller` and counts the requests in the
//! emulator's log (expect 10). Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench links`. Env: `BENCH_LINKS` (1000), `BENCH_LATENCY_MS` (40).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use std::time::{Duration, Instant};

use bench_support::{client, create_incidents, env_usize};
use servicenow_emulator::EmulatorConfig;
use snowlink::domain::{AnomalyKey, IncidentState, anomaly_from_json};
use snowlink::store::{NewLink, Store};
use snowlink::sync::LinkPoller;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n = env_usize("BENCH_LINKS", 1000);
    let latency = env_usize("BENCH_LATENCY_MS", 40);
    let emu = servicenow_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let url = emu.base_url();
    let incidents = create_incidents(&url, n).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("snowlink.db");
    {
        let mut store = Store::open(&db).unwrap();
        let a = anomaly_from_json(r#"{"id":"A-1","title":"bench"}"#).unwrap();
        store
            .upsert_anomalies("wh", &[a], jiff::Timestamp::now())
            .unwrap();
        for inc in &incidents {
            let link = NewLink {
                anomaly: AnomalyKey::new("wh", "A-1"),
                incident: inc.clone(),
                state: IncidentState::default(),
                read_at: None,
                linked_by: "bench".into(),
                linked_at: jiff::Timestamp::now(),
            };
            store.add_link(&link, &[]).unwrap();
        }
    }
    emu.set_latency(Duration::from_millis(latency as u64));
    emu.clear_requests();
    let poller = LinkPoller::new(&db.clone().into(), "bench", client(&url))
        .await
        .unwrap();
    let started = Instant::now();
    let report = poller.refresh().await.unwrap();
    let elapsed = started.elapsed();
    let logged = emu.requests().len();
    println!(
        "links: refreshed {} of {n} links with {logged} requests (expected {}), {:.2} s at {latency} ms latency; {} not found, error {:?}",
        report.updated,
        n.div_ceil(100),
        elapsed.as_secs_f64(),
        report.not_found.len(),
        report.error
    );
}
