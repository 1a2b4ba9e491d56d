#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::IncidentRef;
use crate::store::test_support::{incident, key, link, open_temp, reopen, seed, t};
use crate::store::{OutboxCounts, OutboxFilter};

const LEASE: Duration = Duration::from_secs(30);

fn note(store: &mut Store, sys_id: &str, text: &str) -> OutboxId {
    let d = NewDelivery::to_incident(&incident(sys_id), DeliveryKind::WorkNote, text, None);
    store.enqueue(&d, t(0)).unwrap()
}

fn claim(store: &mut Store, owner: &str, at: i64, max: usize) -> Vec<OutboxId> {
    store
        .claim_next(owner, t(at), LEASE, max)
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect()
}

#[test]
fn only_queue_heads_are_claimed_in_fifo_order() {
    let (_d, mut s) = open_temp();
    let a1 = note(&mut s, "s1", "a1");
    let b1 = note(&mut s, "s2", "b1");
    let a2 = note(&mut s, "s1", "a2");
    let a3 = note(&mut s, "s1", "a3");
    let b2 = note(&mut s, "s2", "b2");
    let got = s.claim_next("w", t(0), LEASE, 10).unwrap();
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), [a1, b1]);
    assert_eq!(got[0].state, DeliveryState::InFlight);
    assert_eq!(got[0].seq, 1);
    assert_eq!(got[0].attempts, 1);
    assert_eq!(got[0].lease_owner.as_deref(), Some("w"));
    assert_eq!(got[0].lease_until, Some(t(30)));
    assert_eq!(got[0].payload, "a1");
    assert_eq!(got[0].number.as_deref(), Some("INCs1"));
    assert!(
        claim(&mut s, "w", 1, 10).is_empty(),
        "heads in flight block their queues"
    );

    s.mark_delivered(a1, "w", t(2)).unwrap();
    assert_eq!(claim(&mut s, "w", 2, 10), [a2]);
    s.mark_delivered(b1, "w", t(2)).unwrap();
    s.mark_delivered(a2, "w", t(3)).unwrap();
    assert_eq!(claim(&mut s, "w", 3, 10), [a3, b2]);
    let d = s.outbox_get(a1).unwrap().unwrap();
    assert_eq!(
        (d.state, d.delivered_at),
        (DeliveryState::Delivered, Some(t(2)))
    );
    assert_eq!(s.outbox_get(a3).unwrap().unwrap().seq, 3);
}

#[test]
fn max_limits_and_orders_by_due_time() {
    let (_d, mut s) = open_temp();
    let ids: Vec<_> = (0..5)
        .map(|i| note(&mut s, &format!("s{i}"), "n"))
        .collect();
    assert_eq!(claim(&mut s, "w", 0, 2), ids[..2]);
    s.mark_retry(ids[0], "w", t(1), "503", false).unwrap();
    assert_eq!(claim(&mut s, "w", 5, 10), [ids[2], ids[3], ids[4], ids[0]]);
    assert!(claim(&mut s, "w", 5, 0).is_empty());
}

#[test]
fn future_retry_is_not_claimed_and_holds_its_queue() {
    let (_d, mut s) = open_temp();
    let a1 = note(&mut s, "s1", "a1");
    let a2 = note(&mut s, "s1", "a2");
    assert_eq!(claim(&mut s, "w", 0, 10), [a1]);
    s.mark_retry(a1, "w", t(100), "HTTP 503: busy", false)
        .unwrap();
    let d = s.outbox_get(a1).unwrap().unwrap();
    assert_eq!(d.state, DeliveryState::Pending);
    assert_eq!(d.last_error.as_deref(), Some("HTTP 503: busy"));
    assert_eq!((d.lease_owner, d.lease_until), (None, None));
    assert!(
        claim(&mut s, "w", 99, 10).is_empty(),
        "a2 must not overtake a1"
    );
    assert_eq!(s.next_due_at().unwrap(), Some(t(100)));
    let got = s.claim_next("w", t(100), LEASE, 10).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].id, got[0].attempts), (a1, 2));
    s.mark_delivered(a1, "w", t(101)).unwrap();
    assert_eq!(claim(&mut s, "w", 101, 10), [a2]);
}

