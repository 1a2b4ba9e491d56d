//! Acknowledge written back to the REAL Alertmanager (Debian's `prometheus-alertmanager` on
//! 127.0.0.1) through the binary: `snowlink ack` makes exactly one silence (createdBy snowlink,
//! the alert's exact matchers, a comment naming the linked incident, ending after ack_ttl);
//! `sync --once` renews it in place before it ends; `archive` expires it. And the hard case:
//! the answer of the silence POST is lost (held by a proxy past the client's timeout) after the
//! silence was made; the retry adopts it: still exactly one silence.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alertmanager_common;
mod common;
#[path = "common/holding_proxy.rs"]
mod holding_proxy;

use std::time::Duration;

use alertmanager_common::Alertmanager;
use common::{TestEnv, exit_code, stderr, stdout};
use holding_proxy::HoldingProxy;
use jiff::Timestamp;
use serde_json::{Value, json};
use snowlink::domain::{AnomalyKey, IncidentRef, IncidentState};
use snowlink::source::alertmanager::{
    AlertQuery, AlertmanagerClient, AlertmanagerConfig, to_anomaly,
};
use snowlink::store::{NewLink, RawForm, SourceBatch, Store};

const SOURCE: &str = "am";
const TTL: u64 = 6;

fn store(env: &TestEnv) -> Store {
    Store::open(&env.data_dir().join(snowlink::config::DB_FILE)).unwrap()
}

/// Config with an alertmanager source at `url`; posts one alert to `am`, ingests it as the
/// ingester would (capabilities of the alertmanager kind), links it to a seeded incident.
/// Returns the alert's fingerprint and the incident number.
async fn setup(env: &TestEnv, am: &Alertmanager, url: &str, timeout_secs: u64) -> (String, String) {
    let mut config = std::fs::read_to_string(env.config_path()).unwrap();
    config.push_str(&format!(
        "\n[[sources]]\nname = \"{SOURCE}\"\nkind = \"alertmanager\"\nurl = \"{url}\"\nack_ttl_secs = {TTL}\ntimeout_secs = {timeout_secs}\n"
    ));
    std::fs::write(env.config_path(), config).unwrap();
    am.post_alerts(json!([{
        "labels": {"alertname": "DiskFull", "instance": "db1", "severity": "critical"},
        "annotations": {"summary": "Disk full on db1"}
    }]))
    .await;
    let client = AlertmanagerClient::new(AlertmanagerConfig::new(&am.base)).unwrap();
    let alerts = client.alerts(&AlertQuery::default()).await.unwrap();
    assert_eq!(alerts.len(), 1);
    let rows = vec![to_anomaly(&alerts[0], SOURCE)];
    let caps: Vec<String> = ["acknowledge", "unacknowledge", "archive"]
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut st = store(env);
    st.apply_source_batch(
        &SourceBatch {
            source: SOURCE,
            kind: "alertmanager",
            anomalies: &rows,
            form: RawForm::Payload,
            resolved: &[],
            cursor: None,
            capabilities: &caps,
            problems: 0,
            last: true,
            next_poll_at: None,
        },
        Timestamp::now(),
    )
    .unwrap();
    let inc = env
        .admin_get("/api/now/table/incident?sysparm_limit=1&sysparm_fields=sys_id,number")
        .await;
    let (sys_id, number) = (
        inc["result"][0]["sys_id"].as_str().unwrap().to_string(),
        inc["result"][0]["number"].as_str().unwrap().to_string(),
    );
    st.add_link(
        &NewLink {
            anomaly: AnomalyKey::new(SOURCE, alerts[0].fingerprint.clone()),
            incident: IncidentRef {
                instance: "default".into(),
                table: "incident".into(),
                sys_id,
                number: number.clone(),
            },
            state: IncidentState::default(),
            read_at: None,
            linked_by: "tester".into(),
            linked_at: Timestamp::now(),
        },
        &[],
    )
    .unwrap();
    (alerts[0].fingerprint.clone(), number)
}

