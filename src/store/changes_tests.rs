#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::ArchiveReason;
use crate::store::OutboxFilter;
use crate::store::test_support::{key, link, open_temp, seed, t};

fn rec(sys_id: &str, version: i64, target: Option<Target>, by: &str) -> ObservedRecord {
    ObservedRecord {
        sys_id: sys_id.into(),
        number: format!("INC{sys_id}"),
        state: IncidentState {
            state: Some("In Progress".into()),
            ..IncidentState::default()
        },
        target,
        summary: "In Progress".into(),
        updated_on: format!("2026-11-23 10:00:{version:02}"),
        updated_by: by.into(),
        version: Some(version),
        archived_by: None,
    }
}

fn pass(store: &mut Store, records: &[ObservedRecord], apply: bool) -> ChangeOutcome {
    store
        .record_incident_changes(&ChangeBatch {
            instance: "prod",
            asked: &[],
            records,
            own_users: &["snowlink.integration".to_string()],
            apply,
            read_at: t(100),
        })
        .unwrap()
}

const ACK: Option<Target> = Some(Target::Acknowledge);
const RESOLVED: Option<Target> = Some(Target::Archive(ArchiveReason::Resolved));

fn status(store: &Store, id: &str) -> Status {
    store.get_anomaly(&key(id)).unwrap().unwrap().status
}

#[test]
fn first_sight_is_a_baseline_then_each_version_applies_once() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A"]);
    link(&mut s, "A", "1");
    assert!(!s.change_targets("prod").unwrap()[0].seen);
    let o = pass(&mut s, &[rec("1", 3, ACK, "beth")], true);
    assert_eq!((o.baselined, o.applied.len()), (1, 0));
    assert_eq!(
        status(&s, "A"),
        Status::Active,
        "a baseline applies nothing"
    );
    assert!(s.change_targets("prod").unwrap()[0].seen);

    let o = pass(&mut s, &[rec("1", 4, RESOLVED, "beth")], true);
    assert_eq!(o.applied.len(), 1);
    assert_eq!(status(&s, "A"), Status::Archived(ArchiveReason::Resolved));
    let h = s.status_history(&key("A")).unwrap();
    assert_eq!(h.last().unwrap().user, "servicenow:beth");
    assert!(
        h.last()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("INC1")
    );
    // No work note for a status that came from ServiceNow.
    let notes = s.outbox_list(&OutboxFilter::default()).unwrap();
    assert!(notes.is_empty(), "{notes:?}");

    // The same version again (overlap, restart): nothing.
    let o = pass(&mut s, &[rec("1", 4, RESOLVED, "beth")], true);
    assert_eq!((o.unchanged, o.changed), (1, 0));
    assert_eq!(s.status_history(&key("A")).unwrap().len(), h.len());
}

#[test]
fn own_user_changes_and_back_sync_off_move_only_the_baseline() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A"]);
    link(&mut s, "A", "1");
    pass(&mut s, &[rec("1", 1, None, "beth")], true);
    let o = pass(&mut s, &[rec("1", 2, ACK, "SNOWLINK.integration")], true);
    assert_eq!((o.own_changes, o.applied.len()), (1, 0));
    let o = pass(&mut s, &[rec("1", 3, RESOLVED, "beth")], false);
    assert_eq!((o.changed, o.applied.len()), (1, 0));
    assert_eq!(status(&s, "A"), Status::Active);
    assert!(s.status_history(&key("A")).unwrap().is_empty());
}

#[test]
fn an_anomaly_with_two_incidents_is_archived_when_both_are() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A"]);
    link(&mut s, "A", "1");
    link(&mut s, "A", "2");
    pass(
        &mut s,
        &[rec("1", 1, None, "x"), rec("2", 1, None, "x")],
        true,
    );
    let dup = Some(Target::Archive(ArchiveReason::Duplicate));
    let o = pass(&mut s, &[rec("1", 2, dup, "beth")], true);
    assert!(o.applied.is_empty());
    assert_eq!(status(&s, "A"), Status::Active);
    let o = pass(&mut s, &[rec("2", 2, RESOLVED, "fred")], true);
    assert_eq!(o.applied.len(), 1);
    assert_eq!(status(&s, "A"), Status::Archived(ArchiveReason::Resolved));
}