#[test]
fn expired_lease_is_reclaimed_with_outcome_unknown() {
    let (_d, mut s) = open_temp();
    let a1 = note(&mut s, "s1", "a1");
    assert_eq!(claim(&mut s, "stalled-worker", 0, 10), [a1]);
    assert!(
        claim(&mut s, "other", 29, 10).is_empty(),
        "live lease respected"
    );
    assert_eq!(s.next_due_at().unwrap(), Some(t(30)));
    let got = s.claim_next("other", t(30), LEASE, 10).unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].outcome_unknown);
    assert_eq!(got[0].attempts, 2);
    assert_eq!(got[0].lease_owner.as_deref(), Some("other"));
    let err = s.mark_delivered(a1, "stalled-worker", t(31)).unwrap_err();
    assert!(
        matches!(err, StoreError::LeaseLost { id, .. } if id == a1),
        "{err:?}"
    );
    // Sticky until reconciled.
    s.mark_retry(a1, "other", t(31), "timeout", false).unwrap();
    assert!(s.outbox_get(a1).unwrap().unwrap().outcome_unknown);
    let got = s.claim_next("other", t(31), LEASE, 1).unwrap();
    assert!(got[0].outcome_unknown);
    s.mark_reconciled(a1, "other").unwrap();
    assert!(!s.outbox_get(a1).unwrap().unwrap().outcome_unknown);
    s.extend_lease(a1, "other", t(500)).unwrap();
    assert!(claim(&mut s, "third", 400, 10).is_empty());
    s.mark_delivered(a1, "other", t(401)).unwrap();
    assert!(matches!(
        s.mark_delivered(999, "other", t(1)).unwrap_err(),
        StoreError::DeliveryNotFound(999)
    ));
}

#[test]
fn failed_head_blocks_until_dropped_and_breaks_links() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1", "A-2"]);
    link(&mut s, "A-1", "s1");
    link(&mut s, "A-2", "s1");
    link(&mut s, "A-1", "s2");
    let a1 = note(&mut s, "s1", "a1");
    let a2 = note(&mut s, "s1", "a2");
    let b1 = note(&mut s, "s2", "b1");
    assert_eq!(claim(&mut s, "w", 0, 10), [a1, b1]);
    s.mark_failed(a1, "w", "HTTP 404: No Record found").unwrap();
    let links = s.links_for_anomaly(&key("A-1")).unwrap();
    let by_sys = |sys: &str| {
        links
            .iter()
            .find(|l| l.incident.sys_id == sys)
            .unwrap()
            .clone()
    };
    assert!(by_sys("s1").broken);
    assert_eq!(
        by_sys("s1").read_error.as_deref(),
        Some("HTTP 404: No Record found")
    );
    assert!(!by_sys("s2").broken, "other incidents untouched");
    assert!(s.links_for_anomaly(&key("A-2")).unwrap()[0].broken);

    assert!(
        claim(&mut s, "w", 1, 10).is_empty(),
        "failed head holds its queue"
    );
    s.retry(a1, t(2)).unwrap();
    assert_eq!(claim(&mut s, "w", 2, 10), [a1]);
    s.mark_dead(a1, "w", "HTTP 400: Invalid field").unwrap();
    let d = s.outbox_get(a1).unwrap().unwrap();
    assert_eq!(
        (d.state, d.last_error.as_deref()),
        (DeliveryState::Dead, Some("HTTP 400: Invalid field"))
    );
    assert!(
        claim(&mut s, "w", 3, 10).is_empty(),
        "dead head holds its queue"
    );
    s.drop_delivery(a1).unwrap();
    assert_eq!(
        s.outbox_get(a1).unwrap().unwrap().state,
        DeliveryState::Dropped
    );
    assert_eq!(claim(&mut s, "w", 3, 10), [a2]);
}

#[test]
fn drop_and_retry_refuse_wrong_states() {
    let (_d, mut s) = open_temp();
    let a1 = note(&mut s, "s1", "a1");
    claim(&mut s, "w", 0, 1);
    let e = s.drop_delivery(a1).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("outbox item {a1} is in_flight; cannot drop")
    );
    assert!(matches!(
        s.retry(a1, t(0)).unwrap_err(),
        StoreError::InvalidState { .. }
    ));
    s.mark_delivered(a1, "w", t(1)).unwrap();
    assert!(matches!(
        s.drop_delivery(a1).unwrap_err(),
        StoreError::InvalidState { .. }
    ));
    assert!(matches!(
        s.drop_delivery(42).unwrap_err(),
        StoreError::DeliveryNotFound(42)
    ));
    assert!(matches!(
        s.retry(42, t(0)).unwrap_err(),
        StoreError::DeliveryNotFound(42)
    ));
}

