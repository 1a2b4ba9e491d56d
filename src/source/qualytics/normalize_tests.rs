#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

const RECORD: &str = r#"{"id": 1, "uuid": "5b0c", "type": "record", "status": "Duplicate", "archived": true,
 "weight": 8, "anomalous_records_count": 42, "description": "42 orders have no customer_id\nmore",
 "created": "2026-11-20T09:15:00.000000Z", "fingerprint": 99, "global_tags": [{"name": "sales", "color": null}],
 "assignees": [{"id": 2, "name": "Ben Editor", "email": "b@example.com"}],
 "failed_checks": [{"quality_check": {"id": 1001, "name": "orders.customer_id is not null"}, "message": "customer_id is null"}],
 "datastore": {"id": 1, "name": "Sales Warehouse"}, "container": {"id": 101, "name": "orders"}}"#;

#[test]
fn every_field_maps() {
    let q = QualyticsAnomaly::from_json(RECORD).unwrap();
    let a = to_anomaly(&q, "qx", "https://acme.qualytics.io/");
    assert_eq!(a.id, "1");
    assert_eq!(a.title, "42 orders have no customer_id");
    assert_eq!(a.status, Status::Archived(ArchiveReason::Duplicate));
    assert_eq!(a.severity, Some(Severity::High));
    assert_eq!(a.kind.as_deref(), Some("record"));
    assert_eq!(a.datastore.as_deref(), Some("Sales Warehouse"));
    assert_eq!(a.container.as_deref(), Some("orders"));
    assert_eq!(
        a.failed_checks,
        [FailedCheck {
            name: "orders.customer_id is not null".into(),
            message: "customer_id is null".into()
        }]
    );
    assert_eq!(a.tags, ["sales"]);
    assert_eq!(a.fingerprint.as_deref(), Some("99"));
    assert_eq!(a.detected_at.unwrap().to_string(), "2026-11-20T09:15:00Z");
    assert_eq!(
        a.url.as_deref(),
        Some("https://acme.qualytics.io/anomalies/1")
    );
    assert_eq!(a.raw, RECORD);
    let x = &a.extra.unwrap()["qualytics"];
    assert_eq!(x["archive_reason"], "Duplicate");
    assert_eq!(x["source_name"], "qx");
    assert_eq!(x["assignees"][0], "Ben Editor");
}

#[test]
fn statuses_map_per_the_sheet() {
    use QualyticsStatus as Q;
    assert_eq!(status_of(Q::Active), Status::Active);
    assert_eq!(status_of(Q::Acknowledged), Status::Acknowledged);
    for (q, r) in [
        (Q::Resolved, ArchiveReason::Resolved),
        (Q::Invalid, ArchiveReason::Invalid),
        (Q::Duplicate, ArchiveReason::Duplicate),
        (Q::Discarded, ArchiveReason::Discarded),
    ] {
        assert_eq!(status_of(q), Status::Archived(r));
    }
}

#[test]
fn severity_buckets() {
    let got: Vec<Severity> = [0.0, 1.9, 2.0, 3.0, 4.0, 6.5, 7.0, 8.9, 9.0, 250.0]
        .into_iter()
        .map(severity_of)
        .collect();
    use Severity::*;
    assert_eq!(
        got,
        [
            Info, Info, Low, Low, Medium, Medium, High, High, Critical, Critical
        ]
    );
}

#[test]
fn title_falls_back_to_check_then_id() {
    let q = QualyticsAnomaly::from_json(
        r#"{"id":3,"status":"Active","description":"  ","container":{"id":1,"name":"orders"},
            "failed_checks":[{"quality_check":{"name":"amount between 0 and 10"},"message":"m"}]}"#,
    )
    .unwrap();
    assert_eq!(
        to_anomaly(&q, "s", "http://h").title,
        "amount between 0 and 10 failed on orders"
    );
    let bare = QualyticsAnomaly::from_json(r#"{"id":4,"status":"Active"}"#).unwrap();
    let a = to_anomaly(&bare, "s", "http://h");
    assert_eq!(a.title, "Qualytics anomaly 4");
    assert_eq!(a.severity, None);
    assert_eq!(a.description, None);
}
