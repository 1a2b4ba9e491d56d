//! Sources and the store on the path a user takes (docs/benchmarks.md §Sources): the real
//! binary, a real store file, a real 100k-line (≈45 MB) NDJSON file, the ServiceNow emulator
//! over HTTP, the dashboard in a real terminal (tmux) — timed from the process start to the
//! frame that shows the rows. Also `snowlink ack` and `snowlink anomalies --json` on that store,
//! 1,000 appended lines reaching a running dashboard, and a 20,000-anomaly Qualytics source
//! (the emulator over HTTP) ingested through `snowlink load`.
//!
//! Run: `cargo bench --bench sources` (needs tmux and /usr/bin/time; scripts/test installs tmux).
//! Prints figures next to their budgets; asserts nothing about speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use qualytics_emulator::{Emulator, EmulatorConfig, NewAnomaly, Ref, Seed, SeedData};

const N: usize = 100_000;
const BIN: &str = env!("CARGO_BIN_EXE_snowlink");

// The same tmux driver the end-to-end tests use (a private server per run, its own HOME).
#[path = "../tests/tmux_common/mod.rs"]
mod tmux_common;

use tmux_common::Tmux as Term;

/// Polls the pane (every 5 ms) until `done(pane)`; the time from `since`.
fn until(term: &Term, since: Instant, what: &str, done: impl Fn(&str) -> bool) -> Duration {
    let limit = since + Duration::from_secs(120);
    loop {
        let pane = term.pane();
        if done(&pane) {
            return since.elapsed();
        }
        assert!(Instant::now() < limit, "waited for {what}; pane:\n{pane}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The dashboard's pid (the pane's command), for its peak RSS.
fn pid(term: &Term) -> u32 {
    term.pane_pid().expect("the dashboard runs in the pane")
}

fn counts(pane: &str) -> Option<(usize, usize)> {
    let at = pane.find("Anomalies ")?;
    let rest = &pane[at + "Anomalies ".len()..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '/'))?;
    let (a, b) = rest[..end].split_once('/')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn vm_hwm_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn record(i: usize) -> String {
    format!(
        "{{\"id\":\"A-{i}\",\"title\":\"null customer_id in orders batch {i}\",\"status\":\"active\",\
         \"severity\":\"{}\",\"type\":\"record\",\"source\":\"dq-engine\",\
         \"detected_at\":\"2026-11-{:02}T{:02}:{:02}:00Z\",\"datastore\":\"snowflake-{}\",\
         \"container\":\"orders_{}\",\"field\":\"customer_id\",\
         \"description\":\"{} rows of the nightly load have a null customer_id; the upstream CRM export dropped the column mapping for this partition\",\
         \"failed_checks\":[{{\"name\":\"not_null\",\"message\":\"customer_id is null in {} rows\"}}],\
         \"tags\":[\"pii\",\"orders\"]}}\n",
        ["critical", "high", "medium", "low", "info"][i % 5],
        1 + i % 28,
        i % 24,
        i % 60,
        i % 7,
        i % 50,
        i % 997,
        i % 997
    )
}

struct Setup {
    dir: tempfile::TempDir,
    file: PathBuf,
    config: PathBuf,
}

impl Setup {
    fn new(url: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("anomalies.ndjson");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).unwrap());
        for i in 0..N {
            f.write_all(record(i).as_bytes()).unwrap();
        }
        f.flush().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "user = \"Bench\"\n[instances.default]\nurl = \"{url}\"\nusername = \"itil\"\npassword_env = \"BENCH_PASSWORD\"\n\n[[sources]]\nname = \"dq\"\nkind = \"file\"\npath = \"{}\"\n",
                file.display()
            ),
        )
        .unwrap();
        Setup { dir, file, config }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn env(&self) -> String {
        format!(
            "env -i PATH=/usr/bin:/bin HOME={h} TERM=xterm-256color NO_COLOR=1 SNOWLINK_CONFIG={c} SNOWLINK_DATA_DIR={d} BENCH_PASSWORD=itil",
            h = self.dir.path().display(),
            c = self.config.display(),
            d = self.data().display()
        )
    }

    /// Wall time and peak RSS (MB) of `snowlink ARGS`, from /usr/bin/time.
    fn cli(&self, args: &str) -> (Duration, f64) {
        let line = format!(
            "{} /usr/bin/time -f %M {BIN} {args} > /dev/null",
            self.env()
        );
        let t = Instant::now();
        let out = Command::new("sh").args(["-c", &line]).output().unwrap();
        let took = t.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        let kb: f64 = err
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0.0);
        (took, kb / 1024.0)
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn dashboard(s: &Setup) {
    let size = std::fs::metadata(&s.file).unwrap().len();
    println!("source file: {N} lines, {:.1} MB", size as f64 / 1e6);

    // Cold: an empty store; the dashboard opens at once and the ingester fills it.
    let start = Instant::now();
    let term = Term::start(&format!("{} {BIN}", s.env()));
    let first_frame = until(&term, start, "the first frame", |p| counts(p).is_some());
    let first_rows = until(&term, start, "the first rows", |p| {
        counts(p).is_some_and(|(_, t)| t > 0)
    });
    let all = until(&term, start, "all rows", |p| {
        counts(p).is_some_and(|(_, t)| t == N)
    });
    let cold_rss = vm_hwm_mb(pid(&term));
    println!(
        "cold  first frame {}, first rows {}, all {N} rows {}; budget <= 1500 ms; peak RSS {cold_rss:.0} MB (budget <= 150 MB)",
        ms(first_frame),
        ms(first_rows),
        ms(all)
    );

    // 1,000 lines appended while it runs.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&s.file)
        .unwrap();
    let mut text = String::new();
    for i in N..N + 1000 {
        text.push_str(&record(i));
    }
    let t = Instant::now();
    f.write_all(text.as_bytes()).unwrap();
    drop(f);
    let appended = until(&term, t, "the appended rows", |p| {
        counts(p).is_some_and(|(_, n)| n == N + 1000)
    });
    let rss = vm_hwm_mb(pid(&term));
    println!(
        "append 1000 lines to a running dashboard: visible after {}; budget <= 2000 ms; peak RSS {rss:.0} MB",
        ms(appended)
    );
    term.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(500));
    drop(term);

    // Warm: the store holds everything, the source has not changed.
    let mut warm = Vec::new();
    let mut warm_rss = 0.0f64;
    for _ in 0..3 {
        let start = Instant::now();
        let term = Term::start(&format!("{} {BIN}", s.env()));
        warm.push(until(&term, start, "a full first frame", |p| {
            counts(p).is_some_and(|(_, n)| n == N + 1000)
        }));
        std::thread::sleep(Duration::from_millis(300));
        warm_rss = warm_rss.max(vm_hwm_mb(pid(&term)));
        term.keys(&["q"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    println!(
        "warm  first frame with all {} rows: median {} of {:?}; budget <= 300 ms; peak RSS {warm_rss:.0} MB (budget <= 150 MB)",
        N + 1000,
        ms(median(warm.clone())),
        warm.iter().map(|d| ms(*d)).collect::<Vec<_>>()
    );
}

fn commands(s: &Setup) {
    let mut acks = Vec::new();
    let mut rss = 0.0f64;
    for i in 0..5 {
        let (t, r) = s.cli(&format!("ack A-{}", 10 + i));
        acks.push(t);
        rss = rss.max(r);
    }
    println!(
        "snowlink ack ID (sources unchanged, no linked incident): median {} of 5; budget <= 100 ms; peak RSS {rss:.0} MB",
        ms(median(acks))
    );
    let (t, r) = s.cli("--json anomalies");
    println!(
        "snowlink --json anomalies ({} rows): {}, peak RSS {r:.0} MB (tranche-1: 2.1 s, 322 MB)",
        N + 1000,
        ms(t)
    );
    let (t, r) = s.cli("--json load");
    println!(
        "snowlink load with nothing new: {}, peak RSS {r:.0} MB",
        ms(t)
    );
}

fn qualytics(runtime: &tokio::runtime::Runtime, url: &str) {
    const Q: u64 = 20_000;
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let ds = Ref {
        id: 7,
        name: "Big".into(),
    };
    let c = Ref {
        id: 70,
        name: "events".into(),
    };
    let seed = Seed::Data(SeedData {
        users: Vec::new(),
        anomalies: (0..Q)
            .map(|i| NewAnomaly {
                created: Some((start + jiff::SignedDuration::from_mins(i as i64)).to_string()),
                ..NewAnomaly::new(ds.clone(), c.clone(), format!("anomaly {i}"))
            })
            .collect(),
    });
    let (emu, _) = runtime
        .block_on(Emulator::start(EmulatorConfig {
            seed,
            ..EmulatorConfig::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, emu.admin_token()).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[instances.default]\nurl = \"{url}\"\nusername = \"itil\"\npassword_env = \"BENCH_PASSWORD\"\n\n[[sources]]\nname = \"dq\"\nkind = \"qualytics\"\nurl = \"{}\"\ntoken_command = \"cat {}\"\n",
            emu.base_url(),
            token.display()
        ),
    )
    .unwrap();
    let run = || {
        let t = Instant::now();
        let out = Command::new(BIN)
            .args(["--json", "load"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", dir.path())
            .env("SNOWLINK_CONFIG", &config)
            .env("SNOWLINK_DATA_DIR", dir.path().join("data"))
            .env("BENCH_PASSWORD", "itil")
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (t.elapsed(), v["sources"][0].clone())
    };
    let gets = |emu: &Emulator| {
        let log: Vec<_> = emu
            .requests()
            .into_iter()
            .filter(|r| r.method == "GET" && r.path == "/api/anomalies")
            .collect();
        let pages: std::collections::HashSet<String> =
            log.iter().map(|r| r.query.clone()).collect();
        (log.len(), pages.len())
    };
    let (t, first) = run();
    let (sent, distinct) = gets(&emu);
    println!(
        "qualytics first ingest of {Q}: {} in {} requests ({} logged, {} distinct pages; budget = ⌈{Q} / 100⌉ = {}); {} inserted",
        ms(t),
        first["requests"],
        sent,
        distinct,
        Q.div_ceil(100),
        first["inserted"]
    );
    emu.clear_requests();
    let (t, second) = run();
    let (sent, _) = gets(&emu);
    println!(
        "qualytics next poll: {} in {} requests ({sent} listing requests: 1 for new anomalies + ⌈{Q} open / 100⌉ re-read for status changes; archived history not read); {} written",
        ms(t),
        second["requests"],
        second["inserted"].as_u64().unwrap_or(0) + second["updated"].as_u64().unwrap_or(0)
    );
}

fn main() {
    if !Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!(
            "tmux is not installed: run scripts/test once (it installs tmux), or apt-get install tmux"
        );
        std::process::exit(1);
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let emulator = runtime
        .block_on(servicenow_emulator::start(
            servicenow_emulator::EmulatorConfig::default(),
        ))
        .unwrap();
    let url = emulator.base_url();
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    if only
        .as_deref()
        .is_none_or(|o| o == "dashboard" || o == "commands")
    {
        let s = Setup::new(&url);
        dashboard(&s);
        commands(&s);
    }
    if only.as_deref().is_none_or(|o| o == "qualytics") {
        qualytics(&runtime, &url);
    }
}
