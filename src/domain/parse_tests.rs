#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::status::ArchiveReason;

fn err(json: &str) -> String {
    anomaly_from_json(json).unwrap_err().to_string()
}

#[test]
fn full_record() {
    let raw = r#"{"id":"A-1042","title":"Null customer ids","status":"Acknowledged","severity":"HIGH","type":"record","source":"qualytics","detected_at":"2026-11-23T10:30:00Z","description":"d","datastore":"wh","container":"orders","field":"customer_id","failed_checks":[{"name":"notNull","message":"37 nulls"},{"name":"freshness"}],"url":"https://x/A-1042","tags":["sales","pii"],"fingerprint":991,"extra":{"rows":37},"owner":"ann","weight":7}"#;
    let a = anomaly_from_json(raw).unwrap();
    assert_eq!(a.id, "A-1042");
    assert_eq!(a.title, "Null customer ids");
    assert_eq!(a.status, Status::Acknowledged);
    assert_eq!(a.severity, Some(Severity::High));
    assert_eq!(a.kind.as_deref(), Some("record"));
    assert_eq!(a.source.as_deref(), Some("qualytics"));
    assert_eq!(a.detected_at.unwrap().to_string(), "2026-11-23T10:30:00Z");
    assert_eq!(a.failed_checks.len(), 2);
    assert_eq!(a.failed_checks[1].message, "");
    assert_eq!(a.tags, vec!["sales", "pii"]);
    assert_eq!(a.fingerprint.as_deref(), Some("991"));
    assert_eq!(a.extra.unwrap()["rows"], 37);
    assert_eq!(a.rest.len(), 2);
    assert_eq!(a.rest["owner"], "ann");
    assert_eq!(a.rest["weight"], 7);
    assert_eq!(a.raw, raw);
}

#[test]
fn minimal_record_and_integer_id() {
    let a = anomaly_from_json(r#"{"id":17,"title":"t","severity":null}"#).unwrap();
    assert_eq!(a.id, "17");
    assert_eq!(a.status, Status::Active);
    assert_eq!(a.severity, None);
    assert!(a.failed_checks.is_empty() && a.tags.is_empty() && a.rest.is_empty());
}

#[test]
fn archived_statuses() {
    let a = anomaly_from_json(r#"{"id":"1","title":"t","status":"archived"}"#).unwrap();
    assert_eq!(a.status, Status::Archived(ArchiveReason::Resolved));
    let a = anomaly_from_json(r#"{"id":"1","title":"t","status":"Invalid"}"#).unwrap();
    assert_eq!(a.status, Status::Archived(ArchiveReason::Invalid));
}

#[test]
fn field_errors_name_the_field() {
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","severity":"urgent"}"#),
        r#"field "severity": unknown value "urgent" (expected critical|high|medium|low|info)"#
    );
    assert_eq!(err(r#"{"title":"t"}"#), r#"field "id": missing (required)"#);
    assert_eq!(
        err(r#"{"id":"A-1","title":"  "}"#),
        r#"field "title": must not be empty"#
    );
    assert_eq!(
        err(r#"{"id":1.5,"title":"t"}"#),
        r#"field "id": expected a string or an integer, found a number"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":["t"]}"#),
        r#"field "title": expected a string, found an array"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","status":"open"}"#),
        r#"field "status": unknown value "open" (expected active|acknowledged|archived|resolved|invalid|duplicate|discarded)"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","detected_at":"yesterday"}"#),
        r#"field "detected_at": invalid timestamp "yesterday" (expected RFC 3339, e.g. 2026-11-23T10:30:00Z)"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","tags":["a",3]}"#),
        r#"field "tags[1]": expected a string, found a number"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","failed_checks":[{"name":"x"},{"message":"m"}]}"#),
        r#"field "failed_checks[1].name": missing (required)"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","failed_checks":"notNull"}"#),
        r#"field "failed_checks": expected a list of {name, message}, found a string"#
    );
    assert_eq!(
        err(r#"{"id":"A-1","title":"t","extra":[1]}"#),
        r#"field "extra": expected an object, found an array"#
    );
    let e = anomaly_from_json(r#"{"id":"A-1","title":"t","url":5}"#).unwrap_err();
    assert_eq!(e.field(), Some("url"));
}

#[test]
fn syntax_and_shape_errors() {
    assert_eq!(err("[1,2]"), "expected a JSON object, found an array");
    let e = anomaly_from_json("{\"id\":\"A-1\",\n \"title\": }").unwrap_err();
    match e {
        RecordError::Syntax {
            line,
            column,
            ref message,
        } => {
            assert_eq!((line, column), (2, 11));
            assert!(!message.contains(" at line "), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(e.field(), None);
}
