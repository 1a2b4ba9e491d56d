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
fn filter_narrows_incrementally_and_esc_goes_back_to_the_kept_filter() {
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
    // Esc while editing goes back to the kept filter; esc in the list does not drop it.
    press(&mut s, [ch('/'), ch('x'), key(KeyCode::Esc)]);
    assert_eq!(s.list.filter(), "nul");
    assert_eq!(s.list.shown(), narrowed);
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.list.filter(), "nul");
    assert!(s.toasts.last().unwrap().text.contains("the filter stays"));
    // Cleared on purpose: /, ctrl-u, enter.
    press(&mut s, [ch('/'), ctrl('u'), key(KeyCode::Enter)]);
    assert_eq!(s.list.shown(), 60);
    // Terms are ANDed, case-insensitive, across id, title, source and datastore.
    s.list.set_filter("A-1003 POSTGRES");
    assert_eq!(s.list.shown(), 1);
}

#[test]
fn field_filters_select_by_severity_status_source_and_links() {
    let mut s = loaded(60, (80, 24));
    let count = |_: &State, f: &dyn Fn(&super::backend::AnomalyRow) -> bool| {
        rows(60).iter().filter(|r| f(r)).count()
    };
    press(&mut s, [ch('/')]);
    type_text(&mut s, "sev:crit");
    let crit = count(&s, &|r| {
        r.severity == Some(crate::domain::Severity::Critical)
    });
    assert_eq!(s.list.shown(), crit);
    press(&mut s, [ctrl('u')]);
    type_text(&mut s, "status:ack linked:yes");
    let want = count(&s, &|r| {
        r.status == Status::Acknowledged && r.link_count > 0
    });
    assert_eq!(s.list.shown(), want);
    press(&mut s, [ctrl('u')]);
    type_text(&mut s, "src:wh -store:snow");
    assert_eq!(s.list.shown(), 30, "the postgres half");
    press(&mut s, [ctrl('u')]);
    type_text(&mut s, "src:nosuch");
    assert_eq!(s.list.shown(), 0);
    assert!(crit > 0 && want > 0);
}

#[test]
fn hide_cycles_archived_then_acknowledged_and_back() {
    let mut s = loaded(30, (80, 24));
    press(&mut s, [ch('h')]);
    assert_eq!(s.list.shown(), 20, "a third of the rows is archived");
    assert!(
        s.list
            .window(30)
            .all(|(_, r)| !matches!(r.status, Status::Archived(_)))
    );
    press(&mut s, [ch('h')]);
    assert_eq!(s.list.shown(), 10, "only the active ones");
    // The hide toggle and a filter combine.
    s.list.set_filter("sev:crit");
    assert!(s.list.shown() <= 10);
    s.list.set_filter("");
    press(&mut s, [ch('h')]);
    assert_eq!(s.list.shown(), 30);
}

#[test]
fn sort_by_any_column_and_reverse() {
    // Tall enough to show every row: the window follows the cursor.
    let mut s = loaded(12, (80, 40));
    let ids = |s: &State| -> Vec<String> { s.list.window(12).map(|(_, r)| r.id.clone()).collect() };
    assert_eq!(ids(&s)[0], "A-1000", "newest first");
    press(&mut s, [ch('R')]);
    assert_eq!(ids(&s)[0], "A-1011", "oldest first");
    assert!(s.list.sort().reverse);
    // `s` moves to the next column in its natural direction: every column is reachable.
    let mut seen = Vec::new();
    for _ in 0..8 {
        press(&mut s, [ch('s')]);
        seen.push(s.list.sort().key);
        assert!(!s.list.sort().reverse);
    }
    assert_eq!(seen.len(), super::list::SortKey::ALL.len());
    for k in super::list::SortKey::ALL {
        assert!(seen.contains(&k), "{k:?}");
    }
    while s.list.sort().key != super::list::SortKey::Id {
        press(&mut s, [ch('s')]);
    }
    assert_eq!(ids(&s)[..3], ["A-1000", "A-1001", "A-1002"]);
    press(&mut s, [ch('R')]);
    assert_eq!(ids(&s)[0], "A-1011");
}

