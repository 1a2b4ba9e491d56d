#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::source::qualytics::QualyticsTag;
use QualyticsStatus::*;

fn anomaly(id: u64, status: QualyticsStatus) -> QualyticsAnomaly {
    QualyticsAnomaly::from_json(&format!(
        r#"{{"id":{id},"status":"{status}","weight":5,"description":"d{id}","global_tags":[{{"name":"a"}}]}}"#
    ))
    .unwrap()
}

fn kinds(changes: &[StatusChange]) -> Vec<(u64, ChangeKind)> {
    changes.iter().map(|c| (c.id, c.kind)).collect()
}

#[test]
fn nothing_changed_reports_nothing() {
    let now = vec![anomaly(1, Active), anomaly(2, Acknowledged)];
    let prev: Vec<Snapshot> = now.iter().map(Snapshot::of).collect();
    assert!(diff(&prev, &now).is_empty());
}

#[test]
fn every_transition_is_named() {
    let prev = vec![
        Snapshot::of(&anomaly(1, Active)),
        Snapshot::of(&anomaly(2, Acknowledged)),
        Snapshot::of(&anomaly(3, Active)),
        Snapshot::of(&anomaly(4, Acknowledged)),
        Snapshot::of(&anomaly(5, Resolved)),
        Snapshot::of(&anomaly(6, Invalid)),
        Snapshot::of(&anomaly(7, Duplicate)),
        Snapshot::of(&anomaly(8, Active)),
        Snapshot::of(&anomaly(9, Discarded)),
    ];
    let now = vec![
        anomaly(1, Acknowledged),
        anomaly(2, Active),
        anomaly(3, Resolved),
        anomaly(4, Duplicate),
        anomaly(5, Active),
        anomaly(6, Acknowledged),
        anomaly(7, Discarded),
        anomaly(10, Active),
    ];
    assert_eq!(
        kinds(&diff(&prev, &now)),
        [
            (1, ChangeKind::Acknowledged),
            (2, ChangeKind::Unacknowledged),
            (3, ChangeKind::AutoResolved),
            (4, ChangeKind::Archived { reason: Duplicate }),
            (5, ChangeKind::Reactivated { was: Resolved }),
            (6, ChangeKind::Restored { was: Invalid }),
            (
                7,
                ChangeKind::ReasonChanged {
                    was: Duplicate,
                    now: Discarded
                }
            ),
            (10, ChangeKind::New { status: Active }),
            (8, ChangeKind::Vanished),
        ]
    );
}

#[test]
fn a_resolve_snowlink_asked_for_is_archived_and_ours() {
    let mut snap = Snapshot::of(&anomaly(1, Acknowledged));
    snap.requested = Some(Resolved);
    let changes = diff(&[snap], &[anomaly(1, Resolved)]);
    assert_eq!(
        kinds(&changes),
        [(1, ChangeKind::Archived { reason: Resolved })]
    );
    assert!(changes[0].ours);
    let plain = diff(&[Snapshot::of(&anomaly(1, Active))], &[anomaly(1, Invalid)]);
    assert!(!plain[0].ours);
}

#[test]
fn edits_without_a_status_change() {
    let prev = [Snapshot::of(&anomaly(1, Active))];
    let mut tagged = anomaly(1, Active);
    tagged.global_tags.push(QualyticsTag { name: "b".into() });
    assert_eq!(kinds(&diff(&prev, &[tagged])), [(1, ChangeKind::Edited)]);
    let mut reweighted = anomaly(1, Active);
    reweighted.weight = Some(9.0);
    assert_eq!(
        kinds(&diff(&prev, &[reweighted])),
        [(1, ChangeKind::Edited)]
    );
}

#[test]
fn archived_missing_now_is_not_vanished_and_duplicates_count_once() {
    let prev = [Snapshot::of(&anomaly(5, Resolved))];
    assert!(diff(&prev, &[]).is_empty());
    let dup = [anomaly(1, Active), anomaly(1, Active)];
    assert_eq!(diff(&[], &dup).len(), 1);
}

#[test]
fn revision_ignores_tag_order_and_is_stable() {
    let mut a = anomaly(1, Active);
    a.global_tags = vec![
        QualyticsTag { name: "x".into() },
        QualyticsTag { name: "y".into() },
    ];
    let mut b = a.clone();
    b.global_tags.reverse();
    assert_eq!(revision(&a), revision(&b));
    // Pinned: the value may be stored, so a change of the hash is a change of format.
    assert_eq!(revision(&anomaly(1, Active)), 0x0363_7cc6_0d86_633b);
    assert_ne!(
        revision(&anomaly(1, Active)),
        revision(&anomaly(1, Acknowledged))
    );
}