#[test]
fn counts_and_retry_all() {
    let (_d, mut s) = open_temp();
    let ids: Vec<_> = (0..5)
        .map(|i| note(&mut s, &format!("s{i}"), "n"))
        .collect();
    note(&mut s, "s0", "behind s0");
    claim(&mut s, "w", 0, 10);
    s.mark_failed(ids[0], "w", "404").unwrap();
    s.mark_dead(ids[1], "w", "400").unwrap();
    s.mark_retry(ids[2], "w", t(60), "503", false).unwrap();
    s.mark_delivered(ids[3], "w", t(1)).unwrap();
    let c = s.outbox_counts(t(1)).unwrap();
    assert_eq!(
        c,
        OutboxCounts {
            pending: 2,
            waiting: 1,
            in_flight: 1,
            failed: 1,
            dead: 1,
            paused: 0
        }
    );
    assert_eq!(c.undelivered(), 5);
    assert_eq!(s.retry_all(t(2)).unwrap(), 3);
    let c = s.outbox_counts(t(2)).unwrap();
    assert_eq!((c.pending, c.waiting, c.failed, c.dead), (4, 0, 0, 0));
    assert_eq!(claim(&mut s, "w", 2, 10), [ids[0], ids[1], ids[2]]);
}

#[test]
fn paused_instance_holds_everything_until_resumed() {
    let (_d, mut s) = open_temp();
    let a1 = note(&mut s, "s1", "a1");
    let other = IncidentRef {
        instance: "test".into(),
        ..incident("x1")
    };
    let o1 = s
        .enqueue(
            &NewDelivery::to_incident(&other, DeliveryKind::WorkNote, "o1", None),
            t(0),
        )
        .unwrap();
    let a2 = note(&mut s, "s2", "a2");
    assert_eq!(claim(&mut s, "w", 0, 1), [a1]);
    s.pause_instance(
        "prod",
        "HTTP 401 from https://acme: check username/password",
        t(1),
    )
    .unwrap();
    assert_eq!(
        s.outbox_get(a2).unwrap().unwrap().state,
        DeliveryState::Paused
    );
    let a3 = note(&mut s, "s3", "a3");
    assert_eq!(
        s.outbox_get(a3).unwrap().unwrap().state,
        DeliveryState::Paused
    );
    s.mark_retry(a1, "w", t(1), "HTTP 401", false).unwrap();
    assert_eq!(
        s.outbox_get(a1).unwrap().unwrap().state,
        DeliveryState::Paused
    );
    assert_eq!(
        claim(&mut s, "w", 5, 10),
        [o1],
        "other instances keep going"
    );
    assert_eq!(s.outbox_counts(t(5)).unwrap().paused, 3);
    let p = s.paused_instances().unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].instance.as_str(), p[0].paused_at), ("prod", t(1)));
    assert!(p[0].reason.starts_with("HTTP 401"));
    assert!(s.resume_instance("prod", t(6)).unwrap());
    assert!(!s.resume_instance("prod", t(6)).unwrap());
    assert_eq!(claim(&mut s, "w", 6, 10), [a1, a2, a3]);
    assert!(s.paused_instances().unwrap().is_empty());
}

#[test]
fn creates_get_their_own_queue_and_complete_atomically() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1"]);
    let mut fields = serde_json::Map::new();
    fields.insert("short_description".into(), "x".into());
    let c1 = s
        .enqueue(
            &NewDelivery::create("prod", "incident", &fields, &key("A-1")),
            t(0),
        )
        .unwrap();
    let c2 = s
        .enqueue(
            &NewDelivery::create("prod", "incident", &fields, &key("A-1")),
            t(0),
        )
        .unwrap();
    let got = s.claim_next("w", t(0), LEASE, 10).unwrap();
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), [c1, c2]);
    assert_eq!(got[0].kind, DeliveryKind::Create);
    assert_eq!(got[0].sys_id, None);
    assert_eq!(got[0].payload, r#"{"short_description":"x"}"#);
    assert_eq!(got[0].anomaly, Some(key("A-1")));
    let created = incident("new1");
    s.complete_create(c1, "w", &created, "ann", t(3)).unwrap();
    let d = s.outbox_get(c1).unwrap().unwrap();
    assert_eq!(d.state, DeliveryState::Delivered);
    assert_eq!(d.sys_id.as_deref(), Some("new1"));
    assert_eq!(d.number.as_deref(), Some("INCnew1"));
    let links = s.links_for_anomaly(&key("A-1")).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].incident, created);
    assert_eq!(
        (links[0].linked_by.as_str(), links[0].linked_at),
        ("ann", t(3))
    );
    assert!(matches!(
        s.complete_create(c1, "w", &created, "ann", t(3))
            .unwrap_err(),
        StoreError::LeaseLost { .. }
    ));
}

