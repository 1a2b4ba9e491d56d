#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::{Anomaly, ArchiveReason};
use crate::store::test_support::{incident, open_temp, t};
use crate::store::{
    DeliveryKind, DeliveryState, NewLink, OutboxFilter, RawForm, SourceBatch, StoreError,
};

const ALL: [&str; 4] = ["acknowledge", "unacknowledge", "archive", "comment"];

/// Source `q` (kind `qualytics`) with anomalies `ids`, able to do `caps`.
fn source(store: &mut Store, kind: &str, ids: &[&str], caps: &[&str]) {
    let rows: Vec<Anomaly> = ids.iter().map(|id| Anomaly::new(*id, "t")).collect();
    let caps: Vec<String> = caps.iter().map(|c| c.to_string()).collect();
    store
        .apply_source_batch(
            &SourceBatch {
                source: "q",
                kind,
                anomalies: &rows,
                form: RawForm::Payload,
                resolved: &[],
                cursor: None,
                capabilities: &caps,
                problems: 0,
                last: true,
                next_poll_at: None,
            },
            t(0),
        )
        .unwrap();
}

fn k(id: &str) -> AnomalyKey {
    AnomalyKey::new("q", id)
}

fn source_rows(store: &Store) -> Vec<crate::store::Delivery> {
    store
        .outbox_list(&OutboxFilter {
            instance: Some("source:q".into()),
            ..OutboxFilter::default()
        })
        .unwrap()
}

#[test]
fn user_changes_queue_one_source_delivery_each_in_one_fifo_per_anomaly() {
    let (_d, mut s) = open_temp();
    source(&mut s, "qualytics", &["1", "2"], &ALL);
    let ack = s
        .record_status_change(&k("1"), Status::Acknowledged, "ann", t(1))
        .unwrap();
    let unack = s
        .record_status_change(&k("1"), Status::Active, "ann", t(2))
        .unwrap();
    let arch = s
        .record_status_change(
            &k("1"),
            Status::Archived(ArchiveReason::Invalid),
            "ann",
            t(3),
        )
        .unwrap();
    let other = s
        .record_status_change(&k("2"), Status::Acknowledged, "ann", t(4))
        .unwrap();
    for c in [&ack, &unack, &arch, &other] {
        assert!(c.source.outbox.is_some(), "{c:?}");
        assert_eq!(c.source.kept_local, None);
        assert!(c.outbox.is_empty(), "no link, no work note");
    }
    let rows = source_rows(&s);
    let kinds: Vec<_> = rows.iter().map(|d| (d.kind, d.payload.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (DeliveryKind::SourceAck, "acknowledge"),
            (DeliveryKind::SourceUnack, "unacknowledge"),
            (DeliveryKind::SourceArchive, "invalid"),
            (DeliveryKind::SourceAck, "acknowledge"),
        ]
    );
    assert_eq!(
        rows.iter().map(|d| d.seq).collect::<Vec<_>>(),
        [1, 2, 3, 1],
        "one queue per anomaly"
    );
    for d in &rows {
        assert_eq!(d.table, SOURCE_TABLE);
        assert_eq!(d.instance, "source:q");
        assert_eq!(d.anomaly.as_ref().unwrap().source, "q");
        assert_eq!(
            d.sys_id.as_deref(),
            Some(d.anomaly.as_ref().unwrap().id.as_str())
        );
    }
    // Only the head of anomaly 1's queue and anomaly 2's are claimable, in order.
    let claimed = s
        .claim_next_for(
            "source:q",
            "w",
            t(10),
            std::time::Duration::from_secs(5),
            10,
        )
        .unwrap();
    assert_eq!(
        claimed.iter().map(|d| d.id).collect::<Vec<_>>(),
        [rows[0].id, rows[3].id]
    );
}

#[test]
fn a_comment_goes_to_the_source_only_with_a_comment_route() {
    let (_d, mut s) = open_temp();
    source(
        &mut s,
        "qualytics",
        &["1"],
        &["acknowledge", "unacknowledge", "archive"],
    );
    let c = s
        .record_comment(&k("1"), "ann", "looked at it", t(1))
        .unwrap();
    assert_eq!(c.source.outbox, None);
    assert_eq!(
        c.source.kept_local.as_deref(),
        Some("kept local: q has no comment route")
    );
    assert!(source_rows(&s).is_empty());

    source(&mut s, "qualytics", &["1"], &ALL);
    let c = s
        .record_comment(&k("1"), "ann", "looked at it", t(2))
        .unwrap();
    let id = c.source.outbox.unwrap();
    let d = s.outbox_get(id).unwrap().unwrap();
    assert_eq!(d.kind, DeliveryKind::SourceComment);
    assert_eq!(d.payload, "looked at it\n\n— ann (via snowlink)");
}

