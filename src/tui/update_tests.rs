//! Unit tests of `update`: navigation, filter, marks, form validation, stale results, read-only
//! refusal, too-small key handling, idle ticks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use crossterm::event::KeyCode;

use crate::config::KeyList;
use crate::domain::{ArchiveReason, Status};

use super::backend::OutboxCounts;
use super::effect::Effect;
use super::keymap::Keymap;
use super::msg::{Msg, Reply, ReqId};
use super::popup::Popup;
use super::state::{Pane, State};
use super::test_support::*;
use super::update;

fn selected_id(s: &State) -> String {
    s.list.selected().unwrap().id.clone()
}

fn reply(s: &mut State, req: ReqId, reply: Reply) -> Vec<Effect> {
    update(s, Msg::Reply { req, reply })
}

#[test]
fn navigation_moves_and_clamps() {
    let mut s = loaded(50, (80, 24));
    assert_eq!(selected_id(&s), "A-1000");
    press(&mut s, [ch('j'), ch('j'), key(KeyCode::Down)]);
    assert_eq!(selected_id(&s), "A-1003");
    press(&mut s, [ch('k')]);
    assert_eq!(selected_id(&s), "A-1002");
    press(&mut s, [ch('G')]);
    assert_eq!(selected_id(&s), "A-1049");
    press(&mut s, [ch('j')]);
    assert_eq!(selected_id(&s), "A-1049");
    // The window scrolled so the cursor is visible.
    let rows = super::ui::layout::list_rows(s.size);
    assert_eq!(s.list.offset(), 50 - rows);
    press(&mut s, [ch('g'), ctrl('d')]);
    assert_eq!(s.list.cursor(), rows);
    press(&mut s, [ch('k'), ch('k')]);
    assert!(s.list.offset() <= s.list.cursor());
}

#[test]
fn moving_loads_the_new_detail_once() {
    let mut s = loaded(5, (80, 24));
    let effects = update(&mut s, ch('j'));
    let loads: Vec<_> = effects
        .iter()
        .filter(|e| matches!(e, Effect::LoadDetail { .. }))
        .collect();
    assert_eq!(loads.len(), 1);
    // Not moving (already at top after k k) loads nothing new.
    press(&mut s, [ch('k')]);
    let effects = update(&mut s, ch('k'));
    assert!(effects.is_empty(), "{effects:?}");
}

#[test]
fn tab_cycles_panes_and_keys_act_on_the_focused_one() {
    let mut s = loaded(5, (80, 24));
    press(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.focus, Pane::Detail);
    press(&mut s, [ch('j'), ch('j')]);
    assert_eq!(s.detail_scroll, 2);
    assert_eq!(selected_id(&s), "A-1000");
    press(
        &mut s,
        [key(KeyCode::Tab), ch('j'), ch('j'), ch('j'), ch('j')],
    );
    assert_eq!(s.focus, Pane::Links);
    assert_eq!(s.link_cursor, 3, "clamped to the last of 4 links");
    press(&mut s, [key(KeyCode::BackTab)]);
    assert_eq!(s.focus, Pane::Detail);
}

#[test]
fn filter_narrows_incrementally_and_esc_clears() {
    let mut s = loaded(60, (80, 24));
    press(&mut s, [ch('/'), ch('n'), ch('u'), ch('l')]);
    let narrowed = s.list.shown();
    assert!(narrowed > 0 && narrowed < 60);
    // The same filter applied from scratch gives the same rows.
    let mut fresh = state_with(60, (80, 24));
    fresh.list.set_filter("nul");
    assert_eq!(fresh.list.shown(), narrowed);
    // Keys go to the filter while it is open: 'q' does not quit.
    press(&mut s, [ch('q')]);
    assert!(!s.quit);
    assert_eq!(s.list.shown(), 0);
    press(&mut s, [key(KeyCode::Backspace)]);
    assert_eq!(s.list.shown(), narrowed);
    press(&mut s, [key(KeyCode::Enter)]);
    assert!(s.filter_input.is_none());
    assert_eq!(s.list.filter(), "nul");
    press(&mut s, [ch('/'), key(KeyCode::Esc)]);
    assert_eq!(s.list.shown(), 60);
    // Terms are ANDed, case-insensitive, across id, title, source and datastore.
    s.list.set_filter("A-1003 POSTGRES");
    assert_eq!(s.list.shown(), 1);
}

