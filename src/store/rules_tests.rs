#![allow(clippy::unwrap_used, clippy::expect_used)]
use jiff::Timestamp;

use super::*;
use crate::domain::{Anomaly, AnomalyKey, IncidentRef};
use crate::store::{DeliveryState, Store};

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).unwrap()
}

fn store_with(ids: &[&str]) -> (crate::store::test_support::TestDir, Store) {
    let (dir, mut s) = crate::store::test_support::open_temp();
    let a: Vec<Anomaly> = ids.iter().map(|i| Anomaly::new(*i, "nulls")).collect();
    s.upsert_anomalies("dq", &a, t(0)).unwrap();
    (dir, s)
}

fn key(gen_: u32) -> NewRuleKey {
    NewRuleKey {
        rule: "r".into(),
        key_hash: "00000000000000aa".into(),
        generation: gen_,
        key_text: "dq|x".into(),
        instance: "default".into(),
        table: "incident".into(),
        correlation_id: format!("snowlink:rule:r:00000000000000aa#{gen_}"),
        found: None,
        state: None,
    }
}

fn create(id: &str, gen_: u32) -> NewDecision {
    NewDecision {
        rule: "r".into(),
        anomaly: AnomalyKey::new("dq", id),
        key_hash: "00000000000000aa".into(),
        key_text: "dq|x".into(),
        action: DecisionAction::Create,
        why: "first of its key".into(),
        effect: DecisionEffect::Create {
            key: key(gen_),
            payload: Some(r#"{"correlation_id":"snowlink:rule:r:00000000000000aa#1"}"#.into()),
            window: Some(t(0)),
            overflow: false,
            event: false,
        },
    }
}

fn join(id: &str) -> NewDecision {
    NewDecision {
        action: DecisionAction::Merge,
        effect: DecisionEffect::Join {
            key: KeyRef {
                rule: "r".into(),
                key_hash: "00000000000000aa".into(),
                generation: 1,
            },
            note_due_at: t(900),
            reopen: None,
            event: None,
        },
        ..create(id, 1)
    }
}

#[test]
fn a_create_and_its_decision_commit_together_and_move_the_watermark() {
    let (_d, mut s) = store_with(&["A-1"]);
    let top = s.max_rev().unwrap();
    let batch = DecisionBatch {
        from_rev: 0,
        to_rev: top,
        settled_delays: vec![],
        decisions: vec![create("A-1", 1)],
        queued_at: None,
    };
    let BatchOutcome::Recorded { outbox } = s.record_rule_decisions(&batch, t(1)).unwrap() else {
        panic!("conflict")
    };
    assert_eq!(outbox.len(), 1);
    assert_eq!(s.rule_watermark().unwrap(), top);
    let d = s.rule_decisions(Some("r")).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].outbox_id, Some(outbox[0]));
    assert!(s.rule_decided("r", &AnomalyKey::new("dq", "A-1")).unwrap());
    assert_eq!(s.rule_window("r", t(0)).unwrap(), (1, None));
    let k = s.latest_rule_key("r", "00000000000000aa").unwrap().unwrap();
    assert_eq!(k.create_outbox_id, Some(outbox[0]));
    assert_eq!(k.create_state.as_deref(), Some("pending"));
}

#[test]
fn a_stale_watermark_or_a_claimed_key_writes_nothing() {
    let (_d, mut s) = store_with(&["A-1", "A-2"]);
    let batch = DecisionBatch {
        from_rev: 0,
        to_rev: 1,
        settled_delays: vec![],
        decisions: vec![create("A-1", 1)],
        queued_at: None,
    };
    assert!(matches!(
        s.record_rule_decisions(&batch, t(1)).unwrap(),
        BatchOutcome::Recorded { .. }
    ));
    // The same batch again (a second process that read the same watermark): refused.
    assert_eq!(
        s.record_rule_decisions(&batch, t(1)).unwrap(),
        BatchOutcome::Conflict
    );
    // A current watermark but the same key generation: refused by the key's primary key, and
    // the watermark move rolled back with it.
    let again = DecisionBatch {
        from_rev: 1,
        to_rev: 2,
        settled_delays: vec![],
        decisions: vec![create("A-2", 1)],
        queued_at: None,
    };
    assert_eq!(
        s.record_rule_decisions(&again, t(2)).unwrap(),
        BatchOutcome::Conflict
    );
    assert_eq!(s.rule_watermark().unwrap(), 1);
    assert_eq!(s.rule_decisions(None).unwrap().len(), 1);
    assert_eq!(s.outbox_counts(t(3)).unwrap().pending, 1);
}

