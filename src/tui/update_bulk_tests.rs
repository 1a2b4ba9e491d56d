//! Unit tests of `update` for the error log (issue 10 point 3) and bulk actions on marked rows
//! (point 6): one comment per anomaly, one incident for all then a link per other anomaly, the
//! marks rule (cleared after success, kept after a failure), mark all / range / invert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;

use crate::domain::{AnomalyKey, IncidentRef};

use super::backend::CreateOutcome;
use super::effect::Effect;
use super::msg::{Msg, Reply, ReqId};
use super::popup::Popup;
use super::state::{Level, State};
use super::test_support::*;
use super::update;

fn reply(s: &mut State, req: ReqId, reply: Reply) -> Vec<Effect> {
    update(s, Msg::Reply { req, reply })
}

fn marked_ids(s: &State) -> Vec<String> {
    if s.list.marked_count() == 0 {
        return Vec::new();
    }
    s.list.targets().into_iter().map(|k| k.id).collect()
}

fn inc(number: &str) -> IncidentRef {
    IncidentRef {
        instance: "default".into(),
        table: "incident".into(),
        sys_id: format!("sys-{number}"),
        number: number.into(),
    }
}

#[test]
fn errors_are_logged_counted_and_shown_by_the_errors_action() {
    let mut s = loaded(5, (80, 24));
    s.toast(Level::Error, "a; check b");
    s.toast(Level::Info, "not an error");
    s.toast(Level::Error, "a; check b");
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors.newest_first().next().unwrap().count, 2);
    assert_eq!(s.last_error.as_deref(), Some("a; check b"));
    // A failing poll records its error once per change, like the status bar.
    let req = s.req();
    reply(&mut s, req, Reply::Outbox(Err("store locked".into())));
    let req = s.req();
    reply(&mut s, req, Reply::Outbox(Err("store locked".into())));
    assert_eq!(s.errors.len(), 2);
    press(&mut s, [ch('E')]);
    assert!(matches!(s.popup, Some(Popup::Errors { scroll: 0 })));
    press(&mut s, [ch('j'), ch('j'), ch('k')]);
    assert!(matches!(s.popup, Some(Popup::Errors { scroll: 1 })));
    press(&mut s, [ch('q')]);
    assert!(
        s.popup.is_none() && !s.quit,
        "q closes the popup, it does not quit"
    );
}

#[test]
fn the_palette_reaches_errors() {
    let mut s = loaded(5, (80, 24));
    press(&mut s, [ch(':')]);
    for c in "errors".chars() {
        press(&mut s, [ch(c)]);
    }
    press(&mut s, [key(KeyCode::Enter)]);
    assert!(
        matches!(s.popup, Some(Popup::Errors { .. })),
        "{:?}",
        s.popup
    );
}

#[test]
fn mark_all_range_and_invert() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ctrl('a')]);
    assert_eq!(s.list.marked_count(), 10);
    press(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.list.marked_count(), 0);
    // space marks A-1001 (and moves to A-1002); then down to A-1004, V marks 1001..=1004.
    press(&mut s, [ch('j'), ch(' '), ch('j'), ch('j'), ch('V')]);
    assert_eq!(marked_ids(&s), ["A-1001", "A-1002", "A-1003", "A-1004"]);
    press(&mut s, [ch('*')]);
    assert_eq!(
        marked_ids(&s),
        ["A-1000", "A-1005", "A-1006", "A-1007", "A-1008", "A-1009"]
    );
    // Only the rows shown: a filter hides some, they keep their marks.
    press(&mut s, [key(KeyCode::Esc), ch('/')]);
    for c in "A-1000".chars() {
        press(&mut s, [ch(c)]);
    }
    press(&mut s, [key(KeyCode::Enter), ctrl('a')]);
    assert_eq!(s.list.marked_count(), 1);
}

#[test]
fn bulk_comment_sends_one_comment_per_anomaly_and_clears_the_marks() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch(' '), ch('m')]);
    let Some(Popup::Comment(c)) = &s.popup else {
        panic!("{:?}", s.popup)
    };
    assert_eq!(c.targets.len(), 3);
    press(&mut s, [ch('h'), ch('i')]);
    let effects = press(&mut s, [ctrl('s')]);
    let sent: Vec<(ReqId, AnomalyKey)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Comment { req, id, text } => {
                assert_eq!(text, "hi");
                Some((*req, id.clone()))
            }
            _ => None,
        })
        .collect();
    let ids: Vec<&str> = sent.iter().map(|(_, k)| k.id.as_str()).collect();
    assert_eq!(ids, ["A-1000", "A-1001", "A-1002"]);
    assert!(s.popup.is_none());
    for (i, (req, key)) in sent.into_iter().enumerate() {
        // Marks stay until every answer is in.
        assert_eq!(s.list.marked_count(), 3, "answer {i}");
        reply(
            &mut s,
            req,
            Reply::Commented {
                anomaly: key,
                result: Ok(()),
            },
        );
    }
    assert_eq!(s.list.marked_count(), 0);
    let said: Vec<&str> = s.toasts.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with("comment saved on 3 anomalies (A-1000, A-1001, A-1002)"),
        "{said:?}"
    );
}

