//! The incident view: the key flow (enter on a link, on a one-link anomaly, esc, r, the timer),
//! its replies, and snapshots at 80×24 and 120×40.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;

use super::backend::{IncidentActivity, JournalLine};
use super::effect::Effect;
use super::msg::{Msg, Reply, ReqId};
use super::state::{Pane, State};
use super::test_support::*;
use super::update;

fn activity(number: &str) -> IncidentActivity {
    let line = |kind: &'static str, on: &str, author: &str, text: &str, own: bool| JournalLine {
        kind,
        created_on: on.into(),
        author: author.into(),
        author_user_name: None,
        text: text.into(),
        snowlink: own,
    };
    IncidentActivity {
        table: "incident".into(),
        sys_id: format!("sys-{number}"),
        number: number.into(),
        short_description: "Null customer ids in orders".into(),
        state: "In Progress".into(),
        priority: "2 - High".into(),
        assignment_group: "Database".into(),
        assigned_to: "Beth Anglin".into(),
        caller: "System Administrator".into(),
        opened_at: "2026-11-23 08:00:00".into(),
        updated_at: "2026-11-23 10:29:00".into(),
        journal_source: "sys_journal_field",
        journal_truncated: false,
        journal: vec![
            line(
                "comment",
                "2026-11-23 10:29:00",
                "Beth Anglin",
                "we see it in the report too",
                false,
            ),
            line(
                "work_note",
                "2026-11-23 10:20:00",
                "Beth Anglin",
                "checked the loader\n\nit drops NULLs when the feed is late",
                false,
            ),
            line(
                "work_note",
                "2026-11-23 10:00:00",
                "System Administrator",
                "[2026-11-23 10:00:00 UTC] Anomaly A-1000 status: Acknowledged",
                true,
            ),
        ],
        read_at: now(),
    }
}

/// The `LoadIncident` among `effects`: (req, number).
fn load(effects: &[Effect]) -> Option<(ReqId, String)> {
    effects.iter().find_map(|e| match e {
        Effect::LoadIncident { req, incident, .. } => Some((*req, incident.number.clone())),
        _ => None,
    })
}

fn answer(s: &mut State, req: ReqId, number: &str, result: Result<IncidentActivity, String>) {
    let incident = s.incident.as_ref().unwrap().incident.clone();
    assert_eq!(incident.number, number);
    update(
        s,
        Msg::Reply {
            req,
            reply: Reply::Incident {
                incident,
                result,
                mark: None,
            },
        },
    );
}

/// The `unless` of the `LoadIncident` among `effects` (`None`: a plain read).
fn check_of(effects: &[Effect]) -> Option<Option<String>> {
    effects.iter().find_map(|e| match e {
        Effect::LoadIncident { unless, .. } => unless.clone(),
        _ => None,
    })
}

/// A loaded state whose selected anomaly has only its first link.
fn one_link(size: (u16, u16)) -> State {
    let mut s = loaded(5, size);
    s.detail
        .as_mut()
        .unwrap()
        .data
        .as_mut()
        .unwrap()
        .links
        .truncate(1);
    s
}

/// The incident view of INC0010001, read.
fn open_view(size: (u16, u16)) -> State {
    let mut s = one_link(size);
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    let (req, number) = load(&effects).unwrap();
    answer(&mut s, req, &number, Ok(activity(&number)));
    s
}

#[test]
fn enter_on_a_one_link_anomaly_opens_its_incident() {
    let mut s = one_link((120, 40));
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    let (req, number) = load(&effects).expect("the incident is read");
    assert_eq!(number, "INC0010001");
    assert!(!s.zoomed, "not the full-size detail");
    assert!(s.busy.contains(&req), "the spinner turns while it reads");
    answer(&mut s, req, &number, Ok(activity(&number)));
    let v = s.incident.as_ref().unwrap();
    assert_eq!(v.read_at, Some(now()));
    assert_eq!(v.data.as_ref().unwrap().journal.len(), 3);
    assert!(s.busy.is_empty());
    // esc goes back to where enter was pressed.
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(s.incident.is_none());
    assert_eq!(s.focus, Pane::List);
}

