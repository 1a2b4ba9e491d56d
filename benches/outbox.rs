//! Outbox throughput on the path users take (DESIGN §Performance budgets, docs/benchmarks.md):
//! 1,000 work notes across 100 incidents with 40 ms ServiceNow latency, queued the way
//! `snowlink comment` queues them, then delivered by the real binary's `snowlink sync --once`
//! with `max_in_flight = 8`. Budget: ≤ 1.25 × the bound (1000 × 40 ms / 8 = 5 s) and ≥ 6×
//! faster than the same deliveries with `max_in_flight = 1`. Prints figures; asserts nothing
//! about time.
//!
//! Scenarios:
//! - `hibernated`: every note is queued by running `snowlink comment` (the binary) while the
//!   emulator hibernates, so each command's own delivery attempt fails first, as a user's would;
//!   then faults are cleared and `snowlink sync --once` is timed.
//! - `online`: the notes are queued through `ops::comment_for` (the function `snowlink comment`
//!   calls) while the emulator is up, then `snowlink sync --once` is timed.
//! - `sequential`: the `online` deliveries with `max_in_flight = 1`.
//!
//! `cargo bench --bench outbox`. Env: `BENCH_NOTES` (1000), `BENCH_INCIDENTS` (100),
//! `BENCH_LATENCY_MS` (40), `BENCH_IN_FLIGHT` (8), `BENCH_SEQUENTIAL=0` skips the slow
//! sequential run, `BENCH_SCENARIOS` (comma list, default all).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bench_support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bench_support::{create_incidents, env_usize};
use servicenow_emulator::EmulatorConfig;
use snowlink::domain::{AnomalyKey, IncidentRef, IncidentState};
use snowlink::store::{NewLink, Store};

const BIN: &str = env!("CARGO_BIN_EXE_snowlink");

/// A throwaway config + data dir whose default instance is the emulator, with one anomaly per
/// incident (A-0 … A-n) loaded from a real NDJSON file and linked in the store.
struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(url: &str, targets: &[IncidentRef], in_flight: usize) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let anomalies = dir.path().join("anomalies.ndjson");
        let mut lines = String::new();
        for i in 0..targets.len() {
            lines.push_str(&format!(
                "{{\"id\":\"A-{i}\",\"title\":\"bench anomaly {i}\",\"severity\":\"high\"}}\n"
            ));
        }
        std::fs::write(&anomalies, lines).unwrap();
        std::fs::write(
            dir.path().join("config.toml"),
            format!(
                "user = \"Bench\"\n\n[instances.default]\nurl = \"{url}\"\nusername = \"itil\"\n\
                 password_env = \"BENCH_PASSWORD\"\ntimeout_secs = 30\nmax_in_flight = {in_flight}\n\n\
                 [[sources]]\nname = \"bench\"\nkind = \"file\"\npath = \"{}\"\n",
                anomalies.display()
            ),
        )
        .unwrap();
        let setup = Setup { dir };
        let out = setup.command(&["load"]).output().unwrap();
        assert!(out.status.success(), "load: {out:?}");
        let mut store = Store::open(&setup.db()).unwrap();
        for (i, inc) in targets.iter().enumerate() {
            let link = NewLink {
                anomaly: AnomalyKey {
                    source: "bench".into(),
                    id: format!("A-{i}"),
                },
                incident: IncidentRef {
                    instance: "default".into(),
                    ..inc.clone()
                },
                state: IncidentState::default(),
                read_at: None,
                linked_by: "bench".into(),
                linked_at: jiff::Timestamp::now(),
            };
            store.add_link(&link, &[]).unwrap();
        }
        setup
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn db(&self) -> PathBuf {
        self.data_dir().join("snowlink.db")
    }

    fn command(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path().join("state"))
            .env("SNOWLINK_CONFIG", self.dir.path().join("config.toml"))
            .env("SNOWLINK_DATA_DIR", self.data_dir())
            .env("BENCH_PASSWORD", "itil")
            .env("NO_COLOR", "1");
        cmd
    }

    /// Times `snowlink --json sync --once`; returns the time and the number delivered.
    fn sync_once(&self) -> (Duration, usize) {
        let started = Instant::now();
        let out = self
            .command(&["--json", "sync", "--once"])
            .output()
            .unwrap();
        let elapsed = started.elapsed();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("sync --once printed no JSON ({e}): {out:?}"));
        let waiting = report["waiting"].as_array().map_or(0, Vec::len);
        assert_eq!(waiting, 0, "not everything delivered: {report}");
        let delivered = report["delivered"].as_array().map_or(0, Vec::len)
            + report["reconciled"].as_array().map_or(0, Vec::len);
        (elapsed, delivered)
    }
}

