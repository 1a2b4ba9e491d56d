//! Helpers shared by the sync tests (on top of `tests/common`): incidents made through the
//! Table API, a store opened from the test to enqueue deliveries, a config with sync knobs, and
//! the emulator's request log.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use snowlink::domain::{AnomalyKey, IncidentRef, IncidentState};
use snowlink::store::{Delivery, DeliveryKind, NewDelivery, NewLink, OutboxId, Store};

use crate::common::{SAMPLE, TestEnv};

/// Rewrites the test config (user `user`, password `password`) with extra instance keys, e.g.
/// `max_in_flight = 8` or `timeout_secs = 1`.
pub fn write_config(env: &TestEnv, user: &str, password: &str, extra: &str) {
    write_config_url(env, &env.url, user, password, extra);
}

/// Same, pointing at `url` (a port with nothing listening simulates an outage).
pub fn write_config_url(env: &TestEnv, url: &str, user: &str, password: &str, extra: &str) {
    let timeout = if extra.contains("timeout_secs") {
        ""
    } else {
        "timeout_secs = 10\n"
    };
    let text = format!(
        r#"user = "Test Engineer"

[instances.default]
url = "{url}"
username = "{user}"
password_env = "SNOWLINK_TEST_PASSWORD"
{timeout}poll_interval_secs = 1
{extra}

[[sources]]
name = "warehouse-dq"
kind = "file"
path = "{SAMPLE}"
"#
    );
    std::fs::write(env.config_path(), text).unwrap();
    std::fs::write(env.dir.path().join("password"), password).unwrap();
}

pub fn open_store(env: &TestEnv) -> Store {
    Store::open(&env.data_dir().join("snowlink.db")).unwrap()
}