#[test]
fn enter_opens_the_detail_full_size_and_esc_backs_out_one_level() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch('/')]);
    type_text(&mut s, "null");
    press(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert!(s.zoomed);
    assert_eq!(s.focus, Pane::Detail);
    press(&mut s, [ch('j')]);
    assert_eq!(s.detail_scroll, 1, "j scrolls the opened detail");
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(!s.zoomed);
    assert_eq!(s.focus, Pane::List);
    assert_eq!(s.list.marked_count(), 1, "one level only");
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.list.marked_count(), 0);
    assert_eq!(s.list.filter(), "null", "the kept filter stays");
}

#[test]
fn help_is_searchable() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [ch('?')]);
    type_text(&mut s, "reverse");
    let Some(Popup::Help(h)) = &s.popup else {
        panic!("help closed: {:?}", s.popup)
    };
    let lines: Vec<String> = super::ui::help_lines(&s, h.query.text())
        .iter()
        .map(|l| l.spans.iter().map(|sp| sp.content.as_ref()).collect())
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("reverse_sort")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("move_down")), "{lines:?}");
    // Esc clears the search first, then closes.
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(&s.popup, Some(Popup::Help(h)) if h.query.text().is_empty()));
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
}

#[test]
fn sort_cycles_and_keeps_the_selection() {
    let mut s = loaded(20, (80, 24));
    press(&mut s, [ch('j'), ch('j')]);
    let before = selected_id(&s);
    press(&mut s, [ch('s')]);
    assert_eq!(s.list.sort().key, super::list::SortKey::Severity);
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
    // A list update answered for a request we no longer wait for is dropped.
    poll(&mut s, 1);
    let effects = poll(&mut s, 2);
    let since = since_req(&effects);
    let stale = s.req();
    reply(
        &mut s,
        stale,
        Reply::AnomaliesSince {
            since: 0,
            result: Ok((rows(7), 7)),
        },
    );
    assert_eq!(s.list.total(), 5);
    reply(
        &mut s,
        since,
        Reply::AnomaliesSince {
            since: 0,
            result: Ok((rows(7), 7)),
        },
    );
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

/// One status poll answer with this store fingerprint.
fn poll(s: &mut State, version: u64) -> Vec<Effect> {
    let req = s.req();
    reply(
        s,
        req,
        Reply::Outbox(Ok(OutboxCounts {
            store_version: version,
            others: Vec::new(),
            ..Default::default()
        })),
    )
}

fn since_req(effects: &[Effect]) -> ReqId {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadAnomaliesSince { req, .. } => Some(*req),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no list update in {effects:?}"))
}

/// Drives a store change through the poll: the fingerprint moves, the dashboard asks for the
/// rows since its revision, and gets `rows` (with revision `top`).
fn live_update(s: &mut State, rows: Vec<super::backend::AnomalyRow>, top: i64) -> Vec<Effect> {
    let version = s.outbox.as_ref().map_or(0, |o| o.store_version);
    if s.outbox.is_none() {
        poll(s, version);
    }
    let effects = poll(s, version + 1);
    let req = since_req(&effects);
    let since = s.rev;
    let mut out = effects;
    out.extend(reply(
        s,
        req,
        Reply::AnomaliesSince {
            since,
            result: Ok((rows, top)),
        },
    ));
    out
}

fn toasts(s: &State) -> Vec<String> {
    s.toasts.iter().map(|t| t.text.clone()).collect()
}

#[test]
fn a_store_changed_by_another_process_updates_the_list_once() {
    let mut s = loaded(10, (80, 24));
    s.rev = 40;
    assert!(
        poll(&mut s, 7).is_empty(),
        "the first reading only records the version"
    );
    assert!(poll(&mut s, 7).is_empty(), "unchanged: nothing to fetch");
    let effects = poll(&mut s, 8);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomaliesSince { rev: 40, .. })),
        "{effects:?}"
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomalies { .. })),
        "never a full reload: {effects:?}"
    );
    // The selected detail reloads too (comments and link states carry no row revision).
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadDetail { .. }))
    );
    // Another change while the fetch is in flight is fetched after it, at the next poll.
    assert!(poll(&mut s, 9).is_empty());
    assert!(s.list_stale);
    let req = since_req(&effects);
    reply(
        &mut s,
        req,
        Reply::AnomaliesSince {
            since: 40,
            result: Ok((Vec::new(), 41)),
        },
    );
    assert_eq!(s.rev, 41);
    let again = poll(&mut s, 9);
    assert!(
        again
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomaliesSince { rev: 41, .. })),
        "{again:?}"
    );
}

