//! The Alertmanager source client against the real Alertmanager (Debian's 0.25) on 127.0.0.1:
//! listing and mapping, acknowledge as a silence (create, renew, expire), resolution, filters.
//! A missing binary fails naming `scripts/test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alertmanager_common;

use std::time::Duration;

use alertmanager_common::{Alertmanager, find_binary};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use snowlink::domain::{Severity, Status};
use snowlink::source::alertmanager::{
    Alert, AlertQuery, AlertState, AlertmanagerClient, AlertmanagerConfig, AlertmanagerError,
    Matcher, SilenceId, SilenceState, ack_silence_for, is_resolved, to_anomaly,
};

fn client(am: &Alertmanager, tweak: impl FnOnce(&mut AlertmanagerConfig)) -> AlertmanagerClient {
    let mut cfg = AlertmanagerConfig::new(&am.base);
    cfg.timeout = Duration::from_secs(10);
    tweak(&mut cfg);
    AlertmanagerClient::new(cfg).unwrap()
}

/// Whole seconds: Alertmanager answers times in milliseconds, so these compare exactly.
fn seconds_from_now(secs: i64) -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second() + secs).unwrap()
}

fn by_name<'a>(alerts: &'a [Alert], name: &str) -> &'a Alert {
    alerts
        .iter()
        .find(|a| a.labels.get("alertname").is_some_and(|n| n == name))
        .unwrap_or_else(|| panic!("no alert {name} in {alerts:?}"))
}

fn names(alerts: &[Alert]) -> Vec<String> {
    let mut n: Vec<String> = alerts
        .iter()
        .map(|a| a.labels["alertname"].clone())
        .collect();
    n.sort();
    n
}

#[tokio::test]
async fn alerts_are_listed_and_mapped_to_anomalies() {
    let am = Alertmanager::start().await;
    let started = seconds_from_now(-600);
    am.post_alerts(json!([
        {
            "labels": {"alertname": "DiskFull", "severity": "critical", "team": "db", "instance": "db1"},
            "annotations": {"summary": "Disk full on db1", "description": "95% of /var used"},
            "generatorURL": "http://prometheus.local/graph?g0.expr=disk",
            "startsAt": started.to_string()
        },
        {"labels": {"alertname": "HighLatency", "severity": "warning", "service": "api"}}
    ]))
    .await;

    let alerts = client(&am, |_| {})
        .alerts(&AlertQuery::default())
        .await
        .unwrap();
    assert_eq!(names(&alerts), ["DiskFull", "HighLatency"]);

    let disk = by_name(&alerts, "DiskFull");
    assert_eq!(disk.status.state, AlertState::Active);
    assert_eq!(disk.receivers, ["db-null"]);
    assert!(!is_resolved(disk, Timestamp::now()));
    let a = to_anomaly(disk, "am-test");
    assert_eq!(a.id, disk.fingerprint);
    assert_eq!(a.fingerprint.as_deref(), Some(disk.fingerprint.as_str()));
    assert_eq!(a.title, "Disk full on db1");
    assert_eq!(a.description.as_deref(), Some("95% of /var used"));
    assert_eq!(a.kind.as_deref(), Some("DiskFull"));
    assert_eq!(a.severity, Some(Severity::Critical));
    assert_eq!(a.status, Status::Active);
    assert_eq!(a.source.as_deref(), Some("am-test"));
    assert_eq!(
        a.url.as_deref(),
        Some("http://prometheus.local/graph?g0.expr=disk")
    );
    assert_eq!(a.detected_at, Some(started));
    assert_eq!(
        a.tags,
        [
            "alertname=DiskFull",
            "instance=db1",
            "severity=critical",
            "team=db"
        ]
    );
    let raw: Value = serde_json::from_str(&a.raw).unwrap();
    assert_eq!(
        raw["fingerprint"],
        disk.fingerprint.as_str(),
        "raw is the alert JSON"
    );
    assert_eq!(raw["labels"]["instance"], "db1");

    let latency = to_anomaly(by_name(&alerts, "HighLatency"), "am-test");
    assert_eq!(latency.title, "HighLatency (service=api)");
    assert_eq!(latency.severity, Some(Severity::Medium));
    assert_eq!(latency.url, None);
    assert_ne!(latency.id, a.id, "one anomaly per fingerprint");
}

