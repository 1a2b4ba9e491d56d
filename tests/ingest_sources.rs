//! The ingester through the real binary (docs/sources.md): NDJSON files tailed from a durable
//! cursor (appended bytes only; truncated or replaced files re-read; a partial line waits), JSON
//! arrays re-read only when changed, commands that read the store and never a source unless
//! asked, a Qualytics source (the emulator over HTTP) paged and polled for new anomalies and
//! status changes, a real Alertmanager's alerts, and a failing source that names its cause while
//! the others keep working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alertmanager_common;
mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use alertmanager_common::Alertmanager;
use common::{TestEnv, exit_code, stderr, stdout};
use qualytics_emulator::{Emulator, EmulatorConfig, NewAnomaly, Ref, Seed, SeedData};
use serde_json::{Value, json};

fn line(id: &str, title: &str) -> String {
    format!("{{\"id\":\"{id}\",\"title\":\"{title}\",\"severity\":\"high\"}}\n")
}

/// A config with the emulator instance and these `[[sources]]` tables.
fn configure(env: &TestEnv, sources: &str) {
    let text = format!(
        r#"user = "Test Engineer"

[instances.default]
url = "{url}"
username = "itil"
password_env = "SNOWLINK_TEST_PASSWORD"
timeout_secs = 10

{sources}
"#,
        url = env.url
    );
    std::fs::write(env.config_path(), text).unwrap();
}

