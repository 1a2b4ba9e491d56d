//! Emulator throughput on loopback: N concurrent reqwest clients send small GETs
//! (one incident, two fields) and small PATCHes (a work note). Prints req/s.
//!
//! `cargo bench -p servicenow-emulator --bench throughput`
//! Env: `BENCH_REQUESTS` (per phase, default 20000), `BENCH_CONCURRENCY` (default 16).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};
use servicenow_emulator::{EmulatorConfig, start};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn phase(name: &str, base: &str, ids: &[String], total: usize, workers: usize, patch: bool) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let next = next.clone();
        let base = base.to_string();
        let ids = ids.to_vec();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let id = &ids[i % ids.len()];
                let url = format!(
                    "{base}/api/now/table/incident/{id}?sysparm_fields=number,state,sys_updated_on"
                );
                let req = if patch {
                    client
                        .patch(&url)
                        .json(&json!({"work_notes": format!("bench note {i}")}))
                } else {
                    client.get(&url)
                };
                let resp = req.basic_auth("admin", Some("admin")).send().await;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
            }
            errors
        }));
    }
    let mut errors = 0;
    for t in tasks {
        errors += t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name:<6} {total} requests, {workers} clients: {:.2} s, {:.0} req/s, {errors} errors",
        secs,
        total as f64 / secs
    );
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; there is nothing else to parse.
    let total = env_usize("BENCH_REQUESTS", 20_000);
    let workers = env_usize("BENCH_CONCURRENCY", 16);
    let emu = start(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let base = emu.base_url();
    let list: Value = reqwest::Client::new()
        .get(format!(
            "{base}/api/now/table/incident?sysparm_fields=sys_id&sysparm_query=active%3Dtrue"
        ))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<String> = list["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sys_id"].as_str().unwrap().to_string())
        .collect();
    phase("GET", &base, &ids, total, workers, false).await;
    phase("PATCH", &base, &ids, total, workers, true).await;
    emu.shutdown().await;
}