#[test]
fn enter_keeps_the_full_size_detail_for_several_links_and_opens_the_selected_link_in_the_links_pane()
 {
    let mut s = loaded(5, (120, 40));
    assert_eq!(s.links().len(), 4);
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    assert!(load(&effects).is_none());
    assert!(s.zoomed && s.incident.is_none());
    // In the full-size detail, tab to the links pane, pick the second link, enter.
    let effects = press(&mut s, [key(KeyCode::Tab), ch('j'), key(KeyCode::Enter)]);
    assert_eq!(s.focus, Pane::Links);
    assert_eq!(load(&effects).unwrap().1, "INC0010002");
    // esc closes the view, then the full-size detail as before.
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(s.incident.is_none() && s.zoomed);
}

#[test]
fn no_link_means_the_full_size_detail() {
    let mut s = loaded(5, (80, 24));
    s.detail
        .as_mut()
        .unwrap()
        .data
        .as_mut()
        .unwrap()
        .links
        .clear();
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    assert!(load(&effects).is_none());
    assert!(s.zoomed);
}

#[test]
fn r_rereads_once_scrolls_move_and_anomaly_keys_do_nothing() {
    let mut s = open_view((80, 24));
    let effects = press(&mut s, [ch('r')]);
    let (req, number) = load(&effects).expect("r re-reads");
    // A second r while that read runs asks nothing more.
    assert!(load(&press(&mut s, [ch('r')])).is_none());
    // The view keeps what it had while re-reading.
    assert!(s.incident.as_ref().unwrap().data.is_some());
    let mut newer = activity(&number);
    newer.state = "Resolved".into();
    answer(&mut s, req, &number, Ok(newer));
    assert_eq!(
        s.incident.as_ref().unwrap().data.as_ref().unwrap().state,
        "Resolved"
    );
    press(&mut s, [ch('j'), ch('j'), ch('j')]);
    assert_eq!(s.incident.as_ref().unwrap().scroll, 3);
    press(&mut s, [ch('k')]);
    assert_eq!(s.incident.as_ref().unwrap().scroll, 2);
    press(&mut s, [ch('g')]);
    assert_eq!(s.incident.as_ref().unwrap().scroll, 0);
    // `a` would acknowledge the anomaly below: not from here.
    let effects = press(&mut s, [ch('a')]);
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Ack { .. })),
        "{effects:?}"
    );
    assert!(s.incident.is_some());
}

#[test]
fn a_failed_read_keeps_the_last_good_one_and_says_why() {
    let mut s = open_view((80, 24));
    let (req, number) = load(&press(&mut s, [ch('r')])).unwrap();
    answer(
        &mut s,
        req,
        &number,
        Err("503 from https://acme…: unavailable".into()),
    );
    let v = s.incident.as_ref().unwrap();
    assert!(v.data.is_some());
    assert_eq!(
        v.error.as_deref(),
        Some("503 from https://acme…: unavailable")
    );
    assert!(s.last_error.as_deref().unwrap().contains("INC0010001"));
    assert!(text(&s).contains("last read failed"), "{}", text(&s));
}

#[test]
fn replies_for_a_closed_or_other_view_are_dropped() {
    let mut s = one_link((80, 24));
    let (req, number) = load(&press(&mut s, [key(KeyCode::Enter)])).unwrap();
    press(&mut s, [key(KeyCode::Esc)]);
    let incident = crate::domain::IncidentRef {
        instance: "default".into(),
        table: "incident".into(),
        sys_id: format!("sys-{number}"),
        number: number.clone(),
    };
    update(
        &mut s,
        Msg::Reply {
            req,
            reply: Reply::Incident {
                incident,
                result: Ok(activity(&number)),
                mark: None,
            },
        },
    );
    assert!(
        s.incident.is_none(),
        "a late reply does not reopen the view"
    );
}