#[test]
fn a_full_load_checks_once_for_changes_it_may_have_missed() {
    let mut s = state_with(0, (80, 24));
    let effects = super::update::start(&mut s);
    let load = effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadAnomalies { req } => Some(*req),
            _ => None,
        })
        .unwrap();
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadSources { .. })),
        "source health is part of the status poll: {effects:?}"
    );
    reply(&mut s, load, Reply::Anomalies(Ok((rows(5), 12))));
    assert_eq!((s.list.total(), s.rev), (5, 12));
    assert_eq!(s.list.new_count(), 0, "the initial load marks nothing new");
    // The first poll asks once (the load and the fingerprint were read apart)…
    let first = poll(&mut s, 3);
    assert!(
        first
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomaliesSince { rev: 12, .. }))
    );
    reply(
        &mut s,
        since_req(&first),
        Reply::AnomaliesSince {
            since: 12,
            result: Ok((Vec::new(), 12)),
        },
    );
    // …then only when the fingerprint moves.
    assert!(poll(&mut s, 3).is_empty());
    assert!(poll(&mut s, 3).is_empty());
}

#[test]
fn merge_keeps_filter_selection_marks_and_offset_and_marks_new_rows() {
    let mut s = loaded(40, (80, 24));
    press(
        &mut s,
        [
            ch('/'),
            ch('n'),
            ch('u'),
            ch('l'),
            ch('l'),
            key(KeyCode::Enter),
        ],
    );
    press(&mut s, [ch(' '), ch('j'), ch('j')]);
    let shown = s.list.shown();
    let selected = s.list.selected().unwrap().key.clone();
    let marked = s.list.window(1).next().unwrap().1.key.clone();
    assert!(s.list.is_marked(&marked));
    let offset = s.list.offset();
    // Two new matching rows (one newer than all, one older), one that does not match the
    // filter, and the selected row retitled (still matching).
    let mut newest = row(102);
    newest.detected_at = Some(ago(-60));
    let mut oldest = row(108);
    oldest.detected_at = Some(ago(999_999));
    let hidden = row(101);
    let mut retitled = s.list.selected().unwrap().clone();
    retitled.title = "Null ids again".into();
    live_update(&mut s, vec![newest, oldest, hidden, retitled], 50);
    assert_eq!(s.rev, 50);
    assert_eq!(s.list.filter(), "null");
    assert_eq!(s.list.shown(), shown + 2);
    assert_eq!(s.list.total(), 43);
    assert_eq!(
        s.list.selected().unwrap().key,
        selected,
        "same anomaly selected"
    );
    assert_eq!(s.list.selected().unwrap().title, "Null ids again");
    assert!(s.list.is_marked(&marked));
    assert_eq!(s.list.marked_count(), 1);
    assert_eq!(s.list.offset(), offset);
    assert_eq!(s.list.new_count(), 3);
    assert!(s.list.is_new(&row(102).key));
    assert!(!s.list.is_new(&selected));
    assert_eq!(toasts(&s).last().unwrap(), "3 new anomalies, 1 changed");
    // The newest is first; selecting it clears its marker.
    press(&mut s, [ch('g')]);
    assert_eq!(s.list.selected().unwrap().key, row(102).key);
    assert!(!s.list.is_new(&row(102).key));
    assert_eq!(s.list.new_count(), 2);
}

