//! The ticket form's target instance (issue 13 point 3): the Instance field shows only with
//! several instances, every lookup and the create name the chosen instance, and switching it
//! clears what came from the other instance's lookups and says so (snapshots at 80x24 and
//! 120x40).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;

use super::backend::{ChoiceItem, NamedRef, Served};
use super::effect::Effect;
use super::form::{Field, TicketForm};
use super::msg::{Msg, Reply, ReqId};
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

fn reply(s: &mut State, req: ReqId, reply: Reply) -> Vec<Effect> {
    update(s, Msg::Reply { req, reply })
}

/// Answers each choice load with one item named after its instance.
fn answer(s: &mut State, effects: &[Effect]) {
    for e in effects {
        if let Effect::LoadChoices {
            req,
            instance,
            element,
            ..
        } = e
        {
            let items = vec![ChoiceItem {
                value: format!("{instance}-db"),
                label: format!("Database ({instance})"),
            }];
            reply(
                s,
                *req,
                Reply::Choices {
                    element: element.clone(),
                    result: Ok(Served::from(items)),
                },
            );
        }
    }
}

/// The instance every choice load and search in `effects` goes to.
fn instances_of(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadChoices { instance, .. }
            | Effect::SearchGroups { instance, .. }
            | Effect::SearchUsers { instance, .. }
            | Effect::CreateTicket { instance, .. } => Some(instance.clone()),
            _ => None,
        })
        .collect()
}

/// The form opened on the first anomaly with `default` and `sandbox` configured.
fn two_instance_form(size: (u16, u16)) -> (State, Vec<Effect>) {
    let mut s = loaded(10, size);
    s.info.instances = vec!["default".into(), "sandbox".into()];
    let effects = press(&mut s, [ch('c'), ch('y')]);
    answer(&mut s, &effects);
    (s, effects)
}

/// Types `text` in the focused group field, answers with `group` and picks it.
fn pick_group(s: &mut State, text: &str, group: NamedRef) -> Vec<Effect> {
    let effects = press(s, text.chars().map(ch));
    let Some(Effect::SearchGroups { req, .. }) = effects.last() else {
        panic!("{effects:?}")
    };
    reply(s, *req, Reply::Groups(Ok(Served::from(vec![group]))));
    press(s, [key(KeyCode::Enter)]);
    effects
}

fn focus(s: &mut State, field: Field) {
    for _ in 0..Field::ALL.len() {
        if form(s).focus == field {
            return;
        }
        press(s, [key(KeyCode::Tab)]);
    }
    panic!("no field {field:?} in {:?}", form(s).fields());
}

#[test]
fn the_instance_field_shows_only_when_several_instances_are_configured() {
    let mut s = loaded(10, (80, 24));
    let effects = press(&mut s, [ch('c'), ch('y')]);
    assert_eq!(instances_of(&effects), ["default"]);
    assert!(!form(&s).fields().contains(&Field::Instance));
    assert!(!text(&s).contains("Instance"), "{}", text(&s));

    let (s, effects) = two_instance_form((80, 24));
    assert_eq!(form(&s).fields().first(), Some(&Field::Instance));
    assert_eq!(
        form(&s).instance_name(),
        "default",
        "the selected one first"
    );
    assert_eq!(instances_of(&effects), ["default"]);
    assert!(text(&s).contains("▸default"), "{}", text(&s));
}

#[test]
fn switching_the_instance_clears_the_group_and_assignee_and_asks_the_new_instance() {
    let (mut s, _) = two_instance_form((80, 24));
    focus(&mut s, Field::Group);
    let effects = pick_group(&mut s, "Da", named("g-default", "Database"));
    assert_eq!(
        instances_of(&effects),
        ["default", "default"],
        "one search a key"
    );
    assert!(form(&s).group.chosen.is_some());
    let effects = press(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(instances_of(&effects), ["default"], "the group's members");

    focus(&mut s, Field::Instance);
    let effects = press(&mut s, [key(KeyCode::Right)]);
    let f = form(&s);
    assert_eq!(f.instance_name(), "sandbox");
    assert!(f.group.chosen.is_none() && f.group.text().is_empty());
    assert!(f.assignee.chosen.is_none() && f.assignee.results.is_empty());
    assert!(
        f.category.items.is_empty() && f.category.req.is_some(),
        "the choices are read again"
    );
    // No I/O in update: the new instance's choices are effects naming it.
    assert!(
        matches!(&effects[..], [Effect::LoadChoices { instance, element, .. }] if instance == "sandbox" && element == "category"),
        "{effects:?}"
    );
    let toast = &s.toasts.last().unwrap().text;
    assert!(
        toast.contains("instance sandbox: assignment group cleared (looked up on default)"),
        "{toast}"
    );
    answer(&mut s, &effects);
    assert_eq!(form(&s).category.items[0].value, "sandbox-db");

    // Lookups and the create now go to the sandbox.
    focus(&mut s, Field::Group);
    let effects = pick_group(&mut s, "Sa", named("g-sandbox", "Sandbox only"));
    assert_eq!(instances_of(&effects), ["sandbox", "sandbox"]);
    let effects = press(&mut s, [ctrl('s')]);
    let Some(Effect::CreateTicket {
        instance, draft, ..
    }) = effects.first()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(instance, "sandbox");
    assert_eq!(draft.assignment_group.as_deref(), Some("g-sandbox"));
}

#[test]
fn switching_back_and_forth_wraps_and_a_late_reply_of_the_old_instance_is_dropped() {
    let (mut s, _) = two_instance_form((80, 24));
    focus(&mut s, Field::Instance);
    let to_sandbox = press(&mut s, [key(KeyCode::Right)]);
    let to_default = press(&mut s, [key(KeyCode::Right)]);
    assert_eq!(form(&s).instance_name(), "default", "wraps around");
    answer(&mut s, &to_sandbox);
    assert!(
        form(&s).category.items.is_empty(),
        "sandbox's answer is stale"
    );
    answer(&mut s, &to_default);
    assert_eq!(form(&s).category.items[0].value, "default-db");
    // Nothing was chosen: nothing to clear, nothing said.
    assert!(s.toasts.iter().all(|t| !t.text.contains("cleared")));
}

#[test]
fn ticket_form_with_the_instance_field_snapshots() {
    for size in [(80, 24), (120, 40)] {
        let (mut s, _) = two_instance_form(size);
        focus(&mut s, Field::Instance);
        let effects = press(&mut s, [key(KeyCode::Right)]);
        answer(&mut s, &effects);
        let screen = text(&s);
        assert!(screen.contains("Instance"), "{screen}");
        assert!(screen.contains("▸sandbox"), "{screen}");
        insta::assert_snapshot!(
            format!("ticket_form_instance_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

fn named(id: &str, name: &str) -> NamedRef {
    NamedRef {
        sys_id: id.into(),
        name: name.into(),
    }
}
