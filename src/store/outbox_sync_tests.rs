#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::domain::IncidentRef;
use crate::store::test_support::{incident, open_temp, reopen, t};
use crate::store::{DeliveryKind, DeliveryState, NewDelivery, Store};

fn on(instance: &str, sys_id: &str) -> IncidentRef {
    IncidentRef {
        instance: instance.into(),
        ..incident(sys_id)
    }
}

fn note(store: &mut Store, inc: &IncidentRef, text: &str) -> i64 {
    store
        .enqueue(
            &NewDelivery::to_incident(inc, DeliveryKind::WorkNote, text, None),
            t(0),
        )
        .unwrap()
}

#[test]
fn claims_only_the_named_instance() {
    let (_d, mut store) = open_temp();
    let a = note(&mut store, &on("prod", "a"), "one");
    let b = note(&mut store, &on("test", "b"), "two");
    let lease = Duration::from_secs(30);
    let got = store.claim_next_for("test", "w", t(1), lease, 10).unwrap();
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), vec![b]);
    assert_eq!(got[0].state, DeliveryState::InFlight);
    assert!(
        store
            .claim_next_for("test", "w", t(1), lease, 10)
            .unwrap()
            .is_empty()
    );
    let got = store.claim_next_for("prod", "w", t(1), lease, 10).unwrap();
    assert_eq!(got[0].id, a);
}

#[test]
fn head_of_line_lease_expiry_and_pause_apply() {
    let (_d, mut store) = open_temp();
    let inc = on("prod", "a");
    let first = note(&mut store, &inc, "one");
    let _second = note(&mut store, &inc, "two");
    let lease = Duration::from_secs(10);
    let got = store.claim_next_for("prod", "w1", t(1), lease, 10).unwrap();
    assert_eq!(got.len(), 1, "only the head of the queue");
    assert_eq!(store.next_due_at_for("prod").unwrap(), Some(t(11)));
    assert!(
        store
            .claim_next_for("prod", "w2", t(5), lease, 10)
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_next_for("prod", "w2", t(11), lease, 10)
        .unwrap();
    assert_eq!(again[0].id, first);
    assert!(
        again[0].outcome_unknown,
        "an expired lease comes back outcome-unknown"
    );
    store.mark_delivered(first, "w2", t(12)).unwrap();
    store.pause_instance("prod", "401", t(12)).unwrap();
    assert!(
        store
            .claim_next_for("prod", "w2", t(13), lease, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.next_due_at_for("prod").unwrap(), None);
    store.resume_instance("prod", t(14)).unwrap();
    assert_eq!(
        store
            .claim_next_for("prod", "w2", t(14), lease, 0)
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        store
            .claim_next_for("prod", "w2", t(14), lease, 5)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn counts_earlier_delivered_identical_payloads_in_the_same_queue() {
    let (_d, mut store) = open_temp();
    let inc = on("prod", "a");
    let other = on("prod", "b");
    let lease = Duration::from_secs(10);
    let ids: Vec<i64> = (0..3).map(|_| note(&mut store, &inc, "same")).collect();
    note(&mut store, &other, "same");
    assert_eq!(store.delivered_before_with_same_payload(ids[2]).unwrap(), 0);
    for (i, id) in ids.iter().take(2).enumerate() {
        let got = store.claim_next_for("prod", "w", t(1), lease, 1).unwrap();
        let mine = got.iter().find(|d| d.id == *id).map(|d| d.id);
        let mine = mine.unwrap_or_else(|| {
            // The other queue's head came first; finish it and claim ours.
            store.mark_delivered(got[0].id, "w", t(1)).unwrap();
            store.claim_next_for("prod", "w", t(1), lease, 1).unwrap()[0].id
        });
        assert_eq!(mine, *id, "round {i}");
        store.mark_delivered(mine, "w", t(2)).unwrap();
    }
    assert_eq!(store.delivered_before_with_same_payload(ids[2]).unwrap(), 2);
    assert_eq!(store.delivered_before_with_same_payload(ids[1]).unwrap(), 1);
    assert!(store.delivered_before_with_same_payload(9999).is_err());
}

#[test]
fn a_long_lived_connection_sees_rows_other_connections_add() {
    let (dir, mut a) = open_temp();
    let mut b = reopen(a.path());
    let inc = on("prod", "a");
    let lease = Duration::from_secs(10);
    note(&mut b, &inc, "one");
    let now = jiff::Timestamp::now();
    let got = a.claim_next_for("prod", "w", now, lease, 4).unwrap();
    a.mark_delivered(got[0].id, "w", now).unwrap();
    a.outbox_counts(now).unwrap();
    a.next_due_at_for("prod").unwrap();
    a.paused_instances().unwrap();
    a.delivered_before_with_same_payload(got[0].id).unwrap();
    note(&mut b, &inc, "two");
    assert_eq!(a.outbox_counts(now).unwrap().pending, 1, "stale snapshot");
    assert_eq!(
        a.claim_next_for("prod", "w", now, lease, 4).unwrap().len(),
        1
    );
    drop(dir);
}