#[test]
fn a_changed_row_is_replaced_in_place_without_a_toast() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch('j'), ch('j'), ch('j')]);
    let before: Vec<String> = s.list.window(10).map(|(_, r)| r.id.clone()).collect();
    let mut r = row(5);
    r.title = "renamed upstream".into();
    r.link_count = 2;
    s.dirty = false;
    live_update(&mut s, vec![r, row(6)], 3);
    let after: Vec<String> = s.list.window(10).map(|(_, r)| r.id.clone()).collect();
    assert_eq!(before, after, "same order");
    assert_eq!(s.list.row(&row(5).key).unwrap().title, "renamed upstream");
    assert_eq!(s.list.cursor(), 3);
    assert_eq!(s.list.new_count(), 0);
    assert!(toasts(&s).is_empty(), "{:?}", toasts(&s));
    assert!(s.dirty, "the changed row is drawn");
    // Our own change coming back (same content) changes nothing and draws nothing.
    s.dirty = false;
    let same = s.list.row(&row(5).key).unwrap().clone();
    let effects = poll(&mut s, 9);
    s.dirty = false;
    reply(
        &mut s,
        since_req(&effects),
        Reply::AnomaliesSince {
            since: 3,
            result: Ok((vec![same], 4)),
        },
    );
    assert!(!s.dirty);
}

#[test]
fn one_new_anomaly_reads_singular() {
    let mut s = loaded(3, (80, 24));
    live_update(&mut s, vec![row(50)], 9);
    assert_eq!(toasts(&s), ["1 new anomaly"]);
}

#[test]
fn a_store_revision_going_backwards_reloads_everything() {
    let mut s = loaded(3, (80, 24));
    s.rev = 100;
    let effects = live_update(&mut s, rows(2), 2);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomalies { .. })),
        "{effects:?}"
    );
    assert_eq!(s.list.total(), 3, "nothing merged from another store");
}

#[test]
fn a_failed_update_says_so_once_and_retries() {
    let mut s = loaded(3, (80, 24));
    poll(&mut s, 1);
    for v in [2, 3] {
        let effects = poll(&mut s, v);
        reply(
            &mut s,
            since_req(&effects),
            Reply::AnomaliesSince {
                since: 0,
                result: Err("database is locked: retry".into()),
            },
        );
    }
    assert!(s.load_failed);
    assert_eq!(
        toasts(&s),
        ["could not update the list: database is locked: retry"]
    );
    assert!(s.list_stale, "the next poll asks again");
}

fn health(name: &str, ok: bool) -> super::backend::SourceHealth {
    super::backend::SourceHealth {
        name: name.into(),
        kind: if ok { "file" } else { "qualytics" }.into(),
        ok,
        last_success_at: Some(ago(3600)),
        last_error: (!ok).then(|| {
            "401 from https://qualytics.example: the token expired; set a new one in \
             QUALYTICS_TOKEN"
                .to_owned()
        }),
        next_poll_at: Some(ago(-240)),
        failures: if ok { 0 } else { 3 },
        capabilities: Vec::new(),
        ack_ttl_secs: None,
    }
}

#[test]
fn source_health_shows_in_the_status_bar_and_a_new_failure_is_said_once() {
    let mut s = loaded(5, (80, 24));
    poll(&mut s, 1);
    let list = vec![health("warehouse", true), health("qualytics-prod", false)];
    let req = s.req();
    reply(&mut s, req, Reply::Sources(Ok(list.clone())));
    assert_eq!(s.sources.as_ref().unwrap().len(), 2);
    let said = toasts(&s);
    assert_eq!(said.len(), 1);
    assert!(
        said[0].starts_with("source qualytics-prod: 401"),
        "{said:?}"
    );
    // The same health again: no toast, no redraw.
    s.dirty = false;
    let req = s.req();
    reply(&mut s, req, Reply::Sources(Ok(list)));
    assert!(!s.dirty);
    assert_eq!(toasts(&s).len(), 1);
    s.toasts.clear();
    let screen = text(&s);
    let bar = screen.lines().last().unwrap();
    assert!(bar.contains("outbox 0 pending"), "{bar}");
    // The source's error is the last error: its key hint takes the room of the failing
    // source's name (named in the toast, the errors popup and S).
    assert!(bar.contains("src 1✓ 1✗"), "{bar}");
    assert!(bar.contains("E: full error"), "{bar}");
    // S opens the detail with the full cause and fix.
    press(&mut s, [ch('S')]);
    assert!(matches!(s.popup, Some(Popup::Sources { .. })));
    let screen = text(&s);
    assert!(screen.contains("QUALYTICS_TOKEN"), "{screen}");
    assert!(screen.contains("3 failures in a row"), "{screen}");
}

