//! Unit tests of `update` for forms and dialogs: ticket form validation and submit, choice and
//! search results (stale ones dropped), read-only refusal, link, unlink, comment, palette, copy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;

use crate::domain::IncidentRef;

use super::backend::{ChoiceItem, IncidentSummary, Served};
use super::effect::Effect;
use super::form::Field;
use super::msg::{Msg, Reply, ReqId};
use super::popup::Popup;
use super::state::State;
use super::test_support::*;
use super::update;

fn reply(s: &mut State, req: ReqId, reply: Reply) -> Vec<Effect> {
    update(s, Msg::Reply { req, reply })
}

fn form(s: &State) -> &super::form::TicketForm {
    match &s.popup {
        Some(Popup::Ticket(f)) => f,
        other => panic!("no form: {other:?}"),
    }
}

#[test]
fn ticket_form_validates_inline_and_submits() {
    let mut s = loaded(3, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y')]);
    assert!(effects.iter().any(
        |e| matches!(e, Effect::LoadChoices { element, dependent: None, .. } if element == "category")
    ));
    assert_eq!(form(&s).focus, Field::Short);
    assert!(
        form(&s)
            .short_text()
            .starts_with("[critical] Null customer ids")
    );
    assert!(
        form(&s)
            .description_text()
            .contains("--- snowlink anomaly A-1000 ---")
    );
    assert_eq!(form(&s).caller.lines(), ["ann"]);
    // Empty short description: no effect, focus stays on the field, problem listed.
    let effects = press(&mut s, [ctrl('a'), ctrl('k'), ctrl('s')]);
    assert!(effects.iter().all(|e| !e.is_write()), "{effects:?}");
    assert_eq!(form(&s).focus, Field::Short);
    assert_eq!(form(&s).problems()[0].0, Field::Short);
    // Too long.
    let long: Vec<Msg> = (0..161).map(|_| ch('x')).collect();
    press(&mut s, long);
    assert!(form(&s).problems()[0].1.contains("161/160"));
    assert!(press(&mut s, [ctrl('s')]).is_empty());
    press(&mut s, [key(KeyCode::Backspace)]);
    assert!(form(&s).problems().is_empty());
    // Another table reads its own category choices; back on incident, the incident's again.
    press(&mut s, [key(KeyCode::BackTab)]);
    assert_eq!(form(&s).focus, Field::Table);
    let effects = press(&mut s, [key(KeyCode::Right)]);
    assert!(
        matches!(effects.as_slice(), [Effect::LoadChoices { table, element, .. }] if table == "problem" && element == "category"),
        "{effects:?}"
    );
    let effects = press(&mut s, [key(KeyCode::Left)]);
    assert!(
        matches!(effects.as_slice(), [Effect::LoadChoices { table, .. }] if table == "incident"),
        "{effects:?}"
    );
    // Impact 1, urgency 2: priority 2.
    press(&mut s, (0..5).map(|_| key(KeyCode::Tab)));
    assert_eq!(form(&s).focus, Field::Impact);
    press(&mut s, [ch('1'), key(KeyCode::Tab), ch('2')]);
    assert_eq!(
        super::form::priority(form(&s).impact, form(&s).urgency),
        (2, "High")
    );
    let effects = press(&mut s, [ctrl('s')]);
    let Some(Effect::CreateTicket {
        req,
        anomaly,
        draft,
        ..
    }) = effects.first().cloned()
    else {
        panic!("no create: {effects:?}");
    };
    assert_eq!(anomaly.id, "A-1000");
    assert_eq!(draft.short_description.chars().count(), 160);
    assert_eq!((draft.impact, draft.urgency), (Some(1), Some(2)));
    assert_eq!(draft.caller.as_deref(), Some("ann"));
    assert!(crate::domain::has_block(
        draft.description.as_deref().unwrap(),
        "A-1000"
    ));
    assert_eq!(form(&s).submitting, Some(req));
    // Keys are ignored while it is in flight; a second ctrl-s sends nothing.
    assert!(press(&mut s, [ctrl('s'), ch('z')]).is_empty());
    // Success: the form closes, a toast names the number, the detail reloads.
    let before = s.list.row(&anomaly).unwrap().link_count;
    let effects = reply(
        &mut s,
        req,
        Reply::Created {
            anomaly: anomaly.clone(),
            result: Ok(super::backend::CreateOutcome::Created(IncidentRef {
                instance: "default".into(),
                table: "incident".into(),
                sys_id: "s1".into(),
                number: "INC0010099".into(),
            })),
        },
    );
    assert!(s.popup.is_none());
    assert!(s.toasts.last().unwrap().text.contains("INC0010099"));
    assert_eq!(s.list.row(&anomaly).unwrap().link_count, before + 1);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::LoadDetail { .. }))
    );
    assert!(s.busy.is_empty());
}