fn file_source(name: &str, path: &Path) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\nkind = \"file\"\npath = \"{}\"\n",
        path.display()
    )
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// `snowlink --json load`: the one source's outcome.
async fn load(env: &TestEnv) -> Value {
    let (out, v) = env.json(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    v["sources"][0].clone()
}

async fn ids(env: &TestEnv, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--json"];
    args.extend_from_slice(extra);
    args.push("anomalies");
    let out = env.run(&args).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut ids: Vec<String> = v["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn ndjson(env: &TestEnv, name: &str, lines: &[(&str, &str)]) -> PathBuf {
    let path = env.dir.path().join(name);
    let text: String = lines.iter().map(|(i, t)| line(i, t)).collect();
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ndjson_file_is_tailed_appended_bytes_only_and_restarted_when_replaced_or_truncated() {
    let env = TestEnv::start().await;
    let path = ndjson(&env, "dq.ndjson", &[("A-1", "one"), ("A-2", "two")]);
    configure(&env, &file_source("dq", &path));

    let first = load(&env).await;
    assert_eq!(
        (first["inserted"].as_u64(), first["updated"].as_u64()),
        (Some(2), Some(0))
    );

    // Two appended lines, the second one partial: only the appended bytes are read, and the
    // partial line waits for its newline.
    let before = std::fs::metadata(&path).unwrap().len();
    let added = line("A-3", "three");
    let partial = "{\"id\":\"A-4\",\"title\":\"fo";
    append(&path, &added);
    append(&path, partial);
    let second = load(&env).await;
    assert_eq!(second["inserted"], 1, "{second}");
    assert_eq!(
        second["unchanged"], 0,
        "the lines before the cursor were not read again"
    );
    assert_eq!(
        second["bytes_read"].as_u64(),
        Some((added.len() + partial.len()) as u64),
        "only the appended bytes were read: {second}"
    );
    assert_eq!(ids(&env, &[]).await, ["A-1", "A-2", "A-3"]);
    append(&path, "ur\"}\n");
    let third = load(&env).await;
    assert_eq!(third["inserted"], 1, "{third}");
    assert!(std::fs::metadata(&path).unwrap().len() > before);

    // A bad appended line is reported with its whole-file line number; the rest goes on.
    append(&path, "{not json\n");
    append(&path, &line("A-5", "five"));
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("line 5:"), "{}", stderr(&out));

    // Replaced by another file (a new inode): read from the start; known rows are unchanged.
    let fresh = env.dir.path().join("next.ndjson");
    std::fs::write(
        &fresh,
        format!("{}{}", line("A-1", "one"), line("B-1", "new file")),
    )
    .unwrap();
    std::fs::rename(&fresh, &path).unwrap();
    let replaced = load(&env).await;
    assert_eq!(
        (
            replaced["inserted"].as_u64(),
            replaced["unchanged"].as_u64()
        ),
        (Some(1), Some(1)),
        "{replaced}"
    );

    // Truncated and rewritten in place: read from the start again.
    std::fs::write(&path, line("C-1", "after truncation")).unwrap();
    let truncated = load(&env).await;
    assert_eq!(truncated["inserted"], 1, "{truncated}");
    assert!(ids(&env, &[]).await.contains(&"C-1".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_read_the_store_and_a_source_only_on_first_use_or_when_asked() {
    let env = TestEnv::start().await;
    let path = ndjson(&env, "dq.ndjson", &[("A-1", "one")]);
    configure(&env, &file_source("dq", &path));
    // First use: the source has never been read, so the command reads it.
    assert_eq!(ids(&env, &[]).await, ["A-1"]);
    append(&path, &line("A-2", "two"));
    // Not re-read by a plain command, nor by ack.
    assert_eq!(ids(&env, &[]).await, ["A-1"]);
    let ack = env.run(&["ack", "A-1"]).await;
    assert_eq!(exit_code(&ack), 0, "{}", stderr(&ack));
    assert_eq!(ids(&env, &[]).await, ["A-1"]);
    // Asked: --refresh reads it (incrementally).
    assert_eq!(ids(&env, &["--refresh"]).await, ["A-1", "A-2"]);
    // The acknowledge was not undone by the reads.
    let (_, show) = env.json(&["show", "A-1"]).await;
    assert_eq!(show["status"], "acknowledged", "{show}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_array_is_re_read_only_when_it_changed() {
    let env = TestEnv::start().await;
    let path = env.dir.path().join("dq.json");
    std::fs::write(
        &path,
        r#"[{"id":"J-1","title":"one"},{"id":"J-2","title":"two"}]"#,
    )
    .unwrap();
    configure(&env, &file_source("dq", &path));
    let first = load(&env).await;
    assert_eq!(first["inserted"], 2, "{first}");
    let quiet = load(&env).await;
    assert_eq!(quiet["bytes_read"], 0, "unchanged: not read: {quiet}");
    assert_eq!(quiet["unchanged"], 0, "{quiet}");
    std::fs::write(
        &path,
        r#"[{"id":"J-1","title":"one, edited"},{"id":"J-2","title":"two"}]"#,
    )
    .unwrap();
    let changed = load(&env).await;
    assert_eq!(
        (changed["updated"].as_u64(), changed["unchanged"].as_u64()),
        (Some(1), Some(1)),
        "{changed}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_source_names_its_cause_and_fix_and_the_others_keep_working() {
    let env = TestEnv::start().await;
    let path = ndjson(&env, "dq.ndjson", &[("A-1", "one")]);
    let dead = common::free_port();
    configure(
        &env,
        &format!(
            "{}\n[[sources]]\nname = \"alerts\"\nkind = \"alertmanager\"\nurl = \"http://127.0.0.1:{dead}\"\ntimeout_secs = 2\n",
            file_source("dq", &path)
        ),
    );
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "one source was read: {}", stderr(&out));
    assert!(
        stdout(&out).contains("dq: 1 anomalies read"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("source alerts:"), "{}", stderr(&out));
    assert_eq!(ids(&env, &[]).await, ["A-1"]);
    let health = env.run(&["sources"]).await;
    assert_eq!(
        exit_code(&health),
        1,
        "a failing source makes `sources` exit 1"
    );
    let text = stdout(&health);
    assert!(text.contains("dq (file): ok"), "{text}");
    assert!(text.contains("alerts (alertmanager): FAILING x1"), "{text}");
    assert!(text.contains("next try in"), "{text}");
    let (_, v) = env.json(&["sources"]).await;
    let alerts = &v["sources"][1];
    assert_eq!(alerts["health"], "failing");
    assert!(
        alerts["last_error"].as_str().unwrap().contains("127.0.0.1"),
        "{alerts}"
    );
    assert!(alerts["next_poll_at"].is_string(), "{alerts}");
    // Every reading command names the failing source.
    let list = env.run(&["anomalies"]).await;
    assert!(
        stderr(&list).contains("source alerts:"),
        "{}",
        stderr(&list)
    );
}

fn seeded(n: u64) -> Seed {
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    Seed::Data(SeedData {
        users: Vec::new(),
        anomalies: (0..n)
            .map(|i| NewAnomaly {
                created: Some((start + jiff::SignedDuration::from_mins(i as i64)).to_string()),
                ..NewAnomaly::new(ds(), container(), format!("anomaly {i}"))
            })
            .collect(),
    })
}

fn ds() -> Ref {
    Ref {
        id: 7,
        name: "Big".into(),
    }
}

fn container() -> Ref {
    Ref {
        id: 70,
        name: "events".into(),
    }
}

/// The Qualytics emulator seeded with `n` anomalies, and a file holding its admin token (read by
/// the source's `token_command`, so a test can revoke it).
async fn qualytics(env: &TestEnv, n: u64) -> (Emulator, PathBuf) {
    let (emu, _) = Emulator::start(EmulatorConfig {
        seed: seeded(n),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let token_file = env.dir.path().join("qualytics-token");
    std::fs::write(&token_file, emu.admin_token()).unwrap();
    (emu, token_file)
}

fn qualytics_source(name: &str, emu: &Emulator, token_file: &Path) -> String {
    format!(
        "[[sources]]\nname = \"{name}\"\nkind = \"qualytics\"\nurl = \"{}\"\ntoken_command = \"cat {}\"\n",
        emu.base_url(),
        token_file.display()
    )
}

fn anomaly_gets(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with("/api/anomalies"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn qualytics_is_paged_once_then_polled_for_new_anomalies_and_status_changes() {
    let env = TestEnv::start().await;
    let (emu, token_file) = qualytics(&env, 250).await;
    configure(&env, &qualytics_source("dq", &emu, &token_file));
    let first = load(&env).await;
    assert_eq!(first["inserted"], 250, "{first}");
    assert_eq!(first["requests"], 3, "⌈250 / 100⌉ pages: {first}");
    assert_eq!(anomaly_gets(&emu), 3, "no page read twice");

    // One new anomaly, one archived in Qualytics, one reactivated-by-scan candidate.
    let added = emu
        .add_anomaly(NewAnomaly::new(ds(), container(), "late one"))
        .unwrap();
    let client = reqwest::Client::new();
    let res = client
        .delete(format!(
            "{}/anomalies/5?archive=true&status=Invalid",
            emu.api_url()
        ))
        .bearer_auth(emu.admin_token())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    emu.clear_requests();
    let second = load(&env).await;
    assert_eq!(second["inserted"], 1, "{second}");
    // The new one, plus the open ones re-read (3 pages), plus the one that left the open list.
    assert_eq!(second["requests"], 1 + 3 + 1, "{second}");
    assert!(second["status_changes"].as_u64().unwrap() >= 1, "{second}");
    let (_, show) = env.json(&["show", "5"]).await;
    assert_eq!(
        show["status"], "archived:invalid",
        "archived in Qualytics: {show}"
    );
    let history = show["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["user"], "source:dq", "{show}");
    let (_, new_one) = env.json(&["show", &added.id.to_string()]).await;
    assert_eq!(
        new_one["anomaly"]["url"].as_str().unwrap(),
        format!("{}/anomalies/{}", emu.base_url(), added.id).as_str(),
        "{new_one}"
    );

    // Reactivated by a scan (archived → Active) and auto-resolved by a full scan: both are found
    // by the re-poll and followed locally, as made by the source.
    emu.reactivate(5).unwrap();
    emu.auto_resolve(7).unwrap();
    let fourth = load(&env).await;
    assert_eq!(fourth["status_changes"], 2, "{fourth}");
    let (_, five) = env.json(&["show", "5"]).await;
    assert_eq!(five["status"], "active", "reactivated by a scan: {five}");
    let (_, seven) = env.json(&["show", "7"]).await;
    assert_eq!(
        seven["status"], "archived:resolved",
        "auto-resolved: {seven}"
    );

    // A later poll reads the new ones and the open ones, never the archived history.
    emu.clear_requests();
    let third = load(&env).await;
    assert_eq!(third["inserted"], 0);
    assert_eq!(
        third["updated"], 0,
        "nothing changed: nothing written: {third}"
    );
    assert!(
        emu.requests()
            .iter()
            .all(|r| !r.query.contains("archived=only") && !r.query.contains("status=Invalid")),
        "archived history read"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn alertmanager_alerts_become_anomalies_and_resolve_when_they_stop() {
    let env = TestEnv::start().await;
    let am = Alertmanager::start().await;
    am.post_alerts(json!([
        {"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
         "annotations": {"summary": "Disk full on db1"}},
        {"labels": {"alertname": "HighLatency", "severity": "warning", "service": "api"}}
    ]))
    .await;
    configure(
        &env,
        &format!(
            "[[sources]]\nname = \"alerts\"\nkind = \"alertmanager\"\nurl = \"{}\"\n",
            am.base
        ),
    );
    let first = load(&env).await;
    assert_eq!(first["inserted"], 2, "{first}");
    let (_, list) = env.json(&["anomalies"]).await;
    let disk = list["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Disk full on db1")
        .unwrap()
        .clone();
    assert_eq!(disk["severity"], "critical");
    assert_eq!(disk["type"], "DiskFull");
    let id = disk["key"]["id"].as_str().unwrap().to_owned();
    let (_, show) = env.json(&["show", &id]).await;
    assert!(
        show["anomaly"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("instance=db1")),
        "{show}"
    );

    // Re-sent (Alertmanager moves updatedAt): a quiet poll writes nothing.
    am.post_alerts(
        json!([{"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
         "annotations": {"summary": "Disk full on db1"}}]),
    )
    .await;
    let quiet = load(&env).await;
    assert_eq!(
        (quiet["inserted"].as_u64(), quiet["updated"].as_u64()),
        (Some(0), Some(0)),
        "{quiet}"
    );

    // The producer resolves it (endsAt now): the source resolves the anomaly.
    let now = jiff::Timestamp::now();
    am.post_alerts(
        json!([{"labels": {"alertname": "DiskFull", "severity": "critical", "instance": "db1"},
         "annotations": {"summary": "Disk full on db1"}, "endsAt": now.to_string()}]),
    )
    .await;
    let resolved = load(&env).await;
    assert_eq!(resolved["status_changes"], 1, "{resolved}");
    let (_, show) = env.json(&["show", &id]).await;
    assert_eq!(show["status"], "archived:resolved", "{show}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_or_broken_qualytics_backs_off_and_loses_nothing() {
    use qualytics_emulator::{FaultKind, FaultSpec};
    let env = TestEnv::start().await;
    let (emu, token_file) = qualytics(&env, 30).await;
    configure(&env, &qualytics_source("dq", &emu, &token_file));
    assert_eq!(load(&env).await["inserted"], 30);

    // 429 with Retry-After: the next attempt waits at least that long; the store keeps all 30.
    emu.add_fault(
        FaultSpec::new(FaultKind::RateLimit {
            retry_after_secs: 300,
        })
        .times(1),
    );
    let out = env.run(&["--json", "load"]).await;
    assert_eq!(exit_code(&out), 2, "{}", stderr(&out));
    let (_, v) = env.json(&["sources"]).await;
    let st = &v["sources"][0];
    assert_eq!(st["health"], "failing", "{st}");
    assert_eq!(st["failures"], 1);
    let next: jiff::Timestamp = st["next_poll_at"].as_str().unwrap().parse().unwrap();
    let wait = next.duration_since(jiff::Timestamp::now()).as_secs();
    assert!(
        (250..=300).contains(&wait),
        "Retry-After honoured: next try in {wait} s"
    );
    assert_eq!(ids(&env, &[]).await.len(), 30, "nothing lost");

    // A malformed page: a clear error, nothing lost; then a good read clears the health.
    emu.add_fault(FaultSpec::new(FaultKind::MalformedPage).times(1));
    let out = env.run(&["load"]).await;
    assert_ne!(exit_code(&out), 0);
    assert!(stderr(&out).contains("source dq:"), "{}", stderr(&out));
    assert_eq!(ids(&env, &[]).await.len(), 30, "nothing lost");
    assert_eq!(load(&env).await["error"], Value::Null);
    let (_, v) = env.json(&["sources"]).await;
    assert_eq!(v["sources"][0]["health"], "ok", "{v}");
    assert_eq!(v["sources"][0]["failures"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_watch_ingests_an_appended_line_while_it_runs() {
    let env = TestEnv::start().await;
    let path = ndjson(&env, "dq.ndjson", &[("A-1", "one")]);
    configure(&env, &file_source("dq", &path));
    let mut watch = env.command(&["sync", "--watch"]);
    watch
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = watch.spawn().unwrap();
    // The watcher reads the source itself; nothing else loads it.
    let seen = |want: &'static str| {
        let env = &env;
        async move {
            for _ in 0..300 {
                let out = env.run(&["--json", "anomalies"]).await;
                let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
                if v["anomalies"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["key"]["id"] == want))
                {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            false
        }
    };
    assert!(seen("A-1").await, "the watcher read the file");
    append(&path, &line("A-2", "appended while watching"));
    assert!(
        seen("A-2").await,
        "the appended line reached the store without a load"
    );
    child.start_kill().unwrap();
    let _ = child.wait().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_token_or_a_wrong_shaped_answer_is_named_per_source_and_loses_nothing() {
    use qualytics_emulator::{FaultKind, FaultSpec};
    let env = TestEnv::start().await;
    let (emu, token_file) = qualytics(&env, 5).await;
    let path = ndjson(&env, "dq.ndjson", &[("F-1", "from the file")]);
    configure(
        &env,
        &format!(
            "{}\n{}",
            file_source("dq", &path),
            qualytics_source("q", &emu, &token_file)
        ),
    );
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(ids(&env, &[]).await.len(), 6);

    // The token is revoked: the cause and the fix, per source; the file source still reads.
    std::fs::write(&token_file, "not-a-valid-token").unwrap();
    append(&path, &line("F-2", "still read"));
    let out = env.run(&["load"]).await;
    assert_eq!(
        exit_code(&out),
        0,
        "the file source was read: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(
        err.contains("source q: Qualytics refused the token"),
        "{err}"
    );
    assert!(
        err.contains("update token_command/token_env of this source"),
        "{err}"
    );
    assert_eq!(
        ids(&env, &[]).await.len(),
        7,
        "nothing lost, the file's new line read"
    );

    // A 200 answer of the wrong shape: named, nothing lost.
    std::fs::write(&token_file, emu.admin_token()).unwrap();
    emu.add_fault(FaultSpec::new(FaultKind::WrongShape).times(1));
    let out = env.run(&["load"]).await;
    assert!(stderr(&out).contains("source q:"), "{}", stderr(&out));
    assert_eq!(ids(&env, &[]).await.len(), 7);
    let (_, v) = env.json(&["sources"]).await;
    let q = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "q")
        .unwrap()
        .clone();
    assert_eq!(q["health"], "failing", "{q}");
}