#[test]
fn sort_cycles_and_keeps_the_selection() {
    let mut s = loaded(20, (80, 24));
    press(&mut s, [ch('j'), ch('j')]);
    let before = selected_id(&s);
    press(&mut s, [ch('s')]);
    assert_eq!(s.list.sort(), super::list::SortKey::Severity);
    assert_eq!(selected_id(&s), before);
    let first = s.list.window(1).next().unwrap().1.severity;
    assert_eq!(first, Some(crate::domain::Severity::Critical));
}

#[test]
fn bulk_ack_asks_once_and_sends_one_effect() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch('j'), ch(' ')]);
    assert_eq!(s.list.marked_count(), 3);
    let effects = press(&mut s, [ch('a')]);
    assert!(effects.iter().all(|e| !e.is_write()));
    assert!(matches!(s.popup, Some(Popup::Confirm(_))));
    let effects = press(&mut s, [ch('y')]);
    let acks: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Ack { req, ids } => Some((*req, ids.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(acks.len(), 1);
    let (req, ids) = acks[0].clone();
    let got: Vec<_> = ids.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(got, ["A-1000", "A-1001", "A-1003"]);
    assert!(s.busy.contains(&req));
    reply(
        &mut s,
        req,
        Reply::StatusSet {
            ids: ids.clone(),
            status: Status::Acknowledged,
            result: Ok(3),
        },
    );
    assert!(s.busy.is_empty());
    assert_eq!(s.list.marked_count(), 0);
    assert_eq!(s.list.row(&ids[2]).unwrap().status, Status::Acknowledged);
    assert!(
        s.toasts
            .last()
            .unwrap()
            .text
            .contains("3 anomalies acknowledged")
    );
}

#[test]
fn bulk_ack_can_be_declined() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch('a')]);
    let effects = press(&mut s, [ch('n')]);
    assert!(effects.iter().all(|e| !e.is_write()));
    assert!(s.popup.is_none());
    assert_eq!(s.list.marked_count(), 2);
}

#[test]
fn single_archive_picks_a_reason_without_extra_confirmation() {
    let mut s = loaded(10, (80, 24));
    let effects = press(&mut s, [ch('x'), ch('j'), key(KeyCode::Enter)]);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Archive { ids, reason: ArchiveReason::Invalid, .. } if ids.len() == 1
    )));
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch('x'), ch('3')]);
    assert!(matches!(s.popup, Some(Popup::Confirm(_))));
    let effects = press(&mut s, [ch('y')]);
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Archive { ids, reason: ArchiveReason::Duplicate, .. } if ids.len() == 2
    )));
}

#[test]
fn stale_detail_and_list_replies_are_dropped() {
    let mut s = state_with(5, (80, 24));
    let first = update(&mut s, Msg::Tick);
    let old = first
        .iter()
        .find_map(|e| match e {
            Effect::LoadDetail { req, id } => Some((*req, id.clone())),
            _ => None,
        })
        .unwrap();
    update(&mut s, ch('j'));
    let r0 = s.list.row(&old.1).unwrap().clone();
    reply(
        &mut s,
        old.0,
        Reply::Detail {
            key: old.1.clone(),
            result: Ok(detail(&r0)),
            urls: vec![],
        },
    );
    assert!(
        s.detail.as_ref().unwrap().data.is_none(),
        "stale detail shown"
    );
    // Two reloads: the first answer is stale.
    let r1 = super::update::apply_action(&mut s, super::action::Action::Refresh);
    let r2 = super::update::apply_action(&mut s, super::action::Action::Refresh);
    let load = |e: &[Effect]| {
        e.iter()
            .find_map(|e| match e {
                Effect::LoadAnomalies { req } => Some(*req),
                _ => None,
            })
            .unwrap()
    };
    reply(&mut s, load(&r1), Reply::Anomalies(Ok(rows(1))));
    assert_eq!(s.list.total(), 5);
    reply(&mut s, load(&r2), Reply::Anomalies(Ok(rows(7))));
    assert_eq!(s.list.total(), 7);
}

