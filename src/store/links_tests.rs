#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::link_note;
use crate::store::outbox::DeliveryKind;
use crate::store::test_support::{incident, key, link, open_temp, seed, t};
use crate::store::{OutboxFilter, StoreError};

fn new_link(id: &str, sys_id: &str, at: i64) -> NewLink {
    NewLink {
        anomaly: key(id),
        incident: incident(sys_id),
        state: IncidentState {
            state: Some("New".into()),
            priority: Some("3 - Moderate".into()),
            assignment_group: Some("Data Platform".into()),
            assigned_to: None,
        },
        read_at: Some(t(at)),
        linked_by: "ann".into(),
        linked_at: t(at),
    }
}

#[test]
fn add_link_queues_its_notes_once() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1"]);
    let inc = incident("s1");
    let note = link_note(
        "A-1",
        Some("record"),
        crate::domain::Status::Active,
        None,
        t(5),
    );
    let deliveries = [
        NewDelivery::to_incident(
            &inc,
            DeliveryKind::DescriptionAppend,
            "block",
            Some(&key("A-1")),
        ),
        NewDelivery::to_incident(
            &inc,
            DeliveryKind::WorkNote,
            note.clone(),
            Some(&key("A-1")),
        ),
    ];
    let added = s.add_link(&new_link("A-1", "s1", 5), &deliveries).unwrap();
    assert!(added.created);
    assert_eq!(added.outbox.len(), 2);
    let rows = s.outbox_list(&OutboxFilter::default()).unwrap();
    assert_eq!(rows[0].kind, DeliveryKind::DescriptionAppend);
    assert_eq!((rows[1].payload.as_str(), rows[1].seq), (note.as_str(), 2));

    let again = s.add_link(&new_link("A-1", "s1", 6), &deliveries).unwrap();
    assert_eq!(
        again,
        LinkAdded {
            created: false,
            outbox: vec![]
        }
    );
    assert_eq!(s.outbox_list(&OutboxFilter::default()).unwrap().len(), 2);

    let links = s.links_for_anomaly(&key("A-1")).unwrap();
    assert_eq!(links.len(), 1);
    let l = &links[0];
    assert_eq!(l.incident, inc);
    assert_eq!(l.last.priority.as_deref(), Some("3 - Moderate"));
    assert_eq!(
        (l.read_at, l.linked_at, l.broken),
        (Some(t(5)), t(5), false)
    );
    let audit = s.audit_log(10).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].outcome.as_str()),
        ("link", "local")
    );
}

#[test]
fn unknown_anomaly_cannot_be_linked() {
    let (_d, mut s) = open_temp();
    let err = s.add_link(&new_link("nope", "s1", 0), &[]).unwrap_err();
    assert!(matches!(err, StoreError::AnomalyNotFound(_)), "{err:?}");
    assert_eq!(err.to_string(), "anomaly wh/nope not found");
}

#[test]
fn many_to_many_queries() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1", "A-2", "A-3"]);
    link(&mut s, "A-1", "s1");
    link(&mut s, "A-2", "s1");
    link(&mut s, "A-1", "s2");
    let other = NewLink {
        incident: IncidentRef {
            instance: "test".into(),
            ..incident("t1")
        },
        ..new_link("A-3", "t1", 2)
    };
    s.add_link(&other, &[]).unwrap();

    let a1: Vec<String> = s
        .links_for_anomaly(&key("A-1"))
        .unwrap()
        .into_iter()
        .map(|l| l.incident.number)
        .collect();
    assert_eq!(a1, ["INCs1", "INCs2"]);
    assert_eq!(
        s.anomalies_for_incident("prod", "s1").unwrap(),
        [key("A-1"), key("A-2")]
    );
    assert!(s.anomalies_for_incident("test", "s1").unwrap().is_empty());
    assert_eq!(s.links_for_instance("prod").unwrap().len(), 3);
    assert_eq!(s.links_for_instance("test").unwrap()[0].anomaly, key("A-3"));
    assert!(s.find_link(&key("A-1"), "prod", "INCs2").unwrap().is_some());
    assert!(s.find_link(&key("A-1"), "prod", "s2").unwrap().is_some());
    assert!(s.find_link(&key("A-2"), "prod", "s2").unwrap().is_none());
    assert_eq!(s.get_anomaly(&key("A-1")).unwrap().unwrap().link_count, 2);
}

#[test]
fn unlink_removes_the_row_and_keeps_history() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1"]);
    link(&mut s, "A-1", "s1");
    s.record_status_change(
        &key("A-1"),
        crate::domain::Status::Acknowledged,
        "ann",
        t(2),
    )
    .unwrap();
    let removed = s
        .remove_link(&key("A-1"), "prod", "INCs1", "bob", t(3))
        .unwrap();
    assert_eq!(removed.unwrap().incident.sys_id, "s1");
    assert!(s.links_for_anomaly(&key("A-1")).unwrap().is_empty());
    assert!(
        s.remove_link(&key("A-1"), "prod", "s1", "bob", t(4))
            .unwrap()
            .is_none()
    );
    let audit = s.audit_log(10).unwrap();
    assert_eq!(audit[0].action, "unlink");
    assert_eq!(audit[0].summary, "unlinked from anomaly wh/A-1 by bob");
    assert_eq!(audit[0].at, t(3));
    assert_eq!(
        s.outbox_list(&OutboxFilter::default()).unwrap().len(),
        1,
        "queued note stays"
    );
    let change = s
        .record_status_change(
            &key("A-1"),
            crate::domain::Status::Archived(crate::domain::ArchiveReason::Resolved),
            "ann",
            t(5),
        )
        .unwrap();
    assert!(change.outbox.is_empty(), "no link, no note");
}

#[test]
fn link_state_reads_and_errors() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1", "A-2"]);
    link(&mut s, "A-1", "s1");
    link(&mut s, "A-2", "s1");
    assert_eq!(s.mark_link_broken("prod", "s1", "HTTP 404").unwrap(), 2);
    let state = IncidentState {
        state: Some("In Progress".into()),
        priority: Some("2 - High".into()),
        assignment_group: Some("DBA".into()),
        assigned_to: Some("Beth Anglin".into()),
    };
    assert_eq!(
        s.update_link_state("prod", "s1", Some("INC0099"), &state, t(9))
            .unwrap(),
        2
    );
    let l = &s.links_for_anomaly(&key("A-2")).unwrap()[0];
    assert_eq!(l.last, state);
    assert_eq!(
        (l.read_at, l.read_error.as_deref(), l.broken),
        (Some(t(9)), None, false)
    );
    assert_eq!(l.incident.number, "INC0099");
    assert_eq!(
        s.set_link_read_error("prod", "s1", "timeout after 30s")
            .unwrap(),
        2
    );
    let l = &s.links_for_anomaly(&key("A-1")).unwrap()[0];
    assert_eq!(l.read_error.as_deref(), Some("timeout after 30s"));
    assert_eq!(
        (l.last.state.as_deref(), l.read_at),
        (Some("In Progress"), Some(t(9)))
    );
    s.update_link_state("prod", "s1", None, &IncidentState::default(), t(10))
        .unwrap();
    assert_eq!(
        s.links_for_anomaly(&key("A-1")).unwrap()[0].incident.number,
        "INC0099"
    );
}
