//! Keys inside the ticket form: field navigation, pickers, search-as-you-type lookups, submit.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::form::{CHANGE_TYPES, Field, Lookup, TABLES, TicketForm};
use super::super::line_edit::{Outcome, textarea_key};
use super::super::popup::Popup;
use super::super::state::{Level, State};
use super::form_target;

pub fn on_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let Some(Popup::Ticket(mut form)) = state.popup.take() else {
        return Vec::new();
    };
    if form.confirm_discard {
        // The "discard your edits?" question: `d`/`y` discards, `esc`/`k`/`n` keeps editing.
        match key.code {
            KeyCode::Char('d' | 'D' | 'y' | 'Y') => return Vec::new(),
            KeyCode::Char('k' | 'K' | 'n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                form.confirm_discard = false;
            }
            _ => state.dirty = false,
        }
        state.popup = Some(Popup::Ticket(form));
        return Vec::new();
    }
    if action == Some(Action::Cancel) {
        if form.submitting.is_none() && form.changed() {
            form.confirm_discard = true;
            state.popup = Some(Popup::Ticket(form));
        }
        // A submit already sent still completes; its reply shows as a toast.
        return Vec::new();
    }
    // In a one-line field the editor key is readline's "line end"; in the description (and from
    // any other field) it opens `$EDITOR` on the description.
    let one_line = matches!(
        form.focus,
        Field::Short | Field::Caller | Field::Group | Field::Assignee
    );
    let action = if one_line && action == Some(Action::Editor) && is_ctrl_e(&key) {
        None
    } else {
        action
    };
    let effects = if form.submitting.is_some() {
        Vec::new()
    } else {
        match action {
            Some(Action::NextField) => {
                form.step_focus(true);
                on_focus(state, &mut form)
            }
            Some(Action::PrevField) => {
                form.step_focus(false);
                on_focus(state, &mut form)
            }
            Some(Action::Submit) => submit(state, &mut form),
            Some(Action::Editor) => {
                let req = state.req();
                form.editing = Some(req);
                form.focus = Field::Description;
                vec![Effect::OpenEditor {
                    req,
                    text: form.description_text(),
                }]
            }
            _ => field_key(state, &mut form, key),
        }
    };
    state.popup = Some(Popup::Ticket(form));
    effects
}

fn submit(state: &mut State, form: &mut TicketForm) -> Vec<Effect> {
    form.error = None;
    if let Some((field, _)) = form.problems().first() {
        form.focus = *field;
        return Vec::new();
    }
    let draft = form.draft();
    if let Err(e) = draft.validate() {
        form.error = Some(e.to_string());
        return Vec::new();
    }
    let req = state.busy_req();
    form.submitting = Some(req);
    // A form opened on marked rows: once the incident exists it is linked to the others, and
    // the marks follow the bulk rule (update/bulk.rs).
    if !form.also.is_empty() || state.list.marked_count() > 0 {
        state.create_also = Some((req, form.also.clone()));
    }
    vec![Effect::CreateTicket {
        req,
        instance: form.instance_name(),
        anomaly: form.key.clone(),
        draft,
        also: form.also.clone(),
    }]
}

fn is_ctrl_e(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('e') && key.modifiers.contains(KeyModifiers::CONTROL)
}

fn cycle(key: &KeyEvent) -> Option<bool> {
    match key.code {
        KeyCode::Right | KeyCode::Down | KeyCode::Char(' ' | 'l' | 'j') => Some(true),
        KeyCode::Left | KeyCode::Up | KeyCode::Char('h' | 'k') => Some(false),
        _ => None,
    }
}