/// The silences snowlink made that are not expired.
async fn live_silences(am: &Alertmanager) -> Vec<Value> {
    let all: Vec<Value> = reqwest::get(format!("{}/api/v2/silences", am.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.into_iter()
        .filter(|s| s["createdBy"] == "snowlink" && s["status"]["state"] != "expired")
        .collect()
}

fn ends_at(s: &Value) -> Timestamp {
    s["endsAt"].as_str().unwrap().parse().unwrap()
}

fn secs_between(a: Timestamp, b: Timestamp) -> f64 {
    (b.as_millisecond() - a.as_millisecond()) as f64 / 1000.0
}

#[tokio::test]
async fn ack_silences_once_renewal_extends_it_and_archive_expires_it() {
    let am = Alertmanager::start().await;
    let env = TestEnv::start().await;
    let (fp, number) = setup(&env, &am, &am.base, 5).await;

    let before = Timestamp::now();
    let (out, v) = env.json(&["ack", &fp]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(v["source_delivery"]["delivered"], 1, "{v}");
    let live = live_silences(&am).await;
    assert_eq!(live.len(), 1, "{live:?}");
    let s = &live[0];
    let mut matchers: Vec<(String, String)> = s["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(
                (m["isRegex"].as_bool(), m["isEqual"].as_bool()),
                (Some(false), Some(true))
            );
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        [
            ("alertname".to_string(), "DiskFull".to_string()),
            ("instance".to_string(), "db1".to_string()),
            ("severity".to_string(), "critical".to_string()),
        ]
    );
    assert!(
        s["comment"].as_str().unwrap().contains(&number),
        "the comment names the linked incident: {s}"
    );
    let first_end = ends_at(s);
    let ttl_left = secs_between(before, first_end);
    assert!(
        (TTL as f64 - 1.0..=TTL as f64 + 3.0).contains(&ttl_left),
        "endsAt ≈ now + ack_ttl: {ttl_left}"
    );
    let id = s["id"].as_str().unwrap().to_string();
    let stored = store(&env)
        .source_ref(&AnomalyKey::new(SOURCE, fp.clone()), "silence")
        .unwrap()
        .unwrap();
    assert_eq!(stored.reference, id);

    // Not yet due (more than half the TTL left): sync leaves it alone.
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(ends_at(&live_silences(&am).await[0]), first_end);

    // Less than half left: renewed in place, no second silence.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("silences renewed 1"),
        "{}",
        stdout(&out)
    );
    let live = live_silences(&am).await;
    assert_eq!(live.len(), 1, "renewal made no second silence: {live:?}");
    assert_eq!(live[0]["id"].as_str().unwrap(), id, "updated in place");
    assert!(
        secs_between(first_end, ends_at(&live[0])) >= 2.5,
        "extended: {first_end} -> {}",
        live[0]["endsAt"]
    );

    // Archive: the silence is expired; the archive stays local otherwise.
    let (out, v) = env.json(&["archive", &fp, "--reason", "resolved"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(v["source_delivery"]["delivered"], 1, "{v}");
    assert!(live_silences(&am).await.is_empty());
    assert_eq!(
        store(&env)
            .source_ref(&AnomalyKey::new(SOURCE, fp.clone()), "silence")
            .unwrap(),
        None
    );

    // Comments stay local: Alertmanager has none.
    let (out, v) = env.json(&["comment", &fp, "noted"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(
        v["recorded"][0]["source"]["kept_local"],
        "kept local: am has no comment route"
    );
}

#[tokio::test]
async fn a_lost_silence_answer_is_adopted_on_retry_not_created_twice() {
    let am = Alertmanager::start().await;
    let env = TestEnv::start().await;
    let proxy = HoldingProxy::start(&am.base, "POST", "/api/v2/silences").await;
    // The client gives up after 1 s; the proxy hands the answer back after 4 s: the silence
    // is made, the client never learns it.
    proxy.set_hold(Duration::from_secs(4));
    let (fp, _) = setup(&env, &am, &proxy.url, 1).await;

    let (out, v) = env.json(&["ack", &fp]).await;
    assert_eq!(exit_code(&out), 6, "left queued: {}\n{v}", stderr(&out));
    assert_eq!(v["source_delivery"]["delivered"], 0, "{v}");
    let why = v["source_delivery"]["pending"][0]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(why.contains("did not answer"), "{why}");
    proxy.wait_idle().await;
    assert_eq!(proxy.arrivals(), 1);
    assert_eq!(live_silences(&am).await.len(), 1, "the POST landed");

    proxy.set_hold(Duration::ZERO);
    let (out, v) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(
        v["sources"][0]["reconciled"].as_array().unwrap().len(),
        1,
        "{v}"
    );
    assert_eq!(proxy.arrivals(), 1, "no second POST");
    let live = live_silences(&am).await;
    assert_eq!(live.len(), 1, "exactly one silence: {live:?}");
    let stored = store(&env)
        .source_ref(&AnomalyKey::new(SOURCE, fp.clone()), "silence")
        .unwrap()
        .unwrap();
    assert_eq!(stored.reference, live[0]["id"].as_str().unwrap());
}
