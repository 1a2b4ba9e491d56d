#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::{ArchiveReason, anomaly_from_json};
use crate::store::test_support::{anomaly, key, link, open_temp, seed, t};

fn parse(raw: &str) -> Anomaly {
    anomaly_from_json(raw).unwrap()
}

#[test]
fn upsert_inserts_updates_and_follows_only_the_sources_own_status_changes() {
    let (_d, mut store) = open_temp();
    let a1 = parse(r#"{"id":"A-1","title":"old","status":"acknowledged","owner":"ann"}"#);
    let r = store
        .upsert_anomalies("wh", &[a1.clone(), anomaly("A-2")], t(0))
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (2, 0, 0));
    let got = store.get_anomaly(&key("A-1")).unwrap().unwrap();
    assert_eq!(
        got.status,
        Status::Acknowledged,
        "starts as the source status"
    );
    assert_eq!(got.anomaly.rest["owner"], "ann", "raw payload kept");
    assert_eq!(got.first_seen_at, t(0));

    store
        .record_status_change(
            &key("A-1"),
            Status::Archived(ArchiveReason::Invalid),
            "bob",
            t(5),
        )
        .unwrap();
    let a1b = parse(r#"{"id":"A-1","title":"new","status":"active"}"#);
    let r = store
        .upsert_anomalies("wh", &[a1b, anomaly("A-2")], t(10))
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
    let got = store.get_anomaly(&key("A-1")).unwrap().unwrap();
    assert_eq!(got.anomaly.title, "new");
    assert_eq!(
        got.anomaly.status,
        Status::Active,
        "source status refreshed"
    );
    assert_eq!(
        got.status,
        Status::Active,
        "the source reactivated it (acknowledged -> active): the local status follows"
    );
    assert_eq!(got.status_changed_by.as_deref(), Some("source:wh"));
    assert_eq!((got.first_seen_at, got.last_seen_at), (t(0), t(10)));
    let a2 = store.get_anomaly(&key("A-2")).unwrap().unwrap();
    assert_eq!(
        a2.last_seen_at,
        t(0),
        "unchanged rows are not written at all"
    );
    // A reload whose source status did not change keeps the local status.
    store
        .record_status_change(&key("A-2"), Status::Acknowledged, "bob", t(11))
        .unwrap();
    store
        .upsert_anomalies("wh", &[anomaly("A-2")], t(12))
        .unwrap();
    let a2 = store.get_anomaly(&key("A-2")).unwrap().unwrap();
    assert_eq!(
        a2.status,
        Status::Acknowledged,
        "a local status is never overwritten by a reload"
    );
    assert!(store.get_anomaly(&key("nope")).unwrap().is_none());
    assert_eq!(store.count_anomalies().unwrap(), 2);
}

#[test]
fn same_id_in_two_sources() {
    let (_d, mut store) = open_temp();
    store
        .upsert_anomalies("wh", &[anomaly("A-1")], t(0))
        .unwrap();
    store
        .upsert_anomalies("lake", &[anomaly("A-1"), anomaly("B-1")], t(0))
        .unwrap();
    assert_eq!(store.count_anomalies().unwrap(), 3);
    assert_eq!(
        store.resolve_anomaly_id("B-1").unwrap(),
        AnomalyKey::new("lake", "B-1")
    );
    let err = store.resolve_anomaly_id("A-1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "anomaly id A-1 is ambiguous: it exists in sources lake, wh; name the source"
    );
    assert!(matches!(
        store.resolve_anomaly_id("Z").unwrap_err(),
        StoreError::AnomalyNotFound(_)
    ));
}

#[test]
fn list_filters_and_order() {
    let (_d, mut store) = open_temp();
    let recs = [
        r#"{"id":"A-1","title":"Null customer_id","detected_at":"2026-11-20T00:00:00Z","datastore":"snowflake"}"#,
        r#"{"id":"A-2","title":"Dup 100% keys","detected_at":"2026-11-22T00:00:00Z","severity":"low"}"#,
        r#"{"id":"A-3","title":"No date","field":"CUSTOMER_ID"}"#,
        r#"{"id":"A-4","title":"Fresh","detected_at":"2026-11-21T00:00:00Z","status":"duplicate"}"#,
    ];
    let list: Vec<Anomaly> = recs.iter().map(|r| parse(r)).collect();
    store.upsert_anomalies("wh", &list, t(0)).unwrap();
    store
        .record_status_change(&key("A-2"), Status::Acknowledged, "ann", t(1))
        .unwrap();
    link(&mut store, "A-1", "s1");

    let ids = |f: AnomalyFilter| -> Vec<String> {
        store
            .list_anomalies(&f)
            .unwrap()
            .into_iter()
            .map(|r| r.key.id)
            .collect()
    };
    assert_eq!(ids(AnomalyFilter::default()), ["A-2", "A-4", "A-1", "A-3"]);
    let f = |status| AnomalyFilter {
        status: Some(status),
        ..Default::default()
    };
    assert_eq!(ids(f(StatusFilter::Active)), ["A-1", "A-3"]);
    assert_eq!(ids(f(StatusFilter::Acknowledged)), ["A-2"]);
    assert_eq!(ids(f(StatusFilter::Archived)), ["A-4"]);
    assert_eq!(ids(f(StatusFilter::Open)), ["A-2", "A-1", "A-3"]);
    assert_eq!(
        ids(f(StatusFilter::Exactly(Status::Archived(
            ArchiveReason::Duplicate
        )))),
        ["A-4"]
    );
    assert_eq!(
        ids(AnomalyFilter {
            linked: Some(true),
            ..Default::default()
        }),
        ["A-1"]
    );
    assert_eq!(
        ids(AnomalyFilter {
            linked: Some(false),
            ..Default::default()
        }),
        ["A-2", "A-4", "A-3"]
    );
    let text = |s: &str| AnomalyFilter {
        text: Some(s.into()),
        ..Default::default()
    };
    assert_eq!(
        ids(text("customer_id")),
        ["A-1", "A-3"],
        "title and field, any case"
    );
    assert_eq!(ids(text("SNOWFLAKE")), ["A-1"]);
    assert_eq!(ids(text("100%")), ["A-2"], "% is literal");
    assert!(ids(text("A_1")).is_empty(), "_ is literal");
    assert_eq!(
        ids(AnomalyFilter {
            limit: Some(2),
            ..Default::default()
        }),
        ["A-2", "A-4"]
    );
    assert!(
        ids(AnomalyFilter {
            source: Some("lake".into()),
            ..Default::default()
        })
        .is_empty()
    );

    let rows = store.list_anomalies(&AnomalyFilter::default()).unwrap();
    let a1 = rows.iter().find(|r| r.key.id == "A-1").unwrap();
    assert_eq!(a1.link_count, 1);
    assert_eq!(a1.datastore.as_deref(), Some("snowflake"));
    let a2 = &rows[0];
    assert_eq!(
        (a2.status, a2.source_status),
        (Status::Acknowledged, Status::Active)
    );
    assert_eq!(a2.severity, Some(Severity::Low));
}

#[test]
fn bulk_upsert_in_one_transaction() {
    let (_d, mut store) = open_temp();
    let list: Vec<Anomaly> = (0..2000).map(|i| anomaly(&format!("A-{i}"))).collect();
    let r = store.upsert_anomalies("wh", &list, t(0)).unwrap();
    assert_eq!(r.inserted, 2000);
    let r = store.upsert_anomalies("wh", &list, t(1)).unwrap();
    assert_eq!(r.unchanged, 2000);
    seed(&mut store, &["A-1"]);
    assert_eq!(store.count_anomalies().unwrap(), 2000);
}

#[test]
fn anomaly_without_raw_round_trips_through_its_serialization() {
    let (_d, mut store) = open_temp();
    let mut a = Anomaly::new("A-9", "Built in code");
    a.status = Status::Archived(ArchiveReason::Discarded);
    a.severity = Some(Severity::Info);
    a.detected_at = Some(t(3));
    a.failed_checks = vec![crate::domain::FailedCheck {
        name: "freshness".into(),
        message: "late".into(),
    }];
    a.tags = vec!["x".into()];
    a.extra = Some(serde_json::json!({"k": 1}));
    a.rest.insert("weight".into(), serde_json::json!(7));
    store
        .upsert_anomalies("wh", std::slice::from_ref(&a), t(0))
        .unwrap();
    let got = store.get_anomaly(&key("A-9")).unwrap().unwrap();
    let mut expected = a.clone();
    expected.raw = got.anomaly.raw.clone();
    assert_eq!(got.anomaly, expected);
    assert_eq!(got.status, Status::Archived(ArchiveReason::Discarded));
}

#[test]
fn change_fingerprint_moves_with_status_comments_and_links_only() {
    let (_d, mut store) = open_temp();
    seed(&mut store, &["A-1"]);
    let f0 = store.change_fingerprint().unwrap();
    assert_eq!(
        f0,
        store.change_fingerprint().unwrap(),
        "stable while nothing changes"
    );
    store
        .record_status_change(&key("A-1"), Status::Acknowledged, "ann", t(10))
        .unwrap();
    let f1 = store.change_fingerprint().unwrap();
    assert_ne!(f0, f1);
    store
        .record_comment(&key("A-1"), "ann", "hi", t(11))
        .unwrap();
    let f2 = store.change_fingerprint().unwrap();
    assert_ne!(f1, f2);
    link(&mut store, "A-1", "s1");
    assert_ne!(f2, store.change_fingerprint().unwrap());
}