#[test]
fn refresh_polls_sources_and_links_and_reports_both_in_one_toast() {
    let mut s = loaded(5, (80, 24));
    let effects = press(&mut s, [ch('r')]);
    let (src, links) = match effects.as_slice() {
        [
            Effect::RefreshSources { req: a },
            Effect::RefreshLinks { req: b },
        ] => (*a, *b),
        other => panic!("{other:?}"),
    };
    assert!(s.busy.contains(&src) && s.busy.contains(&links));
    // A second r while both run starts nothing.
    assert!(press(&mut s, [ch('r')]).is_empty());
    let after_sources = reply(&mut s, src, Reply::SourcesRefreshed(Ok(5)));
    assert!(
        after_sources
            .iter()
            .any(|e| matches!(e, Effect::LoadAnomaliesSince { .. })),
        "the new rows are fetched at once: {after_sources:?}"
    );
    assert!(
        after_sources
            .iter()
            .any(|e| matches!(e, Effect::LoadSources { .. }))
    );
    assert_eq!(toasts(&s), ["still refreshing sources and links…"]);
    reply(&mut s, links, Reply::LinksRefreshed(Ok(3)));
    assert_eq!(
        toasts(&s).last().unwrap(),
        "sources: 5 new or changed; links: 3 refreshed"
    );
    assert!(s.refresh.is_none() && s.busy.is_empty());
}

#[test]
fn refresh_errors_name_the_failing_source() {
    let mut s = loaded(5, (80, 24));
    let effects = press(&mut s, [ch('r')]);
    let reqs: Vec<ReqId> = effects.iter().filter_map(|e| e.req()).collect();
    reply(
        &mut s,
        reqs[1],
        Reply::Failed("request timed out after 90 s".into()),
    );
    reply(
        &mut s,
        reqs[0],
        Reply::SourcesRefreshed(Err(
            "qualytics-prod: 401 Unauthorized: renew the token".into()
        )),
    );
    let said = toasts(&s);
    assert_eq!(said.len(), 1, "{said:?}");
    assert_eq!(
        said[0],
        "sources failed: qualytics-prod: 401 Unauthorized: renew the token; \
         links failed: request timed out after 90 s"
    );
    assert_eq!(s.toasts[0].level, super::state::Level::Error);
}

fn status_set(s: &mut State, ids: Vec<crate::domain::AnomalyKey>, status: Status) {
    let req = s.busy_req();
    let n = ids.len();
    reply(
        s,
        req,
        Reply::StatusSet {
            ids,
            status,
            result: Ok(n),
        },
    );
}