#[test]
fn a_join_before_the_create_lands_links_through_the_create_and_buffers_a_note() {
    let (_d, mut s) = store_with(&["A-1", "A-2"]);
    let batch = DecisionBatch {
        from_rev: 0,
        to_rev: 5,
        settled_delays: vec![],
        decisions: vec![create("A-1", 1), join("A-2")],
        queued_at: None,
    };
    let BatchOutcome::Recorded { outbox } = s.record_rule_decisions(&batch, t(1)).unwrap() else {
        panic!("conflict")
    };
    assert_eq!(
        s.create_targets(outbox[0]).unwrap(),
        vec![AnomalyKey::new("dq", "A-2")]
    );
    let k = s.latest_rule_key("r", "00000000000000aa").unwrap().unwrap();
    assert_eq!(k.pending, vec![AnomalyKey::new("dq", "A-2")]);
    assert_eq!(k.note_due_at, Some(t(900)));
    assert!(s.due_rule_notes(t(899)).unwrap().is_empty());
    assert_eq!(s.due_rule_notes(t(900)).unwrap().len(), 1);

    // The worker lands the create: both anomalies are linked by the rule.
    let owner = "w";
    let claimed = s
        .claim_next(owner, t(2), std::time::Duration::from_secs(30), 1)
        .unwrap();
    assert_eq!(claimed[0].state, DeliveryState::InFlight);
    let inc = IncidentRef {
        instance: "default".into(),
        table: "incident".into(),
        sys_id: "a".repeat(32),
        number: "INC0000001".into(),
    };
    s.complete_create(outbox[0], owner, &inc, "rule:r", t(3))
        .unwrap();
    for id in ["A-1", "A-2"] {
        let links = s.links_for_anomaly(&AnomalyKey::new("dq", id)).unwrap();
        assert_eq!(links.len(), 1, "{id}");
        assert_eq!(links[0].linked_by, "rule:r");
    }
    assert!(!s.linked_by_person(&AnomalyKey::new("dq", "A-1")).unwrap());
    let k = s.latest_rule_key("r", "00000000000000aa").unwrap().unwrap();
    assert_eq!(k.incident(), Some(inc.clone()));

    // The note: queued once; a second flush of the same buffer does nothing.
    let first = s
        .record_rule_note(
            &k.key_ref(),
            &k.pending,
            &inc,
            "note",
            t(900),
            t(900),
            t(1800),
        )
        .unwrap();
    assert!(first.is_some());
    let second = s
        .record_rule_note(
            &k.key_ref(),
            &k.pending,
            &inc,
            "note",
            t(900),
            t(900),
            t(1800),
        )
        .unwrap();
    assert_eq!(second, None);
    let k = s.latest_rule_key("r", "00000000000000aa").unwrap().unwrap();
    assert!(k.pending.is_empty());
    assert_eq!(k.note_due_at, None);
}

#[test]
fn a_delay_waits_until_due_and_is_settled_once() {
    let (_d, mut s) = store_with(&["A-1"]);
    let a = AnomalyKey::new("dq", "A-1");
    let delay = NewDecision {
        action: DecisionAction::Delay,
        effect: DecisionEffect::Delay { due_at: t(60) },
        why: "creation_delay 60s".into(),
        ..create("A-1", 1)
    };
    let b = DecisionBatch {
        from_rev: 0,
        to_rev: 1,
        settled_delays: vec![],
        decisions: vec![delay],
        queued_at: None,
    };
    s.record_rule_decisions(&b, t(0)).unwrap();
    assert!(!s.rule_decided("r", &a).unwrap(), "a delay is not final");
    assert!(s.due_rule_delays(t(59), 10).unwrap().is_empty());
    assert_eq!(
        s.due_rule_delays(t(60), 10).unwrap(),
        vec![("r".into(), a.clone())]
    );
    assert_eq!(s.next_rule_due().unwrap(), Some(t(60)));
    let settle = DecisionBatch {
        from_rev: 1,
        to_rev: 1,
        settled_delays: vec![("r".into(), a.clone())],
        decisions: vec![create("A-1", 1)],
        queued_at: None,
    };
    assert!(matches!(
        s.record_rule_decisions(&settle, t(60)).unwrap(),
        BatchOutcome::Recorded { .. }
    ));
    assert_eq!(
        s.record_rule_decisions(&settle, t(60)).unwrap(),
        BatchOutcome::Conflict
    );
    let c = s.rule_counts("r", t(0)).unwrap();
    assert_eq!((c.delayed, c.created), (1, 1));
}