#[test]
fn watermark_only_moves_forward() {
    let (_d, mut s) = open_temp();
    assert_eq!(s.change_watermark("prod", "incident").unwrap(), None);
    s.advance_change_watermark("prod", "incident", "2026-11-23 10:00:05", t(1))
        .unwrap();
    s.advance_change_watermark("prod", "incident", "2026-11-23 09:00:00", t(2))
        .unwrap();
    assert_eq!(
        s.change_watermark("prod", "incident").unwrap().as_deref(),
        Some("2026-11-23 10:00:05")
    );
    assert_eq!(
        servicenow_time("2026-11-23 10:00:05"),
        Some(t(5)),
        "ServiceNow's raw times are UTC"
    );
}

#[test]
fn the_change_mark_moves_with_each_version_the_poller_sees_and_only_then() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A"]);
    link(&mut s, "A", "1");
    assert_eq!(s.change_mark("prod", "1").unwrap(), None, "not seen yet");
    pass(&mut s, &[rec("1", 3, None, "beth")], false);
    let first = s.change_mark("prod", "1").unwrap().unwrap();
    // The same version again (the overlap): the mark stays.
    pass(&mut s, &[rec("1", 3, None, "beth")], false);
    assert_eq!(s.change_mark("prod", "1").unwrap().unwrap(), first);
    // A work note is a new version: the mark moves.
    pass(&mut s, &[rec("1", 4, None, "beth")], false);
    assert_ne!(s.change_mark("prod", "1").unwrap().unwrap(), first);
    assert_eq!(s.change_mark("other", "1").unwrap(), None);
}

#[test]
fn a_resolve_followed_by_a_snowlink_write_is_the_resolvers_and_is_applied() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A", "B"]);
    link(&mut s, "A", "1");
    link(&mut s, "B", "2");
    pass(
        &mut s,
        &[rec("1", 1, None, "beth"), rec("2", 1, None, "beth")],
        true,
    );
    // snowlink's user resolving is snowlink's own change: never applied.
    let mut own = rec("1", 2, RESOLVED, "snowlink.integration");
    own.archived_by = Some("snowlink.integration".into());
    let o = pass(&mut s, &[own], true);
    assert_eq!((o.own_changes, o.applied.len()), (1, 0));
    assert_eq!(status(&s, "A"), Status::Active);
    pass(&mut s, &[rec("1", 3, None, "beth")], true);
    // Beth resolved INC1, then snowlink's consolidated note made snowlink the last updater.
    let mut masked = rec("1", 5, RESOLVED, "snowlink.integration");
    masked.archived_by = Some("beth.anglin".into());
    let o = pass(&mut s, &[masked.clone()], true);
    assert_eq!(o.applied.len(), 1, "{o:?}");
    assert_eq!(status(&s, "A"), Status::Archived(ArchiveReason::Resolved));
    let h = s.status_history(&key("A")).unwrap();
    let last = h.last().unwrap();
    assert_eq!(last.user, "servicenow:beth.anglin");
    assert!(last.detail.as_deref().unwrap().contains("came after it"));
    // snowlink's own reopen of INC2 (rules) is its own: never applied back.
    let o = pass(&mut s, &[rec("2", 2, ACK, "snowlink.integration")], true);
    assert_eq!((o.own_changes, o.applied.len()), (1, 0));
    assert_eq!(status(&s, "B"), Status::Active);
    // And the same resolved version again (the overlap): nothing more.
    let o = pass(&mut s, &[masked], true);
    assert!(o.applied.is_empty());
}