#[test]
fn create_error_keeps_the_form_open_with_the_message() {
    let mut s = loaded(3, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y'), ctrl('s')]);
    let req = effects.iter().find_map(|e| match e {
        Effect::CreateTicket { req, .. } => Some(*req),
        _ => None,
    });
    let anomaly = s.list.selected().unwrap().key.clone();
    reply(
        &mut s,
        req.unwrap(),
        Reply::Created {
            anomaly,
            result: Err("400 from instance: Invalid category".into()),
        },
    );
    assert_eq!(
        form(&s).error.as_deref(),
        Some("400 from instance: Invalid category")
    );
    assert!(form(&s).submitting.is_none());
}

#[test]
fn read_only_refusal_reaches_the_form() {
    let mut s = loaded(3, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y'), ctrl('s')]);
    let req = effects
        .iter()
        .find_map(|e| match e {
            Effect::CreateTicket { req, .. } => Some(*req),
            _ => None,
        })
        .unwrap();
    let text = super::runtime::read_only_refusal("prod", "create ticket");
    reply(&mut s, req, Reply::Failed(text.clone()));
    assert_eq!(form(&s).error.as_deref(), Some(text.as_str()));
    assert!(form(&s).submitting.is_none());
    assert!(s.busy.is_empty());
    assert_eq!(s.last_error.as_deref(), Some(text.as_str()));
}

#[test]
fn category_change_reloads_subcategories_and_stale_choices_are_dropped() {
    let mut s = loaded(3, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y')]);
    let Some(Effect::LoadChoices { req, .. }) = effects.first().cloned() else {
        panic!()
    };
    let items = |p: &str| {
        Ok(Served::from(vec![
            ChoiceItem {
                value: format!("{p}1"),
                label: format!("{p} one"),
            },
            ChoiceItem {
                value: format!("{p}2"),
                label: format!("{p} two"),
            },
        ]))
    };
    reply(
        &mut s,
        req,
        Reply::Choices {
            element: "category".into(),
            result: items("cat"),
        },
    );
    assert_eq!(form(&s).category.items.len(), 2);
    press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(form(&s).focus, Field::Category);
    let first = press(&mut s, [key(KeyCode::Right)]);
    let second = press(&mut s, [key(KeyCode::Right)]);
    let sub = |e: &[Effect]| match e.first() {
        Some(Effect::LoadChoices {
            req,
            element,
            dependent,
            ..
        }) if element == "subcategory" => (*req, dependent.clone()),
        other => panic!("{other:?}"),
    };
    let (old, dep1) = sub(&first);
    let (new, dep2) = sub(&second);
    assert_eq!(dep1.as_deref(), Some("cat1"));
    assert_eq!(dep2.as_deref(), Some("cat2"));
    // The reply for cat1 arrives late: dropped.
    reply(
        &mut s,
        old,
        Reply::Choices {
            element: "subcategory".into(),
            result: items("old"),
        },
    );
    assert!(form(&s).subcategory.items.is_empty());
    reply(
        &mut s,
        new,
        Reply::Choices {
            element: "subcategory".into(),
            result: items("sub"),
        },
    );
    assert_eq!(form(&s).subcategory.items[0].value, "sub1");
    assert_eq!(form(&s).draft().category.as_deref(), Some("cat2"));
}

fn summary(n: &str) -> IncidentSummary {
    IncidentSummary {
        table: "incident".into(),
        sys_id: format!("sys-{n}"),
        number: n.into(),
        short_description: "x".into(),
        state: "New".into(),
        priority: "3 - Moderate".into(),
        assignment_group: String::new(),
        assigned_to: String::new(),
        active: true,
    }
}

#[test]
fn link_search_drops_superseded_results_and_links_the_choice() {
    let mut s = loaded(3, (80, 24));
    let a = press(&mut s, [ch('l'), ch('I')]);
    let b = press(&mut s, [ch('N')]);
    let (ra, rb) = (a.last().unwrap().req().unwrap(), b[0].req().unwrap());
    assert!(matches!(&b[0], Effect::SearchIncidents { text, .. } if text == "IN"));
    reply(
        &mut s,
        rb,
        Reply::Incidents(Ok(vec![summary("INC0010007")])),
    );
    reply(
        &mut s,
        ra,
        Reply::Incidents(Ok(vec![summary("INC0000001")])),
    );
    let Some(Popup::Link(d)) = &s.popup else {
        panic!()
    };
    assert_eq!(d.results[0].number, "INC0010007");
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(
        &effects[0],
        Effect::Link { incident, anomaly, .. } if incident == "sys-INC0010007" && anomaly.id == "A-1000"
    ));
    assert!(s.popup.is_none());
}

#[test]
fn copy_url_emits_osc52_effect_and_shows_the_url() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab), ch('j')]);
    let effects = press(&mut s, [ch('o')]);
    let [Effect::CopyToClipboard { text }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(text.ends_with("sys_id=sys-INC0010002"));
    assert!(s.toasts.last().unwrap().text.contains(text.as_str()));
    // No $BROWSER: no browser effect, a hint instead.
    assert!(press(&mut s, [ch('O')]).is_empty());
    assert!(s.toasts.last().unwrap().text.contains("$BROWSER"));
}

