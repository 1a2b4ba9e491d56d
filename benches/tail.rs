//! The NDJSON tail on the path a running dashboard will take (docs/benchmarks.md, "Sources"):
//! a 100k-line file (~45 MB, ~450 bytes a line) read from no cursor, then 1,000 appended lines
//! read from the cursor, then an idle poll; and, for JSON array files, the cost of deciding a
//! 45 MB file changed (`json_changed` hashes it). Budget context: 1,000 lines appended to a
//! 100k-line file must reach a running dashboard within 2 s (the tail is one part of that).
//! Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench tail`. Env: `BENCH_LINES` (100000), `BENCH_APPEND` (1000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use snowlink::source::{FileChange, SourceLimits, json_changed, tail_ndjson};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One realistic anomaly line of about 450 bytes.
fn anomaly_line(i: usize) -> String {
    let severity = ["critical", "high", "medium", "low", "info"][i % 5];
    let status = ["active", "acknowledged", "active", "archived:invalid"][i % 4];
    format!(
        concat!(
            "{{\"id\":\"A-{i}\",\"title\":\"Null CUSTOMER_ID in ANALYTICS.ORDERS_{m}\",",
            "\"status\":\"{status}\",\"severity\":\"{severity}\",",
            "\"detected_at\":\"2026-11-23T07:12:44Z\",",
            "\"datastore\":\"snowflake-prod\",\"container\":\"ANALYTICS.ORDERS_{m}\",",
            "\"field\":\"CUSTOMER_ID\",\"failed_checks\":[{{\"name\":\"notNull\",",
            "\"message\":\"37 records have a null CUSTOMER_ID\"}}],",
            "\"url\":\"https://dq.example.com/a/A-{i}\",\"tags\":[\"sales\",\"pii\"],",
            "\"fingerprint\":\"{i:08x}\",\"extra\":{{\"anomalous_records\":10,\"scan_id\":{i}}}}}\n"
        ),
        i = i,
        m = i % 97,
        status = status,
        severity = severity,
    )
}

fn write_lines(path: &Path, from: usize, to: usize) -> u64 {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let mut w = BufWriter::new(file);
    let mut bytes = 0;
    for i in from..to {
        let line = anomaly_line(i);
        bytes += line.len() as u64;
        w.write_all(line.as_bytes()).unwrap();
    }
    w.flush().unwrap();
    bytes
}

/// Peak resident set size so far (`VmHWM`), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak (Linux: writing 5 to clear_refs), so each figure is its own phase's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn show_rss() -> String {
    peak_rss_mb().map_or_else(|| "unavailable".into(), |mb| format!("{mb:.0} MB"))
}

fn main() {
    let n = env_usize("BENCH_LINES", 100_000);
    let appended = env_usize("BENCH_APPEND", 1_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("anomalies.ndjson");
    let size = write_lines(&path, 0, n);
    let limits = SourceLimits::default();
    println!(
        "snowlink tail bench: {n} lines, {:.1} MB ({} bytes a line)",
        size as f64 / 1e6,
        size / n.max(1) as u64
    );

    reset_peak_rss();
    let started = Instant::now();
    let first = tail_ndjson(&path, None, &limits).unwrap();
    let first_time = started.elapsed();
    println!(
        "{:<44} {:>9.1} ms  {} records, {} problems, peak RSS {}",
        "first read (no cursor)",
        first_time.as_secs_f64() * 1e3,
        first.anomalies.len(),
        first.problems.len(),
        show_rss()
    );
    let cursor = first.cursor;
    drop(first);

    let added = write_lines(&path, n, n + appended);
    reset_peak_rss();
    let started = Instant::now();
    let tail = tail_ndjson(&path, Some(&cursor), &limits).unwrap();
    let tail_time = started.elapsed();
    println!(
        "{:<44} {:>9.3} ms  {} records, {} of {} appended bytes read, peak RSS {} (includes what the allocator kept from the first read)",
        format!("tail after {appended} appended lines"),
        tail_time.as_secs_f64() * 1e3,
        tail.anomalies.len(),
        tail.bytes_read,
        added,
        show_rss()
    );

    let started = Instant::now();
    let idle = tail_ndjson(&path, Some(&tail.cursor), &limits).unwrap();
    println!(
        "{:<44} {:>9.3} ms  {} bytes read",
        "idle poll (nothing appended)",
        started.elapsed().as_secs_f64() * 1e3,
        idle.bytes_read
    );

    let started = Instant::now();
    let change = json_changed(&path, None, &limits).unwrap();
    let hash_time = started.elapsed();
    let FileChange::Changed(stamp) = change else {
        panic!("a first stamp is always a change");
    };
    let started = Instant::now();
    let again = json_changed(&path, Some(&stamp), &limits).unwrap();
    println!(
        "{:<44} {:>9.1} ms  (then unchanged: {:.3} ms, {again:?})",
        format!("json_changed: hash {:.0} MB", (size + added) as f64 / 1e6),
        hash_time.as_secs_f64() * 1e3,
        started.elapsed().as_secs_f64() * 1e3
    );
}