#[test]
fn a_failed_bulk_comment_keeps_the_marks_and_names_the_failure() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch('m'), ch('x')]);
    let effects = press(&mut s, [ctrl('s')]);
    let sent: Vec<(ReqId, AnomalyKey)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Comment { req, id, .. } => Some((*req, id.clone())),
            _ => None,
        })
        .collect();
    reply(
        &mut s,
        sent[0].0,
        Reply::Commented {
            anomaly: sent[0].1.clone(),
            result: Ok(()),
        },
    );
    // The second never answers on its own (timed out).
    reply(
        &mut s,
        sent[1].0,
        Reply::Failed("comment timed out after 30s".into()),
    );
    assert_eq!(marked_ids(&s), ["A-1000", "A-1001"]);
    let err = s.last_error.clone().unwrap();
    assert!(err.contains("comment failed for 1 of 2 anomalies"), "{err}");
    assert!(err.contains("A-1001: comment timed out"), "{err}");
    assert!(err.contains("marks kept"), "{err}");
}

#[test]
fn bulk_create_makes_one_incident_and_links_the_others() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch(' '), ch('c'), ch('y')]);
    let Some(Popup::Ticket(form)) = &s.popup else {
        panic!("{:?}", s.popup)
    };
    assert_eq!(form.anomaly_ids(), ["A-1000", "A-1001", "A-1002"]);
    // One block per anomaly in the description.
    let description = form.description_text();
    for id in ["A-1000", "A-1001", "A-1002"] {
        assert!(
            crate::domain::has_block(&description, id),
            "{id}: {description}"
        );
    }
    let effects = press(&mut s, [ctrl('s')]);
    // One create, for the first anomaly and (queued with it) the others: the worker links them
    // all when it records the create, so no link is sent from here.
    let (req, anomaly, also) = effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateTicket {
                req, anomaly, also, ..
            } => Some((*req, anomaly.clone(), also.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(anomaly.id, "A-1000");
    let also: Vec<&str> = also.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(also, ["A-1001", "A-1002"]);
    let effects = reply(
        &mut s,
        req,
        Reply::Created {
            anomaly,
            result: Ok(CreateOutcome::Created(inc("INC0010099"))),
        },
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Link { .. })),
        "{effects:?}"
    );
    assert_eq!(s.list.marked_count(), 0);
    let last = s.toasts.last().unwrap();
    assert_eq!(
        last.text,
        "created INC0010099 for 3 anomalies: A-1000, A-1001, A-1002"
    );
}

#[test]
fn a_bulk_create_that_stays_queued_is_linked_to_all_later_and_a_failed_one_keeps_the_marks() {
    let mut s = loaded(10, (80, 24));
    press(&mut s, [ch(' '), ch(' '), ch('c'), ch('y')]);
    let effects = press(&mut s, [ctrl('s')]);
    let (req, anomaly) = effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateTicket { req, anomaly, .. } => Some((*req, anomaly.clone())),
            _ => None,
        })
        .unwrap();
    let effects = reply(
        &mut s,
        req,
        Reply::Created {
            anomaly,
            result: Ok(CreateOutcome::Queued {
                id: 7,
                why: "ServiceNow is slow to answer".into(),
            }),
        },
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Link { .. })));
    // Queued with its targets: nothing is lost, so the action succeeded (marks cleared).
    assert_eq!(s.list.marked_count(), 0);
    let said = &s.toasts.last().unwrap().text;
    assert_eq!(
        said,
        "ServiceNow is slow to answer: one incident for 2 anomalies (A-1000, A-1001) is queued \
         as #7; each is linked when it is created"
    );
    // A create that failed outright says so, and keeps the marks.
    press(&mut s, [ch('g'), ch(' '), ch(' '), ch('c'), ch('y')]);
    assert_eq!(s.list.marked_count(), 2);
    let effects = press(&mut s, [ctrl('s')]);
    let (req, anomaly) = effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateTicket { req, anomaly, .. } => Some((*req, anomaly.clone())),
            _ => None,
        })
        .unwrap();
    reply(
        &mut s,
        req,
        Reply::Created {
            anomaly,
            result: Err("create failed: 403 from instance".into()),
        },
    );
    let err = s.last_error.clone().unwrap();
    assert!(
        err.contains("403 from instance; no incident for A-1000, A-1001 (marks kept)"),
        "{err}"
    );
    assert_eq!(s.list.marked_count(), 2);
}

#[test]
fn bulk_link_clears_the_marks_once_every_link_is_made() {
    let mut s = loaded(10, (80, 24));
    s.list.replace_rows(rows(10));
    press(&mut s, [ch(' '), ch(' '), ch('l')]);
    for c in "INC0010050".chars() {
        press(&mut s, [ch(c)]);
    }
    press(&mut s, [key(KeyCode::Enter)]);
    let Some(Popup::Confirm(c)) = &s.popup else {
        panic!("{:?}", s.popup)
    };
    assert_eq!(c.items, ["A-1000", "A-1001"]);
    let effects = press(&mut s, [ch('y')]);
    let links: Vec<(ReqId, AnomalyKey)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Link { req, anomaly, .. } => Some((*req, anomaly.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(links.len(), 2);
    for (req, key) in links {
        reply(
            &mut s,
            req,
            Reply::Linked {
                anomaly: key,
                result: Ok(inc("INC0010050")),
            },
        );
    }
    assert_eq!(s.list.marked_count(), 0);
    assert_eq!(
        s.toasts.last().unwrap().text,
        "linked INC0010050 to 2 anomalies: A-1000, A-1001"
    );
}

#[test]
fn unlink_with_marks_says_it_acts_on_the_selected_link_only() {
    let mut s = loaded(10, (80, 24));
    press(
        &mut s,
        [
            ch(' '),
            ch('k'),
            key(KeyCode::Tab),
            key(KeyCode::Tab),
            ch('u'),
        ],
    );
    let Some(Popup::Confirm(c)) = &s.popup else {
        panic!("{:?}", s.popup)
    };
    assert!(
        c.question
            .contains("Only this link: the 1 marked rows are not changed"),
        "{}",
        c.question
    );
}