#[test]
fn unlink_asks_first() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert!(press(&mut s, [ch('u')]).is_empty());
    let effects = press(&mut s, [ch('y')]);
    assert!(matches!(
        &effects[0],
        Effect::Unlink { incident, .. } if incident.number == "INC0010001"
    ));
}

#[test]
fn comment_composer_submits_text() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [ch('m')]);
    assert!(press(&mut s, [ctrl('s')]).is_empty(), "empty comment sent");
    let effects = press(
        &mut s,
        [ch('h'), ch('i'), key(KeyCode::Enter), ch('x'), ctrl('s')],
    );
    assert!(matches!(&effects[0], Effect::Comment { text, .. } if text == "hi\nx"));
    assert!(s.popup.is_none());
    // ctrl-e hands the text to $EDITOR and takes it back.
    press(&mut s, [ch('m'), ch('a')]);
    let effects = press(&mut s, [ctrl('e')]);
    let Effect::OpenEditor { req, text } = &effects[0] else {
        panic!()
    };
    assert_eq!(text, "a");
    reply(
        &mut s,
        *req,
        Reply::Edited(Ok("from editor\nline 2".into())),
    );
    let Some(Popup::Comment(c)) = &s.popup else {
        panic!()
    };
    assert_eq!(c.text.lines(), ["from editor", "line 2"]);
}

#[test]
fn palette_runs_the_chosen_action() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [ch(':'), ch('h'), ch('e'), ch('l'), ch('p')]);
    press(&mut s, [key(KeyCode::Enter)]);
    assert!(matches!(s.popup, Some(Popup::Help { .. })));
}

#[test]
fn create_on_an_anomaly_with_an_open_incident_asks_first() {
    let mut s = loaded(3, (80, 24));
    // The first sample anomaly is linked to an incident that is In Progress.
    let effects = press(&mut s, [ch('c')]);
    assert!(effects.is_empty(), "nothing is loaded before the answer");
    match &s.popup {
        Some(Popup::Confirm(c)) => {
            assert!(
                c.question.contains("already has an open incident"),
                "{}",
                c.question
            );
            assert!(c.question.contains("Create another"), "{}", c.question);
        }
        other => panic!("expected a confirmation, got {other:?}"),
    }
    // "n" keeps things as they were; "c" then "y" opens the form.
    press(&mut s, [ch('n')]);
    assert!(s.popup.is_none());
    press(&mut s, [ch('c'), ch('y')]);
    assert!(matches!(s.popup, Some(Popup::Ticket(_))));
}

fn named(id: &str, name: &str) -> super::backend::NamedRef {
    super::backend::NamedRef {
        sys_id: id.into(),
        name: name.into(),
    }
}

#[test]
fn text_fields_share_readline_keys_and_the_cursor_starts_at_the_end() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [ch('c'), ch('y')]);
    // The cursor is at the end of the prefilled short description: typing appends.
    let before = form(&s).short_text();
    press(&mut s, [ch('!')]);
    assert_eq!(form(&s).short_text(), format!("{before}!"));
    // ctrl-w deletes the previous word, ctrl-a/ctrl-e move, ctrl-u deletes to the line start.
    press(&mut s, [ctrl('w')]);
    assert!(!form(&s).short_text().ends_with('!'));
    press(&mut s, [ctrl('a'), ch('>'), ctrl('e'), ch('<')]);
    let t = form(&s).short_text();
    assert!(t.starts_with(">[critical]") && t.ends_with('<'), "{t}");
    press(&mut s, [ctrl('u')]);
    assert_eq!(form(&s).short_text(), "");
    // In a one-line field ctrl-e is "line end", not $EDITOR.
    assert!(press(&mut s, [ctrl('e')]).is_empty());
    // The link dialog, the filter and the palette use the same keys.
    press(&mut s, [key(KeyCode::Esc), ch('d')]);
    assert!(s.popup.is_none(), "the discard question closes the form");
    press(
        &mut s,
        [ch('/'), ch('n'), ch('u'), ch(' '), ch('x'), ctrl('w')],
    );
    assert_eq!(s.list.filter(), "nu ");
    press(&mut s, [ctrl('a'), ch('a'), ctrl('u')]);
    assert_eq!(s.list.filter(), "nu ");
    press(&mut s, [ctrl('e'), ctrl('u')]);
    assert_eq!(s.list.filter(), "");
    press(
        &mut s,
        [key(KeyCode::Esc), ch(':'), ch('h'), ch('x'), ctrl('u')],
    );
    let Some(Popup::Palette(p)) = &s.popup else {
        panic!()
    };
    assert_eq!(p.query.text(), "");
    press(
        &mut s,
        [key(KeyCode::Esc), ch('l'), ch('a'), ch(' '), ch('b')],
    );
    let effects = press(&mut s, [ctrl('w')]);
    assert!(matches!(&effects[..], [Effect::SearchIncidents { text, .. }] if text == "a"));
}