#[test]
fn actions_a_source_cannot_take_stay_local_and_say_why() {
    let (_d, mut s) = open_temp();
    source(
        &mut s,
        "alertmanager",
        &["f1"],
        &["acknowledge", "unacknowledge", "archive"],
    );
    let c = s.record_comment(&k("f1"), "ann", "x", t(1)).unwrap();
    assert_eq!(
        c.source.kept_local.as_deref(),
        Some("kept local: q has no comment route")
    );
    let arch = s
        .record_status_change(
            &k("f1"),
            Status::Archived(ArchiveReason::Resolved),
            "ann",
            t(2),
        )
        .unwrap();
    assert!(arch.source.outbox.is_some());
    let reopen = s
        .record_status_change(&k("f1"), Status::Active, "ann", t(3))
        .unwrap();
    assert_eq!(
        reopen.source.kept_local.as_deref(),
        Some("kept local: q cannot reopen an archived anomaly")
    );

    let (_d2, mut f) = open_temp();
    source(&mut f, "file", &["a"], &[]);
    let c = f
        .record_status_change(&k("a"), Status::Acknowledged, "ann", t(1))
        .unwrap();
    assert_eq!(
        c.source.kept_local.as_deref(),
        Some("kept local: q is a file source (no write-back)")
    );
    assert!(source_rows(&f).is_empty());
}

#[test]
fn a_status_change_made_by_the_source_is_never_written_back() {
    let (_d, mut s) = open_temp();
    source(&mut s, "qualytics", &["1", "2"], &ALL);
    // The source itself acknowledges 1 and archives 2: the ingester applies it as the source.
    let mut changed = Anomaly::new("1", "t");
    changed.status = Status::Acknowledged;
    let caps: Vec<String> = ALL.iter().map(|c| c.to_string()).collect();
    let r = s
        .apply_source_batch(
            &SourceBatch {
                source: "q",
                kind: "qualytics",
                anomalies: &[changed],
                form: RawForm::Payload,
                resolved: &["2".to_string()],
                cursor: None,
                capabilities: &caps,
                problems: 0,
                last: true,
                next_poll_at: None,
            },
            t(5),
        )
        .unwrap();
    assert_eq!(r.status_changes, 2);
    assert_eq!(
        s.get_anomaly(&k("1")).unwrap().unwrap().status,
        Status::Acknowledged
    );
    assert!(
        source_rows(&s).is_empty(),
        "loop guard: nothing queued for the source"
    );
}

#[test]
fn no_change_queues_nothing() {
    let (_d, mut s) = open_temp();
    source(&mut s, "qualytics", &["1"], &ALL);
    let c = s
        .record_status_change(&k("1"), Status::Active, "ann", t(1))
        .unwrap();
    assert!(!c.changed);
    assert_eq!(c.source, SourceWrite::default());
}

#[test]
fn refs_are_set_with_the_delivery_and_listed_while_acknowledged() {
    let (_d, mut s) = open_temp();
    source(&mut s, "alertmanager", &["f1"], &ALL);
    let l = NewLink {
        anomaly: k("f1"),
        incident: incident("s1"),
        state: crate::domain::IncidentState::default(),
        read_at: None,
        linked_by: "ann".into(),
        linked_at: t(1),
    };
    s.add_link(&l, &[]).unwrap();
    let c = s
        .record_status_change(&k("f1"), Status::Acknowledged, "ann", t(2))
        .unwrap();
    assert_eq!(c.outbox.len(), 1, "the work note still goes to ServiceNow");
    let id = c.source.outbox.unwrap();
    assert!(s.source_delivery_queued(&k("f1")).unwrap());
    let claimed = s
        .claim_next_for("source:q", "w", t(3), std::time::Duration::from_secs(5), 10)
        .unwrap();
    assert_eq!(
        claimed.len(),
        1,
        "a ServiceNow row is never claimed for a source"
    );
    let set = RefChange::Set {
        kind: "silence".into(),
        reference: "sil-1".into(),
        until: Some(t(100)),
    };
    assert!(matches!(
        s.complete_source_delivery(id, "other", &set, t(4)),
        Err(StoreError::LeaseLost { .. })
    ));
    s.complete_source_delivery(id, "w", &set, t(4)).unwrap();
    assert_eq!(
        s.outbox_get(id).unwrap().unwrap().state,
        DeliveryState::Delivered
    );
    assert!(!s.source_delivery_queued(&k("f1")).unwrap());
    let r = s.source_ref(&k("f1"), "silence").unwrap().unwrap();
    assert_eq!((r.reference.as_str(), r.until), ("sil-1", Some(t(100))));
    assert_eq!(s.acknowledged_refs("q", "silence").unwrap().len(), 1);

    s.set_source_ref(&k("f1"), "silence", "sil-2", Some(t(200)), t(5))
        .unwrap();
    let r = s.source_ref(&k("f1"), "silence").unwrap().unwrap();
    assert_eq!((r.reference.as_str(), r.created_at), ("sil-2", t(4)));

    s.record_status_change(&k("f1"), Status::Active, "ann", t(6))
        .unwrap();
    assert!(
        s.acknowledged_refs("q", "silence").unwrap().is_empty(),
        "not acknowledged any more: nothing to renew"
    );
    s.remove_source_ref(&k("f1"), "silence").unwrap();
    assert_eq!(s.source_ref(&k("f1"), "silence").unwrap(), None);
}
