//! The dashboard per table (issue 13 point 1): switching the form's table reads that table's
//! choices (a late reply for the previous table is dropped), the form shows and sends only the
//! fields the table has (snapshots of the problem and change forms at 80x24 and 120x40), and
//! the links pane and the incident view name a problem's table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;

use super::backend::{ChoiceItem, Served};
use super::effect::Effect;
use super::form::{Field, TicketForm};
use super::msg::{Msg, Reply};
use super::popup::Popup;
use super::state::State;
use super::test_support::*;
use super::update;

fn form(s: &State) -> &TicketForm {
    match &s.popup {
        Some(Popup::Ticket(f)) => f,
        other => panic!("no form: {other:?}"),
    }
}

fn items(element: &str, table: &str) -> Vec<ChoiceItem> {
    match element {
        "risk" => [("2", "High"), ("3", "Moderate"), ("4", "Low")]
            .iter()
            .map(|(v, l)| ChoiceItem {
                value: (*v).into(),
                label: (*l).into(),
            })
            .collect(),
        _ => vec![ChoiceItem {
            value: format!("{table}-db"),
            label: format!("Database ({table})"),
        }],
    }
}

/// Answers every choice load in `effects` with the test items of its table and element.
fn answer(s: &mut State, effects: Vec<Effect>) {
    for e in effects {
        if let Effect::LoadChoices {
            req,
            table,
            element,
            ..
        } = e
        {
            let result = Ok(Served::from(items(&element, &table)));
            update(
                s,
                Msg::Reply {
                    req,
                    reply: Reply::Choices { element, result },
                },
            );
        }
    }
}

/// The form on an anomaly, its first choices answered, switched `right` tables to the right
/// (1: problem, 2: change_request) and answered again; the focus ends on the table field.
fn form_on(size: (u16, u16), right: usize) -> State {
    let mut s = loaded(10, size);
    let effects = press(&mut s, [ch('c'), ch('y')]);
    answer(&mut s, effects);
    press(&mut s, [key(KeyCode::BackTab)]);
    for _ in 0..right {
        let effects = press(&mut s, [key(KeyCode::Right)]);
        answer(&mut s, effects);
    }
    s
}

fn tab_order(s: &mut State) -> Vec<Field> {
    let n = Field::ALL.len();
    let mut seen = Vec::new();
    for _ in 0..n {
        press(s, [key(KeyCode::Tab)]);
        let f = form(s).focus;
        if seen.first() == Some(&f) {
            break;
        }
        seen.push(f);
    }
    seen
}

