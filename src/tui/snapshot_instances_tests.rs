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