#[test]
fn a_bulk_create_links_every_target_when_it_completes() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1", "A-2", "A-3"]);
    let mut fields = serde_json::Map::new();
    fields.insert("short_description".into(), "x".into());
    let c = s
        .enqueue_create_for(
            &NewDelivery::create("prod", "incident", &fields, &key("A-1")),
            &[key("A-2"), key("A-3")],
            t(0),
        )
        .unwrap();
    assert_eq!(s.create_targets(c).unwrap(), [key("A-2"), key("A-3")]);
    // Queued: a second create for a target finds this one (it resumes, not doubles).
    assert_eq!(
        s.pending_create_for("prod", &key("A-3"))
            .unwrap()
            .map(|d| d.id),
        Some(c)
    );
    let listed = s
        .outbox_list(&OutboxFilter {
            anomaly: Some(key("A-2")),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.iter().map(|d| d.id).collect::<Vec<_>>(), [c]);
    let rev_before = s.max_rev().unwrap();
    s.claim_next("w", t(0), LEASE, 10).unwrap();
    let created = incident("new1");
    s.complete_create(c, "w", &created, "ann", t(3)).unwrap();
    for id in ["A-1", "A-2", "A-3"] {
        let links = s.links_for_anomaly(&key(id)).unwrap();
        assert_eq!(links.len(), 1, "{id}");
        assert_eq!(links[0].incident, created, "{id}");
        assert_eq!(links[0].linked_by, "ann");
    }
    // Each row has a new revision: a dashboard's live update picks the link counts up.
    let (changed, _) = s.anomaly_rows_since(rev_before).unwrap();
    assert_eq!(changed.len(), 3, "{changed:?}");
    assert_eq!(s.pending_create_for("prod", &key("A-3")).unwrap(), None);
}

#[test]
fn list_filters() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1"]);
    link(&mut s, "A-1", "s1");
    let id = s
        .record_status_change(
            &key("A-1"),
            crate::domain::Status::Acknowledged,
            "ann",
            t(0),
        )
        .unwrap()
        .outbox[0];
    let other = note(&mut s, "s2", "x");
    let all = s.outbox_list(&OutboxFilter::default()).unwrap();
    assert_eq!(all.iter().map(|d| d.id).collect::<Vec<_>>(), [id, other]);
    let f = OutboxFilter {
        anomaly: Some(key("A-1")),
        ..Default::default()
    };
    assert_eq!(s.outbox_list(&f).unwrap().len(), 1);
    claim(&mut s, "w", 0, 1);
    let f = OutboxFilter {
        states: vec![DeliveryState::Pending],
        ..Default::default()
    };
    assert_eq!(s.outbox_list(&f).unwrap()[0].id, other);
    let f = OutboxFilter {
        instance: Some("test".into()),
        ..Default::default()
    };
    assert!(s.outbox_list(&f).unwrap().is_empty());
    let f = OutboxFilter {
        limit: Some(1),
        ..Default::default()
    };
    assert_eq!(s.outbox_list(&f).unwrap().len(), 1);
}

#[test]
fn two_connections_never_share_a_claim() {
    let (dir, mut a) = open_temp();
    let mut b = reopen(a.path());
    let ids: Vec<_> = (0..4)
        .map(|i| note(&mut a, &format!("s{i}"), "n"))
        .collect();
    note(&mut a, "s0", "second");
    let got_a = claim(&mut a, "A", 0, 2);
    let got_b = claim(&mut b, "B", 0, 10);
    assert_eq!(got_a, ids[..2]);
    assert_eq!(got_b, ids[2..], "B sees A's claims and skips them");
    assert!(claim(&mut a, "A", 0, 10).is_empty());
    drop(dir);
}

#[path = "outbox_concurrency_tests.rs"]
mod concurrency;

#[test]
fn counts_per_instance_and_the_instances_with_work() {
    let (_d, mut s) = open_temp();
    note(&mut s, "s1", "prod note");
    let mut other = incident("s2");
    other.instance = "sandbox".into();
    for text in ["a", "b"] {
        let d = NewDelivery::to_incident(&other, DeliveryKind::WorkNote, text, None);
        s.enqueue(&d, t(0)).unwrap();
    }
    assert_eq!(s.outbox_counts(t(1)).unwrap().undelivered(), 3);
    assert_eq!(s.outbox_counts_for("prod", t(1)).unwrap().undelivered(), 1);
    assert_eq!(s.outbox_counts_for("sandbox", t(1)).unwrap().pending, 2);
    assert_eq!(s.outbox_counts_for("none", t(1)).unwrap().undelivered(), 0);
    assert_eq!(s.outbox_instances().unwrap(), ["prod", "sandbox"]);
}