/// Creates `n` incidents as admin; returns them as the `default` instance's refs.
pub async fn create_incidents(env: &TestEnv, n: usize) -> Vec<IncidentRef> {
    let http = reqwest::Client::new();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let resp: Value = http
            .post(format!("{}/api/now/table/incident", env.url))
            .basic_auth("admin", Some("admin"))
            .header("Accept", "application/json")
            .json(&json!({"short_description": format!("sync test incident {i}")}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        out.push(IncidentRef {
            instance: "default".into(),
            table: "incident".into(),
            sys_id: resp["result"]["sys_id"].as_str().unwrap().to_string(),
            number: resp["result"]["number"].as_str().unwrap().to_string(),
        });
    }
    out
}

/// Enqueues `per_incident` notes to each incident, interleaved across incidents (as real
/// traffic is). Returns the expected texts per incident, in order.
pub fn enqueue_notes(
    store: &mut Store,
    incidents: &[IncidentRef],
    per_incident: usize,
    tag: &str,
) -> Vec<Vec<String>> {
    let mut expected = vec![Vec::new(); incidents.len()];
    for k in 0..per_incident {
        for (i, inc) in incidents.iter().enumerate() {
            let text = format!(
                "[2026-11-23 10:00:00 UTC] {tag} note {k} for {}",
                inc.number
            );
            enqueue_note(store, inc, &text);
            expected[i].push(text);
        }
    }
    expected
}

pub fn enqueue_note(store: &mut Store, inc: &IncidentRef, text: &str) -> OutboxId {
    store
        .enqueue(
            &NewDelivery::to_incident(inc, DeliveryKind::WorkNote, text, None),
            jiff::Timestamp::now(),
        )
        .unwrap()
}

/// The emulator's request log (Table API calls only).
pub async fn requests(env: &TestEnv) -> Vec<Value> {
    env.control(reqwest::Method::GET, "/__emulator/requests", None)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub async fn clear_requests(env: &TestEnv) {
    env.control(reqwest::Method::DELETE, "/__emulator/requests", None)
        .await;
}

pub async fn add_fault(env: &TestEnv, spec: &str) {
    let v = env
        .control(
            reqwest::Method::POST,
            "/__emulator/faults",
            Some(json!({ "spec": spec })),
        )
        .await;
    assert!(v.is_array(), "fault {spec} refused: {v}");
}

pub async fn clear_faults(env: &TestEnv) {
    env.control(reqwest::Method::DELETE, "/__emulator/faults", None)
        .await;
}

/// PATCH requests to incidents in the log.
pub fn patches(log: &[Value]) -> usize {
    log.iter()
        .filter(|r| {
            r["method"] == "PATCH" && r["path"].as_str().unwrap_or("").contains("/incident/")
        })
        .count()
}

/// Asserts each incident's journal holds exactly its expected notes, in order (other notes,
/// e.g. from the seed, are ignored: only notes whose text is in `expected` count).
pub async fn assert_exactly_once_in_order(
    env: &TestEnv,
    incidents: &[IncidentRef],
    expected: &[Vec<String>],
) {
    let (lost, duplicated) = count_lost_duplicated(env, incidents, expected).await;
    assert_eq!((lost, duplicated), (0, 0), "lost / duplicated notes");
}

/// (lost, duplicated) over all incidents; panics if the order differs.
pub async fn count_lost_duplicated(
    env: &TestEnv,
    incidents: &[IncidentRef],
    expected: &[Vec<String>],
) -> (usize, usize) {
    let (mut lost, mut dup) = (0, 0);
    for (inc, want) in incidents.iter().zip(expected) {
        let got: Vec<String> = env
            .work_notes(&inc.sys_id)
            .await
            .into_iter()
            .filter(|n| want.contains(n))
            .collect();
        for w in want {
            let c = got.iter().filter(|g| *g == w).count();
            let expected_count = want.iter().filter(|x| *x == w).count();
            if c < expected_count {
                lost += expected_count - c;
            }
            if c > expected_count {
                dup += c - expected_count;
            }
        }
        if lost == 0 && dup == 0 {
            assert_eq!(&got, want, "order of notes on {}", inc.number);
        }
    }
    (lost, dup)
}

/// Loads anomaly `id` into source `wh`.
pub fn seed_anomaly(store: &mut Store, id: &str) -> AnomalyKey {
    let raw =
        format!(r#"{{"id":"{id}","title":"Anomaly {id}","severity":"high","type":"record"}}"#);
    let a = snowlink::domain::anomaly_from_json(&raw).unwrap();
    store
        .upsert_anomalies("wh", &[a], jiff::Timestamp::now())
        .unwrap();
    AnomalyKey::new("wh", id)
}

/// Links anomaly `key` to `inc` (queueing nothing).
pub fn link(store: &mut Store, key: &AnomalyKey, inc: &IncidentRef) {
    let l = NewLink {
        anomaly: key.clone(),
        incident: inc.clone(),
        state: IncidentState::default(),
        read_at: None,
        linked_by: "tester".into(),
        linked_at: jiff::Timestamp::now(),
    };
    store.add_link(&l, &[]).unwrap();
}

/// Simulates a worker that claimed the queue heads and died: claims them for a dead owner
/// with a lease that has already run out, so the next worker gets them outcome-unknown.
pub fn claim_and_die(store: &mut Store, max: usize) -> Vec<Delivery> {
    let claimed = store
        .claim_next_for(
            "default",
            "dead-worker",
            jiff::Timestamp::now(),
            std::time::Duration::from_millis(1),
            max,
        )
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    claimed
}

/// Appends a work note as admin (what a request that landed before a crash did).
pub async fn admin_note(env: &TestEnv, sys_id: &str, text: &str) {
    let resp = reqwest::Client::new()
        .patch(format!("{}/api/now/table/incident/{sys_id}", env.url))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .json(&json!({ "work_notes": text }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
}

pub fn ids(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Starts the real binary in the background with the test's config, data dir and password
/// (the same environment `TestEnv::run` uses).
pub fn spawn(env: &TestEnv, args: &[&str]) -> tokio::process::Child {
    env.command(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Sends SIGTERM to a child (as `kill` does).
pub fn terminate(child: &tokio::process::Child) {
    let pid = child.id().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Polls the store until no delivery is left undelivered; false after `limit`.
pub async fn wait_until_drained(env: &TestEnv, limit: std::time::Duration) -> bool {
    let store = open_store(env);
    let start = std::time::Instant::now();
    loop {
        let counts = store.outbox_counts(jiff::Timestamp::now()).unwrap();
        if counts.undelivered() == 0 {
            return true;
        }
        if start.elapsed() >= limit {
            eprintln!("outbox not drained after {limit:?}: {counts:?}");
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
