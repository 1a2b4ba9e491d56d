//! Snapshots of the status bar with several instances (issue 13 point 3): the selected
//! instance's connection and outbox, then each other instance's — one healthy and idle, one
//! hibernating with notes waiting — at 120, 80 and 60 columns.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::backend::{ConnectionStatus, InstanceOutbox, OutboxCounts};
use super::state::State;
use super::test_support::*;

const SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (60, 15)];

fn two_instances(size: (u16, u16)) -> State {
    let mut s = loaded(10, size);
    s.connection = ConnectionStatus::Ok;
    s.outbox = Some(OutboxCounts {
        pending: 1,
        others: vec![
            InstanceOutbox {
                instance: "prod-eu".into(),
                undelivered: 0,
                down: None,
            },
            InstanceOutbox {
                instance: "sandbox".into(),
                undelivered: 3,
                down: Some("instance hibernating, next probe in 40s".into()),
            },
        ],
        ..OutboxCounts::default()
    });
    s
}

#[test]
fn the_status_bar_shows_each_instance_and_keeps_the_one_in_trouble() {
    for size in SIZES {
        let s = two_instances(size);
        let bar = text(&s).lines().last().unwrap().to_owned();
        assert!(bar.contains("sandbox ✗ 3"), "{size:?}: {bar}");
        if size.0 >= 120 {
            assert!(bar.contains("hibernating"), "{bar}");
            assert!(bar.contains("prod-eu ● 0"), "{bar}");
        }
        insta::assert_snapshot!(
            format!("status_two_instances_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

/// A status that came back from ServiceNow shows who changed which incident, under the entry.
#[test]
fn a_back_synced_status_says_which_incident_and_who_in_the_history() {
    use crate::domain::{ArchiveReason, Status};
    let mut s = loaded(10, (120, 40));
    let detail = s.detail.as_mut().unwrap().data.as_mut().unwrap();
    detail.history.push(super::backend::StatusChange {
        from: Status::Acknowledged,
        to: Status::Archived(ArchiveReason::Resolved),
        by: "servicenow:beth.anglin".into(),
        at: ago(120),
        detail: Some(
            "INC0010004 Resolved, close code Solution provided (changed in ServiceNow by \
             beth.anglin at 2026-12-01 10:00:00 UTC)"
                .into(),
        ),
    });
    // Full size (A-1000 has no link, so enter opens its detail).
    press(&mut s, [key(crossterm::event::KeyCode::Enter)]);
    let t = text(&s);
    assert!(t.contains("by servicenow:beth.anglin"), "{t}");
    assert!(t.contains("INC0010004 Resolved, close code"), "{t}");
    insta::assert_snapshot!("detail_back_synced_history_120x40", draw(&s).backend());
}