#[test]
fn action_toasts_say_what_the_source_took_and_what_stayed_local() {
    let sources = || {
        vec![
            source_health("alerts", "alertmanager"),
            source_health("qx", "qualytics"),
            source_health("wh", "file"),
        ]
    };
    let mut s = loaded_from("alerts", 3, sources(), (80, 24));
    let key = s.list.selected().unwrap().key.clone();
    status_set(&mut s, vec![key.clone()], Status::Acknowledged);
    status_set(
        &mut s,
        vec![key.clone()],
        Status::Archived(ArchiveReason::Resolved),
    );
    let req = s.busy_req();
    reply(
        &mut s,
        req,
        Reply::Commented {
            anomaly: key.clone(),
            result: Ok(()),
        },
    );
    assert_eq!(
        toasts(&s),
        [
            "1 anomaly acknowledged; silenced in alerts for 4h; notes queued",
            "1 anomaly archived (Resolved); Alertmanager has no archive — kept local (its snowlink silence is expired); notes queued",
            format!(
                "comment on {} saved; kept local (alerts has no comment route); notes queued",
                key.id
            )
            .as_str(),
        ]
    );

    // A bulk action over several sources: one clause per source, none for one never read.
    let mut s = loaded_from("wh", 3, sources(), (80, 24));
    let keys = vec![
        crate::domain::AnomalyKey::new("wh", "A-1000"),
        crate::domain::AnomalyKey::new("wh", "A-1001"),
        crate::domain::AnomalyKey::new("qx", "17"),
        crate::domain::AnomalyKey::new("unread", "x"),
    ];
    status_set(&mut s, keys, Status::Acknowledged);
    assert_eq!(
        toasts(&s),
        ["4 anomalies acknowledged; kept local (file source); written back to qx; notes queued"]
    );

    // Sources not polled yet: the toast says nothing it does not know.
    let mut s = loaded(3, (80, 24));
    let key = s.list.selected().unwrap().key.clone();
    status_set(&mut s, vec![key], Status::Acknowledged);
    assert_eq!(toasts(&s), ["1 anomaly acknowledged; notes queued"]);
}

#[test]
fn ticket_form_defaults_follow_the_anomaly_severity() {
    use crate::domain::Severity;
    let form_levels = |s: &State| match &s.popup {
        Some(Popup::Ticket(f)) => (f.impact, f.urgency),
        other => panic!("no form: {other:?}"),
    };
    let mut s = loaded(3, (80, 24));
    // A-1000 is critical: impact 1, urgency 1 (priority 1), not ServiceNow's 3/3 (5 - Planning).
    press(&mut s, [ch('c'), ch('y')]);
    assert_eq!(form_levels(&s), (1, 1));
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
    // The configured map wins.
    s.ticket_defaults.set(Severity::Critical, 2, 1).unwrap();
    press(&mut s, [ch('c'), ch('y')]);
    assert_eq!(form_levels(&s), (2, 1));
    assert_eq!(super::form::priority(2, 1), (2, "High"));
}

#[test]
fn linking_an_incident_already_linked_says_so_and_changes_nothing() {
    let mut s = loaded(3, (80, 24));
    let effects = press(&mut s, [ch('l'), ch('I')]);
    let req = effects.last().unwrap().req().unwrap();
    let found = super::backend::IncidentSummary {
        table: "incident".into(),
        sys_id: "sys-INC0010001".into(),
        number: "INC0010001".into(),
        short_description: "x".into(),
        state: "In Progress".into(),
        priority: "2 - High".into(),
        assignment_group: String::new(),
        assigned_to: String::new(),
        active: true,
    };
    reply(&mut s, req, Reply::Incidents(Ok(vec![found])));
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    assert!(effects.iter().all(|e| !e.is_write()), "{effects:?}");
    assert!(s.popup.is_none());
    assert_eq!(
        s.toasts.last().unwrap().text,
        "INC0010001 is already linked to A-1000; nothing changed"
    );
    // Typed by number (any case), without picking a search result: the same.
    press(&mut s, [ch('l')]);
    if let Some(Popup::Link(d)) = s.popup.as_mut() {
        d.query = crate::tui::line_edit::LineInput::new("inc0010002");
    }
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    assert!(effects.iter().all(|e| !e.is_write()), "{effects:?}");
    assert!(
        s.toasts
            .last()
            .unwrap()
            .text
            .starts_with("INC0010002 is already linked")
    );
}

#[test]
fn a_toast_says_when_queued_deliveries_went_out() {
    let mut s = loaded(3, (80, 24));
    let counts = |pending, failed| OutboxCounts {
        pending,
        failed,
        ..Default::default()
    };
    s.outbox = Some(counts(3, 0));
    let req = s.req();
    reply(&mut s, req, Reply::Outbox(Ok(counts(1, 1))));
    assert_eq!(
        s.toasts.last().unwrap().text,
        "1 queued delivery delivered to default"
    );
    let before = s.toasts.len();
    // Unchanged counts, or a delivery that failed: no success toast.
    let req = s.req();
    reply(&mut s, req, Reply::Outbox(Ok(counts(1, 1))));
    let req = s.req();
    reply(&mut s, req, Reply::Outbox(Ok(counts(0, 2))));
    assert_eq!(s.toasts.len(), before);
}