#[tokio::test]
async fn acknowledge_silences_exactly_that_alert_and_renew_and_expire_follow() {
    let am = Alertmanager::start().await;
    am.post_alerts(json!([
        {"labels": {"alertname": "DiskFull", "instance": "db1"}},
        {"labels": {"alertname": "DiskFull", "instance": "db2"}}
    ]))
    .await;
    let c = client(&am, |_| {});
    let all = AlertQuery::default();
    let alerts = c.alerts(&all).await.unwrap();
    let db1 = alerts
        .iter()
        .find(|a| a.labels["instance"] == "db1")
        .unwrap()
        .clone();

    // Acknowledge: the exact silence snowlink sends.
    let linked = ["INC0010001".to_owned(), "INC0010002".to_owned()];
    let spec = ack_silence_for(&db1, &linked, Duration::from_secs(3600)).unwrap();
    let id = c.create_silence(&spec).await.unwrap();
    let silence = c.silence(&id).await.unwrap();
    assert_eq!(silence.id, id);
    assert_eq!(silence.status.state, SilenceState::Active);
    assert_eq!(silence.created_by, "snowlink");
    assert_eq!(
        silence.comment,
        "acknowledged in snowlink; linked INC0010001, INC0010002"
    );
    let mut matchers = silence.matchers.clone();
    matchers.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        matchers,
        [
            Matcher::equal("alertname", "DiskFull"),
            Matcher::equal("instance", "db1")
        ]
    );

    let alerts = c.alerts(&all).await.unwrap();
    let state_of = |alerts: &[Alert], instance: &str| {
        let a = alerts
            .iter()
            .find(|a| a.labels["instance"] == instance)
            .unwrap();
        (a.status.state, a.status.silenced_by.clone())
    };
    assert_eq!(
        state_of(&alerts, "db1"),
        (AlertState::Suppressed, vec![id.to_string()])
    );
    assert_eq!(
        state_of(&alerts, "db2"),
        (AlertState::Active, vec![]),
        "labels match exactly: the other instance is not silenced"
    );
    let suppressed = to_anomaly(
        alerts
            .iter()
            .find(|a| a.labels["instance"] == "db1")
            .unwrap(),
        "am",
    );
    assert_eq!(suppressed.status, Status::Active, "suppressed stays active");
    let extra = &suppressed.extra.unwrap()["alertmanager"];
    assert_eq!(extra["state"], "suppressed");
    assert_eq!(extra["silencedBy"], json!([id.to_string()]));
    // The flags reach Alertmanager: without silenced alerts, only db2 is listed.
    let unsilenced = c
        .alerts(&AlertQuery {
            silenced: false,
            ..all
        })
        .await
        .unwrap();
    assert_eq!(unsilenced.len(), 1);
    assert_eq!(unsilenced[0].labels["instance"], "db2");

    // Renew: a later end, the alert still silenced by the id we keep.
    let later = seconds_from_now(3 * 3600);
    assert!(later > silence.ends_at);
    let renewed = c
        .renew_silence(
            &id,
            later,
            Some("acknowledged in snowlink; linked INC0010001"),
        )
        .await
        .unwrap();
    let after = c.silence(&renewed).await.unwrap();
    assert_eq!(after.ends_at, later);
    assert_eq!(after.status.state, SilenceState::Active);
    assert_eq!(after.comment, "acknowledged in snowlink; linked INC0010001");
    let alerts = c.alerts(&all).await.unwrap();
    assert_eq!(
        state_of(&alerts, "db1"),
        (AlertState::Suppressed, vec![renewed.to_string()])
    );

    // Un-acknowledge: expired, the alert active again; expiring twice is harmless.
    c.expire_silence(&renewed).await.unwrap();
    assert_eq!(
        c.silence(&renewed).await.unwrap().status.state,
        SilenceState::Expired
    );
    let alerts = c.alerts(&all).await.unwrap();
    assert_eq!(state_of(&alerts, "db1"), (AlertState::Active, vec![]));
    c.expire_silence(&renewed).await.unwrap();
    let e = c.renew_silence(&renewed, later, None).await.unwrap_err();
    assert!(
        matches!(e, AlertmanagerError::SilenceExpired { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("acknowledge the alert again"), "{e}");
}

#[tokio::test]
async fn an_alert_whose_end_has_passed_is_resolved_and_no_longer_listed() {
    let am = Alertmanager::start().await;
    let c = client(&am, |_| {});
    am.post_alerts(json!([{"labels": {"alertname": "Flapping", "instance": "a"}}]))
        .await;
    let firing = c.alerts(&AlertQuery::default()).await.unwrap();
    assert_eq!(names(&firing), ["Flapping"]);
    let alert = &firing[0];
    assert!(!is_resolved(alert, Timestamp::now()));
    assert!(is_resolved(
        alert,
        alert.ends_at + SignedDuration::from_secs(1)
    ));

    // The producer says it ended (as Prometheus does on resolve), and a second alert arrives
    // already over.
    am.post_alerts(json!([
        {"labels": {"alertname": "Flapping", "instance": "a"},
         "endsAt": seconds_from_now(-60).to_string()},
        {"labels": {"alertname": "Brief"},
         "startsAt": seconds_from_now(-600).to_string(),
         "endsAt": seconds_from_now(-300).to_string()}
    ]))
    .await;
    let now_listed = c.alerts(&AlertQuery::default()).await.unwrap();
    assert!(now_listed.is_empty(), "{now_listed:?}");
}

#[tokio::test]
async fn filter_matchers_and_receiver_regex_narrow_the_list() {
    let am = Alertmanager::start().await;
    am.post_alerts(json!([
        {"labels": {"alertname": "DbDown", "team": "db", "severity": "critical"}},
        {"labels": {"alertname": "DbSlow", "team": "db", "severity": "warning"}},
        {"labels": {"alertname": "ApiDown", "team": "api", "severity": "critical"}}
    ]))
    .await;
    let all = AlertQuery::default();
    let list = |tweak: fn(&mut AlertmanagerConfig)| {
        let c = client(&am, tweak);
        async move { names(&c.alerts(&all).await.unwrap()) }
    };
    assert_eq!(
        list(|c| c.filters = vec![r#"team="db""#.into()]).await,
        ["DbDown", "DbSlow"]
    );
    assert_eq!(
        list(|c| c.filters = vec![r#"team="db""#.into(), r#"severity=~"crit.*""#.into()]).await,
        ["DbDown"]
    );
    assert_eq!(
        list(|c| c.receiver = Some("db-.*".into())).await,
        ["DbDown", "DbSlow"]
    );
    // Alertmanager anchors the regex: "null" is not "db-null".
    assert_eq!(
        list(|c| c.receiver = Some("null".into())).await,
        ["ApiDown"]
    );

    let bad_filter = client(&am, |c| c.filters = vec!["team".into()]);
    let e = bad_filter.alerts(&all).await.unwrap_err();
    assert!(
        matches!(e, AlertmanagerError::Rejected { status: 400, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("check the filter matchers"), "{e}");
    let bad_receiver = client(&am, |c| c.receiver = Some("[db".into()));
    let e = bad_receiver.alerts(&all).await.unwrap_err();
    assert!(matches!(e, AlertmanagerError::Rejected { .. }), "{e:?}");
}

#[tokio::test]
async fn an_unknown_silence_is_not_found_and_a_bad_id_is_rejected() {
    let am = Alertmanager::start().await;
    let c = client(&am, |_| {});
    let unknown = SilenceId("00000000-0000-0000-0000-000000000000".into());
    let e = c.silence(&unknown).await.unwrap_err();
    assert!(
        matches!(e, AlertmanagerError::NotFound { status: 404, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("acknowledge again"), "{e}");
    let e = c.expire_silence(&unknown).await.unwrap_err();
    assert!(matches!(e, AlertmanagerError::NotFound { .. }), "{e:?}");
    let e = c.silence(&SilenceId("nonsense".into())).await.unwrap_err();
    assert!(
        matches!(e, AlertmanagerError::Rejected { status: 422, .. }),
        "{e:?}"
    );
}

#[test]
fn a_missing_binary_fails_naming_scripts_test() {
    let empty = tempfile::tempdir().unwrap();
    let e = find_binary(None, Some(empty.path().as_os_str().to_owned())).unwrap_err();
    assert!(e.contains("scripts/test"), "{e}");
    let e = find_binary(Some("/nonexistent/alertmanager".into()), None).unwrap_err();
    assert!(e.contains("scripts/test"), "{e}");
    std::fs::write(empty.path().join("prometheus-alertmanager"), "").unwrap();
    let found = find_binary(None, Some(empty.path().as_os_str().to_owned())).unwrap();
    assert!(
        found.ends_with("prometheus-alertmanager"),
        "Debian's name is found"
    );
}