#[test]
fn a_problem_form_has_no_caller_and_no_subcategory() {
    let mut s = form_on((80, 24), 1);
    assert_eq!(form(&s).table().name(), "problem");
    assert_eq!(form(&s).category.items[0].value, "problem-db");
    assert_eq!(
        tab_order(&mut s),
        [
            Field::Short,
            Field::Description,
            Field::Category,
            Field::Impact,
            Field::Urgency,
            Field::Group,
            Field::Assignee,
            Field::Table,
        ]
    );
    // The caller typed for an incident is kept in the form, but a problem is sent without it.
    assert_eq!(form(&s).caller.lines(), ["ann"]);
    let draft = form(&s).draft();
    assert_eq!(draft.table, "problem");
    assert_eq!(draft.caller, None);
    assert_eq!(draft.validate(), Ok(()));
    let effects = press(&mut s, [ctrl('s')]);
    let Some(Effect::CreateTicket { draft, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    assert_eq!(draft.table, "problem");
    assert!(draft.caller.is_none() && draft.change_type.is_none());
}

#[test]
fn a_change_form_offers_type_and_risk_and_sends_them() {
    let mut s = loaded(10, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y')]);
    answer(&mut s, effects);
    press(&mut s, [key(KeyCode::BackTab), key(KeyCode::Right)]);
    let effects = press(&mut s, [key(KeyCode::Right)]);
    let loads: Vec<(String, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadChoices { table, element, .. } => Some((table.clone(), element.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        loads,
        [
            ("change_request".to_owned(), "category".to_owned()),
            ("change_request".to_owned(), "risk".to_owned())
        ]
    );
    answer(&mut s, effects);
    assert_eq!(
        tab_order(&mut s),
        [
            Field::Short,
            Field::Description,
            Field::ChangeType,
            Field::Category,
            Field::Risk,
            Field::Impact,
            Field::Urgency,
            Field::Group,
            Field::Assignee,
            Field::Table,
        ]
    );
    // `tab_order` went round once and stopped on the short description.
    press(&mut s, (0..2).map(|_| key(KeyCode::Tab)));
    assert_eq!(form(&s).focus, Field::ChangeType);
    press(
        &mut s,
        [key(KeyCode::Right), key(KeyCode::Tab), key(KeyCode::Tab)],
    );
    assert_eq!(form(&s).focus, Field::Risk);
    press(&mut s, [key(KeyCode::Right)]);
    let draft = form(&s).draft();
    assert_eq!(draft.table, "change_request");
    assert_eq!(draft.change_type.as_deref(), Some("emergency"));
    assert_eq!(draft.risk.as_deref(), Some("2"));
    assert_eq!(draft.caller, None);
    assert_eq!(draft.subcategory, None);
    let effects = press(&mut s, [ctrl('s')]);
    assert!(
        matches!(effects.first(), Some(Effect::CreateTicket { draft, .. }) if draft.table == "change_request"),
        "{effects:?}"
    );
}

#[test]
fn a_late_choice_reply_for_the_previous_table_is_dropped() {
    let mut s = loaded(10, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y')]);
    answer(&mut s, effects);
    press(&mut s, [key(KeyCode::BackTab)]);
    let to_problem = press(&mut s, [key(KeyCode::Right)]);
    let to_change = press(&mut s, [key(KeyCode::Right)]);
    // The problem's categories arrive after the switch to change_request: not shown.
    answer(&mut s, to_problem);
    assert!(form(&s).category.items.is_empty());
    assert!(form(&s).category.req.is_some());
    answer(&mut s, to_change);
    assert_eq!(form(&s).category.items[0].value, "change_request-db");
    assert_eq!(form(&s).risk.items.len(), 3);
    // Back to incident: the change's lists are gone, the incident's are read again.
    let effects = press(&mut s, [key(KeyCode::Left), key(KeyCode::Left)]);
    assert!(form(&s).risk.items.is_empty());
    answer(&mut s, effects);
    assert_eq!(form(&s).category.items[0].value, "incident-db");
}

#[test]
fn problem_form_snapshots() {
    for size in [(80, 24), (120, 40)] {
        let s = form_on(size, 1);
        let screen = text(&s);
        assert!(screen.contains("Create problem for A-1000"), "{screen}");
        assert!(!screen.contains("Caller"), "{screen}");
        insta::assert_snapshot!(
            format!("ticket_form_problem_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

#[test]
fn change_form_snapshots() {
    for size in [(80, 24), (120, 40)] {
        let s = form_on(size, 2);
        let screen = text(&s);
        assert!(
            screen.contains("Create change request for A-1000"),
            "{screen}"
        );
        assert!(screen.contains("Risk"), "{screen}");
        assert!(!screen.contains("Subcategory"), "{screen}");
        insta::assert_snapshot!(
            format!("ticket_form_change_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

/// A loaded state whose selected anomaly has one link, to problem PRB0040001.
fn problem_link(size: (u16, u16)) -> State {
    let mut s = loaded(5, size);
    let links = &mut s.detail.as_mut().unwrap().data.as_mut().unwrap().links;
    links.truncate(1);
    links[0].incident.table = "problem".into();
    links[0].incident.number = "PRB0040001".into();
    links[0].last.state = Some("Assess".into());
    s
}

#[test]
fn a_problem_link_names_its_table_in_the_links_pane_and_the_incident_view() {
    let mut s = problem_link((120, 40));
    let screen = text(&s);
    assert!(screen.contains("PRB0040001"), "{screen}");
    // The table comes right after the instance, before what a narrow pane cuts first.
    assert!(screen.contains("default · Problem"), "{screen}");
    let effects = press(&mut s, [key(KeyCode::Enter)]);
    let req = effects
        .iter()
        .find_map(|e| match e {
            Effect::LoadIncident { req, incident, .. } if incident.table == "problem" => Some(*req),
            _ => None,
        })
        .expect("the problem is read from its table");
    let incident = s.incident.as_ref().unwrap().incident.clone();
    let activity = super::backend::IncidentActivity {
        table: "problem".into(),
        sys_id: incident.sys_id.clone(),
        number: incident.number.clone(),
        short_description: "Nightly load drops customer ids".into(),
        state: "Assess".into(),
        priority: "3 - Moderate".into(),
        assignment_group: "Database".into(),
        assigned_to: "Beth Anglin".into(),
        caller: String::new(),
        opened_at: "2026-11-23 08:00:00".into(),
        updated_at: "2026-11-23 10:29:00".into(),
        journal_source: "sys_journal_field",
        journal_truncated: false,
        journal: Vec::new(),
        read_at: now(),
    };
    update(
        &mut s,
        Msg::Reply {
            req,
            reply: Reply::Incident {
                incident,
                result: Ok(activity),
                mark: None,
            },
        },
    );
    let screen = text(&s);
    assert!(screen.contains(" Problem PRB0040001 "), "{screen}");
    assert!(
        !screen.contains("Caller:"),
        "a problem has no caller: {screen}"
    );
    insta::assert_snapshot!("problem_link_incident_view_120x40", draw(&s).backend());
}