/// The note texts: `notes` spread evenly over `incidents` anomalies.
fn note_plan(notes: usize, incidents: usize) -> Vec<(String, String)> {
    (0..notes)
        .map(|k| (format!("A-{}", k % incidents), format!("bench comment {k}")))
        .collect()
}

/// Queues through the binary, `parallel` commands at a time (a team of shells).
fn queue_with_binary(setup: &Setup, plan: &[(String, String)], parallel: usize) {
    for chunk in plan.chunks(parallel) {
        let children: Vec<_> = chunk
            .iter()
            .map(|(id, text)| {
                setup
                    .command(&["comment", id, text])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            // Exit 6 (kept in the outbox) is the expected answer while hibernating.
            let status = c.wait().unwrap();
            assert!(matches!(status.code(), Some(0 | 6)), "comment: {status}");
        }
    }
}

/// Queues through `ops::comment_for`, the entry point of `snowlink comment`.
fn queue_in_process(setup: &Setup, plan: &[(String, String)]) {
    let config =
        snowlink::config::Config::from_file(&setup.dir.path().join("config.toml")).unwrap();
    let profile = config.profile(None, &snowlink::config::ProcessEnv).unwrap();
    let session = snowlink::ops::Session {
        store: setup.db().into(),
        profile,
        user: "Bench".into(),
        url_template: None,
        ticket_defaults: Default::default(),
        others: Vec::new(),
        client: None,
    };
    for (id, text) in plan {
        let key = AnomalyKey {
            source: "bench".into(),
            id: id.clone(),
        };
        snowlink::ops::comment_for(&session, &key, text).unwrap();
    }
}

async fn fault(url: &str, spec: Option<&str>) {
    let http = reqwest::Client::new();
    let req = match spec {
        Some(s) => http
            .post(format!("{url}/__emulator/faults"))
            .json(&serde_json::json!({ "spec": s })),
        None => http.delete(format!("{url}/__emulator/faults")),
    };
    let resp = req.send().await.unwrap();
    assert!(resp.status().is_success(), "fault control: {resp:?}");
}

fn report(name: &str, elapsed: Duration, delivered: usize, bound: Duration) {
    println!(
        "  {name:<11} {delivered} delivered in {:.2} s; bound {:.2} s; ratio {:.2} (budget <= 1.25); {:.0} notes/s",
        elapsed.as_secs_f64(),
        bound.as_secs_f64(),
        elapsed.as_secs_f64() / bound.as_secs_f64(),
        delivered as f64 / elapsed.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let notes = env_usize("BENCH_NOTES", 1000);
    let incidents = env_usize("BENCH_INCIDENTS", 100);
    let latency = env_usize("BENCH_LATENCY_MS", 40);
    let in_flight = env_usize("BENCH_IN_FLIGHT", 8);
    let scenarios =
        std::env::var("BENCH_SCENARIOS").unwrap_or_else(|_| "hibernated,online,sequential".into());
    let emu = servicenow_emulator::start(EmulatorConfig {
        latency: Duration::from_millis(latency as u64),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let url = emu.base_url();
    let bound = Duration::from_millis((notes * latency / in_flight) as u64);
    let plan = note_plan(notes, incidents);
    println!(
        "outbox (user path: real store file, `snowlink sync --once`): {notes} notes across {incidents} incidents, {latency} ms latency, max_in_flight = {in_flight}"
    );
    let mut online = None;
    if scenarios.contains("hibernated") {
        let targets = create_incidents(&url, incidents).await;
        let setup = Setup::new(&url, &targets, in_flight);
        fault(&url, Some("hibernate")).await;
        let queued = Instant::now();
        queue_with_binary(&setup, &plan, 8);
        let queue_time = queued.elapsed();
        fault(&url, None).await;
        println!(
            "  queued {notes} notes with `snowlink comment` while hibernating in {:.1} s",
            queue_time.as_secs_f64()
        );
        let (t, n) = setup.sync_once();
        report("hibernated", t, n, bound);
    }
    if scenarios.contains("online") {
        let targets = create_incidents(&url, incidents).await;
        let setup = Setup::new(&url, &targets, in_flight);
        queue_in_process(&setup, &plan);
        let (t, n) = setup.sync_once();
        report("online", t, n, bound);
        online = Some(t);
    }
    if scenarios.contains("sequential") && std::env::var("BENCH_SEQUENTIAL").as_deref() != Ok("0") {
        let targets = create_incidents(&url, incidents).await;
        let setup = Setup::new(&url, &targets, 1);
        queue_in_process(&setup, &plan);
        let (t, n) = setup.sync_once();
        println!(
            "  sequential  {n} delivered in {:.2} s with max_in_flight = 1{}",
            t.as_secs_f64(),
            online.map_or(String::new(), |p| format!(
                "; speed-up {:.1}x (budget >= 6x)",
                t.as_secs_f64() / p.as_secs_f64()
            ))
        );
    }
}