#[test]
fn the_view_asks_the_change_poller_and_rereads_only_when_it_saw_the_incident_move() {
    let mut s = open_view((80, 24));
    assert_eq!(s.info.poll_secs, Some(60));
    let view = |s: &State| s.incident.clone().unwrap();
    let incident = view(&s).incident;
    s.now = ago(-1);
    assert!(load(&update(&mut s, Msg::Tick)).is_none(), "not due yet");
    // Every couple of seconds: a check against the mark of the last read, not a read.
    s.now = ago(-2);
    let effects = update(&mut s, Msg::Tick);
    let (req, _) = load(&effects).expect("a check");
    assert_eq!(check_of(&effects), Some(None), "the mark the read had");
    assert!(load(&update(&mut s, Msg::Tick)).is_none(), "one at a time");
    let reply = |req, r: Reply| Msg::Reply { req, reply: r };
    update(
        &mut s,
        reply(
            req,
            Reply::IncidentUnchanged {
                incident: incident.clone(),
            },
        ),
    );
    assert_eq!(view(&s).read_at, Some(ago(0)), "the read is kept");
    assert_eq!(view(&s).checked_at, Some(ago(-2)));
    assert!(text(&s).contains("unchanged since"), "{}", text(&s));
    // The poller saw it move: the runtime read it; the new mark is kept for the next check.
    s.now = ago(-4);
    let (req, number) = load(&update(&mut s, Msg::Tick)).expect("the next check");
    update(
        &mut s,
        reply(
            req,
            Reply::Incident {
                incident: incident.clone(),
                result: Ok(activity(&number)),
                mark: Some("7@2026-12-01 10:00:00".into()),
            },
        ),
    );
    assert_eq!(view(&s).read_at, Some(ago(-4)));
    assert_eq!(view(&s).checked_at, None);
    s.now = ago(-6);
    assert_eq!(
        check_of(&update(&mut s, Msg::Tick)),
        Some(Some("7@2026-12-01 10:00:00".into()))
    );
    // `r` always reads.
    s.incident.as_mut().unwrap().req = None;
    assert_eq!(check_of(&press(&mut s, [key(KeyCode::Char('r'))])), None);
    // Closed: no more reads or checks.
    press(&mut s, [key(KeyCode::Esc)]);
    s.now = ago(-600);
    assert!(load(&update(&mut s, Msg::Tick)).is_none());
}

#[tokio::test]
async fn the_runtime_reads_only_when_the_mark_moved() {
    use super::backend::Backend;
    let mut b = crate::tui::fake::FakeBackend::default();
    let inc = crate::domain::IncidentRef {
        instance: "default".into(),
        table: "incident".into(),
        sys_id: "sys-INC0010001".into(),
        number: "INC0010001".into(),
    };
    b.activities
        .insert(inc.sys_id.clone(), activity("INC0010001"));
    b.marks.insert(inc.sys_id.clone(), "3@x".into());
    let run = |unless| Effect::LoadIncident {
        req: ReqId(1),
        incident: inc.clone(),
        unless,
    };
    let go = |e| async {
        match super::runtime::perform(&b, e, std::time::Duration::from_secs(5)).await {
            Some(Msg::Reply { reply, .. }) => Some(reply),
            _ => None,
        }
    };
    let same = go(run(Some(Some("3@x".into())))).await;
    assert!(
        matches!(same, Some(Reply::IncidentUnchanged { .. })),
        "{same:?}"
    );
    let moved = go(run(Some(Some("2@x".into())))).await;
    assert!(
        matches!(&moved, Some(Reply::Incident { mark: Some(m), result: Ok(_), .. }) if m == "3@x"),
        "{moved:?}"
    );
    let plain = go(run(None)).await;
    assert!(matches!(plain, Some(Reply::Incident { .. })), "{plain:?}");
    assert_eq!(
        b.calls()
            .iter()
            .filter(|c| c.starts_with("incident "))
            .count(),
        2,
        "{:?}",
        b.calls()
    );
    assert_eq!(b.incident_mark(&inc).await, Ok(Some("3@x".into())));
}

#[test]
fn the_read_age_redraws_as_it_changes() {
    let mut s = open_view((80, 24));
    assert!(text(&s).contains("read just now"), "{}", text(&s));
    s.dirty = false;
    s.now = ago(-125);
    update(&mut s, Msg::Tick);
    assert!(s.dirty, "the age label changed");
    assert!(text(&s).contains("read 2m ago"), "{}", text(&s));
}

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

#[test]
fn snapshots_of_the_incident_view() {
    for size in SIZES {
        let s = open_view(size);
        insta::assert_snapshot!(
            format!("incident_view_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

#[test]
fn snapshot_while_the_first_read_runs() {
    let mut s = one_link((80, 24));
    press(&mut s, [key(KeyCode::Enter)]);
    insta::assert_snapshot!("incident_view_reading_80x24", draw(&s).backend());
}