#[test]
fn too_small_ignores_everything_but_quit() {
    let mut s = loaded(10, (80, 24));
    update(&mut s, Msg::Resize(50, 12));
    assert!(s.too_small());
    for m in [ch('j'), ch('c'), ch('?'), ch(':'), ch(' '), ch('a')] {
        assert!(update(&mut s, m).is_empty());
    }
    assert!(s.popup.is_none());
    assert_eq!(s.list.cursor(), 0);
    assert_eq!(s.list.marked_count(), 0);
    update(&mut s, ch('q'));
    assert!(s.quit);
}

#[test]
fn resize_back_restores_the_dashboard() {
    let mut s = loaded(10, (80, 24));
    update(&mut s, Msg::Resize(40, 10));
    update(&mut s, Msg::Resize(120, 40));
    assert!(!s.too_small());
    press(&mut s, [ch('j')]);
    assert_eq!(s.list.cursor(), 1);
}

#[test]
fn idle_ticks_do_not_redraw() {
    let mut s = loaded(10, (80, 24));
    // Settle: the first tick records the age labels.
    update(&mut s, Msg::Tick);
    let mut redraws = 0;
    for _ in 0..20 {
        s.dirty = false;
        s.now = s
            .now
            .checked_add(jiff::SignedDuration::from_secs(1))
            .unwrap();
        for e in update(&mut s, Msg::Tick) {
            // Answer polls with unchanged values.
            match e {
                Effect::LoadOutbox { req } => {
                    reply(&mut s, req, Reply::Outbox(Ok(Default::default())));
                }
                Effect::CheckConnection { req } => {
                    let c = s.connection.clone();
                    reply(&mut s, req, Reply::Connection(c));
                }
                _ => {}
            }
        }
        // The first poll reply changes the outbox from unknown to zero: one redraw.
        if s.dirty {
            redraws += 1;
        }
    }
    assert!(redraws <= 2, "{redraws} redraws in 20 idle seconds");
    // A stale label crossing a minute boundary is a visible change.
    s.dirty = false;
    s.now = s
        .now
        .checked_add(jiff::SignedDuration::from_secs(60))
        .unwrap();
    update(&mut s, Msg::Tick);
    assert!(s.dirty);
}

#[test]
fn spinner_turns_only_while_busy() {
    let mut s = loaded(3, (80, 24));
    update(&mut s, Msg::Tick);
    s.dirty = false;
    let effects = press(&mut s, [ch('a')]);
    let req = effects[0].req().unwrap();
    s.dirty = false;
    update(&mut s, Msg::Tick);
    assert!(s.dirty);
    assert_eq!(s.tick_period().as_millis(), 100);
    reply(
        &mut s,
        req,
        Reply::StatusSet {
            ids: vec![],
            status: Status::Acknowledged,
            result: Ok(0),
        },
    );
    assert_eq!(s.tick_period().as_secs(), 1);
}

#[test]
fn rebound_keys_drive_update() {
    let mut overrides = BTreeMap::new();
    overrides.insert("move_down".to_owned(), KeyList(vec!["n".into()]));
    let mut s = loaded(5, (80, 24));
    s.keymap = Keymap::from_config(&overrides).unwrap();
    press(&mut s, [ch('j')]);
    assert_eq!(s.list.cursor(), 0);
    press(&mut s, [ch('n')]);
    assert_eq!(s.list.cursor(), 1);
}

#[test]
fn an_unbound_key_does_not_hide_an_earlier_change_in_the_batch() {
    let mut s = loaded(5, (80, 24));
    s.dirty = false;
    update(&mut s, ch('j'));
    update(&mut s, ch('Z'));
    assert!(s.dirty, "the move must still be drawn");
    s.dirty = false;
    update(&mut s, ch('Z'));
    assert!(!s.dirty, "a key that changes nothing must not redraw");
}

#[test]
fn a_store_changed_by_another_process_reloads_the_list_once() {
    let mut s = loaded(10, (80, 24));
    let poll = |s: &mut State, version: u64| {
        let req = s.req();
        reply(
            s,
            req,
            Reply::Outbox(Ok(OutboxCounts {
                store_version: version,
                ..Default::default()
            })),
        )
    };
    assert!(
        poll(&mut s, 7).is_empty(),
        "the first reading only records the version"
    );
    assert!(poll(&mut s, 7).is_empty(), "unchanged: nothing to reload");
    let effects = poll(&mut s, 8);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomalies { .. })),
        "{effects:?}"
    );
}