fn field_key(state: &mut State, form: &mut TicketForm, key: KeyEvent) -> Vec<Effect> {
    let instance = form.instance_name();
    match form.focus {
        Field::Instance => match cycle(&key) {
            Some(fwd) => form_target::switch_instance(state, form, fwd),
            None => Vec::new(),
        },
        Field::Table => {
            let Some(fwd) = cycle(&key) else {
                return Vec::new();
            };
            let n = TABLES.len();
            form.table = if fwd {
                (form.table + 1) % n
            } else {
                (form.table + n - 1) % n
            };
            form_target::on_table_change(state, form)
        }
        Field::ChangeType => {
            if let Some(fwd) = cycle(&key) {
                let n = CHANGE_TYPES.len();
                form.change_type = if fwd {
                    (form.change_type + 1) % n
                } else {
                    (form.change_type + n - 1) % n
                };
            }
            Vec::new()
        }
        Field::Risk => {
            if let Some(fwd) = cycle(&key) {
                form.risk.step(fwd);
            }
            Vec::new()
        }
        Field::Short => {
            textarea_key(&mut form.short, key, false);
            Vec::new()
        }
        Field::Caller => {
            textarea_key(&mut form.caller, key, false);
            Vec::new()
        }
        Field::Description => {
            textarea_key(&mut form.description, key, true);
            Vec::new()
        }
        Field::Category => {
            let Some(fwd) = cycle(&key) else {
                return Vec::new();
            };
            if !form.category.step(fwd) {
                return Vec::new();
            }
            // The subcategory list depends on the category: reload it.
            form.subcategory.items.clear();
            form.subcategory.selected = None;
            form.subcategory.error = None;
            let category = form.category.value().map(|c| c.value.clone());
            match category.filter(|_| Field::Subcategory.on(form.table())) {
                Some(category) => {
                    let req = state.req();
                    form.subcategory.req = Some(req);
                    vec![Effect::LoadChoices {
                        req,
                        instance: form.instance_name(),
                        table: form.table().name().to_owned(),
                        element: "subcategory".to_owned(),
                        dependent: Some(category),
                    }]
                }
                None => {
                    form.subcategory.req = None;
                    Vec::new()
                }
            }
        }
        Field::Subcategory => {
            if let Some(fwd) = cycle(&key) {
                form.subcategory.step(fwd);
            }
            Vec::new()
        }
        Field::Impact | Field::Urgency => {
            let v = if form.focus == Field::Impact {
                &mut form.impact
            } else {
                &mut form.urgency
            };
            match key.code {
                KeyCode::Char(c @ '1'..='3') => *v = c as u8 - b'0',
                _ => match cycle(&key) {
                    Some(true) => *v = (*v % 3) + 1,
                    Some(false) => *v = ((*v + 1) % 3) + 1,
                    None => {}
                },
            }
            Vec::new()
        }
        Field::Group => {
            let before = form.group.chosen.clone();
            let effects = lookup_key(state, &mut form.group, key, Scope::Groups, &instance);
            if form.group.chosen != before && form.assignee.chosen.is_none() {
                // Another group: its members replace the previous list on the next focus.
                form.assignee.results.clear();
                form.assignee.req = None;
            }
            effects
        }
        Field::Assignee => {
            if key.code == KeyCode::Char('g') && key.modifiers.contains(KeyModifiers::CONTROL) {
                if form.group.chosen.is_none() {
                    state.toast(
                        Level::Info,
                        "no assignment group chosen: every user is listed",
                    );
                    return Vec::new();
                }
                // Widen to every user, or back to the group's members.
                form.assignee.all_users = !form.assignee.all_users;
                form.assignee.results.clear();
                let scope = assignee_scope(form);
                return search(state, &mut form.assignee, scope, &instance);
            }
            let scope = assignee_scope(form);
            lookup_key(state, &mut form.assignee, key, scope, &instance)
        }
    }
}

/// What a lookup searches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    Groups,
    /// Users; only the members of this group (a sys_id) when set.
    Users(Option<String>),
}