#[test]
fn esc_on_a_changed_form_asks_before_discarding() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [ch('c'), ch('y')]);
    // Unchanged: esc closes at once.
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
    press(&mut s, [ch('c'), ch('y'), ch('x'), key(KeyCode::Esc)]);
    assert!(form(&s).confirm_discard);
    // "k" keeps editing, the edit still there.
    press(&mut s, [ch('k')]);
    assert!(!form(&s).confirm_discard);
    assert!(form(&s).short_text().ends_with('x'));
    // "d" discards.
    press(&mut s, [key(KeyCode::Esc), ch('d')]);
    assert!(s.popup.is_none());
    // The comment box: empty closes, written asks.
    press(&mut s, [ch('m'), key(KeyCode::Esc)]);
    assert!(s.popup.is_none());
    press(&mut s, [ch('m'), ch('h'), key(KeyCode::Esc)]);
    assert!(matches!(&s.popup, Some(Popup::Comment(c)) if c.confirm_discard));
    press(&mut s, [key(KeyCode::Esc)]);
    assert!(matches!(&s.popup, Some(Popup::Comment(c)) if !c.confirm_discard));
    press(&mut s, [key(KeyCode::Esc), ch('d')]);
    assert!(s.popup.is_none());
}

#[test]
fn assignee_lists_the_groups_members_ranked_and_ctrl_g_widens() {
    let mut s = loaded(3, (80, 24));
    press(&mut s, [ch('c'), ch('y')]);
    // Assignment group: search, pick.
    press(&mut s, (0..6).map(|_| key(KeyCode::Tab)));
    assert_eq!(form(&s).focus, Field::Group);
    let effects = press(&mut s, [ch('D'), ch('b')]);
    let Some(Effect::SearchGroups { req, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    reply(
        &mut s,
        *req,
        Reply::Groups(Ok(Served::from(vec![named("g-db", "Database")]))),
    );
    press(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(form(&s).group.chosen, Some(named("g-db", "Database")));
    // Tab to the assignee: the group's members are listed before anything is typed.
    let effects = press(&mut s, [key(KeyCode::Tab)]);
    assert!(
        matches!(&effects[..], [Effect::SearchUsers { text, group: Some(g), .. }] if text.is_empty() && g == "g-db"),
        "{effects:?}"
    );
    // Typing searches the members; the results are ranked by fuzzy score.
    let effects = press(&mut s, [ch('B'), ch('e')]);
    let Some(Effect::SearchUsers {
        req,
        group: Some(_),
        ..
    }) = effects.last()
    else {
        panic!("{effects:?}")
    };
    reply(
        &mut s,
        *req,
        Reply::Users(Ok(Served::from(vec![
            named("u1", "Abel Tuter"),
            named("u2", "Beth Anglin"),
        ]))),
    );
    assert_eq!(form(&s).assignee.results[0].name, "Beth Anglin");
    // ctrl-g widens to every user (and back).
    let effects = press(&mut s, [ctrl('g')]);
    assert!(
        matches!(&effects[..], [Effect::SearchUsers { text, group: None, .. }] if text == "Be"),
        "{effects:?}"
    );
    let effects = press(&mut s, [ctrl('g')]);
    assert!(matches!(
        &effects[..],
        [Effect::SearchUsers { group: Some(_), .. }]
    ));
    // Widened with nothing typed: every user is listed, not nothing.
    press(&mut s, [ctrl('u')]);
    let effects = press(&mut s, [ctrl('g')]);
    assert!(
        matches!(&effects[..], [Effect::SearchUsers { text, group: None, .. }] if text.is_empty()),
        "{effects:?}"
    );
}
