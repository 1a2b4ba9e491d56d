#![allow(clippy::unwrap_used, clippy::expect_used)]
use jiff::Timestamp;

use super::*;
use crate::domain::{Anomaly, AnomalyKey, ArchiveReason, Status};
use crate::store::test_support::open_temp;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_700_000_000 + s).unwrap()
}

fn batch<'a>(anomalies: &'a [Anomaly], resolved: &'a [String], cursor: &'a str) -> SourceBatch<'a> {
    SourceBatch {
        source: "am",
        kind: "alertmanager",
        anomalies,
        form: RawForm::Payload,
        resolved,
        cursor: Some(cursor),
        capabilities: &[],
        problems: 0,
        last: true,
        next_poll_at: Some(t(60)),
    }
}

#[test]
fn a_batch_stores_rows_cursor_and_health_together_and_unchanged_rows_are_not_rewritten() {
    let (_d, mut store) = open_temp();
    let rows = vec![Anomaly::new("f1", "disk full"), Anomaly::new("f2", "cpu")];
    let r = store
        .apply_source_batch(&batch(&rows, &[], "c1"), t(0))
        .unwrap();
    assert_eq!((r.inserted, r.updated), (2, 0));
    let rev = store.max_rev().unwrap();
    let r = store
        .apply_source_batch(&batch(&rows, &[], "c2"), t(1))
        .unwrap();
    assert_eq!((r.inserted, r.updated, r.unchanged), (0, 0, 2));
    assert_eq!(store.max_rev().unwrap(), rev, "nothing was rewritten");
    let st = store.source_state("am").unwrap().unwrap();
    assert_eq!(st.cursor.as_deref(), Some("c2"));
    assert_eq!(st.last_success_at, Some(t(1)));
    assert_eq!(st.next_poll_at, Some(t(60)));
    assert_eq!(st.last_changed, 0);
}

#[test]
fn a_failure_keeps_data_and_cursor_and_a_success_clears_it() {
    let (_d, mut store) = open_temp();
    let rows = vec![Anomaly::new("f1", "disk full")];
    store
        .apply_source_batch(&batch(&rows, &[], "c1"), t(0))
        .unwrap();
    assert_eq!(
        store
            .record_source_failure("am", "alertmanager", "refused; start it", t(9), t(2))
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .record_source_failure("am", "alertmanager", "refused; start it", t(9), t(3))
            .unwrap(),
        2
    );
    let st = store.source_state("am").unwrap().unwrap();
    assert_eq!((st.failures, st.cursor.as_deref()), (2, Some("c1")));
    assert_eq!(st.last_error.as_deref(), Some("refused; start it"));
    assert_eq!(store.count_anomalies().unwrap(), 1);
    store
        .apply_source_batch(&batch(&rows, &[], "c2"), t(4))
        .unwrap();
    let st = store.source_state("am").unwrap().unwrap();
    assert_eq!((st.failures, st.last_error), (0, None));
}

#[test]
fn the_source_resolving_an_alert_archives_it_locally_as_the_source() {
    let (_d, mut store) = open_temp();
    let rows = vec![Anomaly::new("f1", "disk full")];
    store
        .apply_source_batch(&batch(&rows, &[], "c1"), t(0))
        .unwrap();
    let key = AnomalyKey::new("am", "f1");
    store
        .record_status_change(&key, Status::Acknowledged, "ann", t(1))
        .unwrap();
    let r = store
        .apply_source_batch(&batch(&[], &["f1".to_owned()], "c2"), t(2))
        .unwrap();
    assert_eq!(r.status_changes, 1);
    let got = store.get_anomaly(&key).unwrap().unwrap();
    assert_eq!(got.status, Status::Archived(ArchiveReason::Resolved));
    let history = store.status_history(&key).unwrap();
    assert_eq!(history.last().unwrap().user, "source:am");
}

#[test]
fn a_source_status_change_is_applied_locally_but_a_local_one_is_kept_otherwise() {
    let (_d, mut store) = open_temp();
    let mut a = Anomaly::new("q1", "nulls");
    store
        .apply_source_batch(&batch(std::slice::from_ref(&a), &[], "c"), t(0))
        .unwrap();
    let key = AnomalyKey::new("am", "q1");
    // Title edits at the source do not touch the local status.
    a.title = "nulls in orders".into();
    store
        .apply_source_batch(&batch(std::slice::from_ref(&a), &[], "c"), t(1))
        .unwrap();
    assert_eq!(
        store.get_anomaly(&key).unwrap().unwrap().status,
        Status::Active
    );
    // Archived at the source: the local status follows.
    a.status = Status::Archived(ArchiveReason::Invalid);
    let r = store
        .apply_source_batch(&batch(std::slice::from_ref(&a), &[], "c"), t(2))
        .unwrap();
    assert_eq!(r.status_changes, 1);
    let got = store.get_anomaly(&key).unwrap().unwrap();
    assert_eq!(got.status, Status::Archived(ArchiveReason::Invalid));
    assert_eq!(got.anomaly.title, "nulls in orders");
}

#[test]
fn rows_since_a_revision_are_the_changed_ones_including_status_and_link_changes() {
    let (_d, mut store) = open_temp();
    let rows = vec![Anomaly::new("f1", "a"), Anomaly::new("f2", "b")];
    store
        .apply_source_batch(&batch(&rows, &[], "c"), t(0))
        .unwrap();
    let (all, rev) = store.anomaly_rows_since(0).unwrap();
    assert_eq!(all.len(), 2);
    store
        .record_status_change(
            &AnomalyKey::new("am", "f2"),
            Status::Acknowledged,
            "ann",
            t(1),
        )
        .unwrap();
    let (changed, rev2) = store.anomaly_rows_since(rev).unwrap();
    assert_eq!(
        changed
            .iter()
            .map(|r| r.key.id.as_str())
            .collect::<Vec<_>>(),
        ["f2"]
    );
    assert!(rev2 > rev);
    assert!(store.anomaly_rows_since(rev2).unwrap().0.is_empty());
}