/// The assignee list is the chosen group's members unless widened to every user (`ctrl-g`).
fn assignee_scope(form: &TicketForm) -> Scope {
    match &form.group.chosen {
        Some(g) if !form.assignee.all_users => Scope::Users(Some(g.sys_id.clone())),
        _ => Scope::Users(None),
    }
}

/// The assignee lookup's list when the field gets the focus: the chosen group's members.
fn on_focus(state: &mut State, form: &mut TicketForm) -> Vec<Effect> {
    let scope = assignee_scope(form);
    if form.focus != Field::Assignee
        || form.assignee.chosen.is_some()
        || form.assignee.req.is_some()
        || !form.assignee.results.is_empty()
        || scope == Scope::Users(None)
    {
        return Vec::new();
    }
    let instance = form.instance_name();
    search(state, &mut form.assignee, scope, &instance)
}

fn lookup_key(
    state: &mut State,
    l: &mut Lookup,
    key: KeyEvent,
    scope: Scope,
    instance: &str,
) -> Vec<Effect> {
    match key.code {
        KeyCode::PageDown if !l.results.is_empty() => {
            l.highlight = (l.highlight + 10).min(l.results.len() - 1);
            Vec::new()
        }
        KeyCode::PageUp => {
            l.highlight = l.highlight.saturating_sub(10);
            Vec::new()
        }
        KeyCode::Down if !l.results.is_empty() => {
            l.highlight = (l.highlight + 1).min(l.results.len() - 1);
            Vec::new()
        }
        KeyCode::Up => {
            l.highlight = l.highlight.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Enter => {
            if let Some(pick) = l.results.get(l.highlight).cloned() {
                l.input = TextArea::new(vec![pick.name.clone()]);
                l.input.move_cursor(ratatui_textarea::CursorMove::End);
                l.chosen = Some(pick);
                l.results.clear();
                l.req = None;
            }
            Vec::new()
        }
        _ => {
            if textarea_key(&mut l.input, key, false) != Outcome::Changed {
                return Vec::new();
            }
            search(state, l, scope, instance)
        }
    }
}

/// A new search for the lookup's text on `instance`; replies to older searches are dropped by
/// request id.
fn search(state: &mut State, l: &mut Lookup, scope: Scope, instance: &str) -> Vec<Effect> {
    l.chosen = None;
    l.highlight = 0;
    l.error = None;
    let text = l.text().trim().to_owned();
    // A group's members are listed even before anything is typed, and so is every user once
    // the list was widened on purpose (`ctrl-g`).
    if text.is_empty() && !matches!(scope, Scope::Users(Some(_))) && !l.all_users {
        l.results.clear();
        l.req = None;
        return Vec::new();
    }
    let req = state.req();
    l.req = Some(req);
    let instance = instance.to_owned();
    vec![match scope {
        Scope::Groups => Effect::SearchGroups {
            req,
            instance,
            text,
        },
        Scope::Users(group) => Effect::SearchUsers {
            req,
            instance,
            text,
            group,
        },
    }]
}

pub fn paste(state: &mut State, text: &str) -> Vec<Effect> {
    let Some(Popup::Ticket(mut form)) = state.popup.take() else {
        return Vec::new();
    };
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let effects = match form.focus {
        Field::Description => {
            form.description.insert_str(text);
            Vec::new()
        }
        Field::Short => {
            form.short.insert_str(&line);
            Vec::new()
        }
        Field::Caller => {
            form.caller.insert_str(&line);
            Vec::new()
        }
        Field::Group => {
            form.group.input.insert_str(&line);
            let instance = form.instance_name();
            search(state, &mut form.group, Scope::Groups, &instance)
        }
        Field::Assignee => {
            form.assignee.input.insert_str(&line);
            let scope = assignee_scope(&form);
            let instance = form.instance_name();
            search(state, &mut form.assignee, scope, &instance)
        }
        _ => {
            state.toast(Level::Info, "paste into a text field");
            Vec::new()
        }
    };
    state.popup = Some(Popup::Ticket(form));
    effects
}
