#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::source::alertmanager::model::parse_alerts;

fn alert(json: &str) -> Alert {
    parse_alerts(format!("[{json}]").as_bytes())
        .unwrap()
        .remove(0)
}

const FIRING: &str = r#"{"annotations":{"summary":"Disk full on db1","description":"95% used","runbook":"r"},"endsAt":"2026-12-01T09:42:03.969Z","fingerprint":"0ce2b3be841edbfa","receivers":[{"name":"db-null"}],"startsAt":"2026-12-01T09:37:03.969Z","status":{"inhibitedBy":[],"silencedBy":["s-1"],"state":"suppressed"},"updatedAt":"2026-12-01T09:37:04.000Z","generatorURL":"http://prom/graph?g0.expr=x","labels":{"alertname":"DiskFull","instance":"db1","severity":"warning","team":"db"}}"#;

#[test]
fn an_alert_maps_field_by_field() {
    let a = to_anomaly(&alert(FIRING), "am-prod");
    assert_eq!(a.id, "0ce2b3be841edbfa");
    assert_eq!(a.fingerprint.as_deref(), Some("0ce2b3be841edbfa"));
    assert_eq!(a.title, "Disk full on db1");
    assert_eq!(a.description.as_deref(), Some("95% used"));
    assert_eq!(a.kind.as_deref(), Some("DiskFull"));
    assert_eq!(a.severity, Some(Severity::Medium));
    assert_eq!(a.source.as_deref(), Some("am-prod"));
    assert_eq!(a.url.as_deref(), Some("http://prom/graph?g0.expr=x"));
    assert_eq!(
        a.detected_at,
        Some("2026-12-01T09:37:03.969Z".parse().unwrap())
    );
    assert_eq!(
        a.tags,
        [
            "alertname=DiskFull",
            "instance=db1",
            "severity=warning",
            "team=db"
        ]
    );
    assert_eq!(a.status, Status::Active, "suppressed stays active");
    let extra = &a.extra.as_ref().unwrap()["alertmanager"];
    assert_eq!(extra["state"], "suppressed");
    assert_eq!(extra["suppressed"], true);
    assert_eq!(extra["silencedBy"], json!(["s-1"]));
    assert_eq!(extra["receivers"], json!(["db-null"]));
    assert_eq!(a.raw, FIRING, "raw is the alert's bytes");
}

#[test]
fn title_falls_back_to_the_alert_name_and_labels() {
    let no_summary = FIRING.replace(r#""summary":"Disk full on db1","#, "");
    assert_eq!(
        to_anomaly(&alert(&no_summary), "s").title,
        "DiskFull (instance=db1, team=db)"
    );
    let blank = FIRING.replace("Disk full on db1", "  ");
    assert_eq!(
        to_anomaly(&alert(&blank), "s").title,
        "DiskFull (instance=db1, team=db)"
    );
    let only_name = no_summary.replace(
        r#""alertname":"DiskFull","instance":"db1","severity":"warning","team":"db""#,
        r#""alertname":"Watchdog""#,
    );
    assert_eq!(to_anomaly(&alert(&only_name), "s").title, "Watchdog");
    let nameless = no_summary.replace(r#""alertname":"DiskFull","#, "");
    let a = to_anomaly(&alert(&nameless), "s");
    assert_eq!(a.title, "alert 0ce2b3be841edbfa (instance=db1, team=db)");
    assert_eq!(a.kind, None);
}

#[test]
fn severity_labels_and_their_synonyms() {
    for (label, want) in [
        ("critical", Some(Severity::Critical)),
        ("PAGE", Some(Severity::Critical)),
        ("error", Some(Severity::High)),
        ("high", Some(Severity::High)),
        ("warning", Some(Severity::Medium)),
        ("Medium", Some(Severity::Medium)),
        ("minor", Some(Severity::Low)),
        ("low", Some(Severity::Low)),
        ("info", Some(Severity::Info)),
        ("none", Some(Severity::Info)),
        ("whatever", None),
    ] {
        assert_eq!(severity(label), want, "{label}");
    }
    let no_severity = FIRING.replace(r#","severity":"warning""#, "");
    assert_eq!(to_anomaly(&alert(&no_severity), "s").severity, None);
}

#[test]
fn resolved_once_ends_at_has_passed() {
    let a = alert(FIRING);
    let before: Timestamp = "2026-12-01T09:40:00Z".parse().unwrap();
    let after: Timestamp = "2026-12-01T09:42:04Z".parse().unwrap();
    assert!(!is_resolved(&a, before));
    assert!(is_resolved(&a, a.ends_at), "endsAt itself is the end");
    assert!(is_resolved(&a, after));
    let no_end = FIRING.replace("2026-12-01T09:42:03.969Z", "0001-01-01T00:00:00.000Z");
    assert!(!is_resolved(&alert(&no_end), after), "Go zero time: no end");
}