/// ServiceNow unreachable: the backend queued the create; the form closes, the toast says it is
/// queued (with its outbox id) and will be made later, and the detail reloads to show it pending.
#[test]
fn a_queued_create_closes_the_form_and_says_so() {
    let mut s = loaded(3, (120, 40));
    let effects = press(&mut s, [ch('c'), ch('y'), ctrl('s')]);
    let req = effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateTicket { req, .. } => Some(*req),
            _ => None,
        })
        .unwrap();
    let anomaly = s.list.selected().unwrap().key.clone();
    let before = s.list.row(&anomaly).unwrap().link_count;
    let effects = reply(
        &mut s,
        req,
        Reply::Created {
            anomaly: anomaly.clone(),
            result: Ok(super::backend::CreateOutcome::Queued {
                id: 12,
                why: "ServiceNow unreachable".into(),
            }),
        },
    );
    assert!(s.popup.is_none());
    let toast = &s.toasts.last().unwrap().text;
    assert_eq!(
        toast,
        &format!(
            "ServiceNow unreachable: the incident for {} is queued as #12 and will be created when it is back",
            anomaly.id
        )
    );
    // No incident yet: the link count is unchanged until the worker makes it.
    assert_eq!(s.list.row(&anomaly).unwrap().link_count, before);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadDetail { .. }))
    );
}

/// The worker delivered a queued create: the next detail load has the new link where the
/// pending create was, and a toast names the real number.
#[test]
fn a_delivered_pending_create_is_announced_with_its_number() {
    let mut s = loaded(3, (120, 40));
    let key = s.list.selected().unwrap().key.clone();
    let row = s.list.row(&key).unwrap().clone();
    let mut pending = detail(&row);
    pending.pending_creates.push(super::backend::PendingCreate {
        instance: "default".into(),
        id: 12,
        state: "pending".into(),
        last_error: Some("ServiceNow unreachable".into()),
        queued_at: ago(60),
    });
    let load = |s: &mut State, d: super::backend::AnomalyDetail| {
        let Effect::LoadDetail { req, id } = super::update::load_detail(s, key.clone()) else {
            panic!()
        };
        reply(
            s,
            req,
            Reply::Detail {
                key: id,
                result: Ok(d),
                urls: Vec::new(),
            },
        );
    };
    load(&mut s, pending.clone());
    assert_eq!(s.pending_creates().len(), 1);
    let toasts = s.toasts.len();
    let mut delivered = pending.clone();
    delivered.pending_creates.clear();
    delivered.links.push(link(&key, "INC0010042"));
    load(&mut s, delivered);
    assert!(s.pending_creates().is_empty());
    assert_eq!(s.toasts.len(), toasts + 1);
    assert_eq!(
        s.toasts.last().unwrap().text,
        format!(
            "created INC0010042 for {} (queued #12, now delivered)",
            key.id
        )
    );
}

#[test]
fn the_rules_popup_reads_the_counts_and_r_reads_them_again() {
    let mut s = loaded(3, (80, 24));
    let effects = press(&mut s, [ch('A')]);
    assert!(matches!(s.popup, Some(Popup::Rules { .. })));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadRules { .. })),
        "{effects:?}"
    );
    let effects = press(&mut s, [ch('r')]);
    assert!(
        matches!(s.popup, Some(Popup::Rules { .. })),
        "r keeps it open"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadRules { .. }))
    );
    press(&mut s, [ch('q')]);
    assert!(s.popup.is_none());
    // The palette reaches it by name.
    let found = crate::tui::palette::matches(&s.keymap, "rules");
    assert!(found.iter().any(|a| a.name() == "rules"), "{found:?}");
}
