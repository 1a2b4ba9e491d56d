//! Keys inside the ticket form: field navigation, pickers, search-as-you-type lookups, submit.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::form::{Field, Lookup, TABLES, TicketForm};
use super::super::popup::Popup;
use super::super::state::{Level, State};

pub fn on_key(state: &mut State, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let Some(Popup::Ticket(mut form)) = state.popup.take() else {
        return Vec::new();
    };
    if action == Some(Action::Cancel) {
        // A submit already sent still completes; its reply shows as a toast.
        return Vec::new();
    }
    let effects = if form.submitting.is_some() {
        Vec::new()
    } else {
        match action {
            Some(Action::NextField) => {
                form.focus = form.focus.step(true);
                Vec::new()
            }
            Some(Action::PrevField) => {
                form.focus = form.focus.step(false);
                Vec::new()
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
    vec![Effect::CreateTicket {
        req,
        anomaly: form.key.clone(),
        draft,
    }]
}

fn cycle(key: &KeyEvent) -> Option<bool> {
    match key.code {
        KeyCode::Right | KeyCode::Down | KeyCode::Char(' ' | 'l' | 'j') => Some(true),
        KeyCode::Left | KeyCode::Up | KeyCode::Char('h' | 'k') => Some(false),
        _ => None,
    }
}

fn field_key(state: &mut State, form: &mut TicketForm, key: KeyEvent) -> Vec<Effect> {
    match form.focus {
        Field::Table => {
            if let Some(fwd) = cycle(&key) {
                let n = TABLES.len();
                form.table = if fwd {
                    (form.table + 1) % n
                } else {
                    (form.table + n - 1) % n
                };
            }
            Vec::new()
        }
        Field::Short => {
            single_line(&mut form.short, key);
            Vec::new()
        }
        Field::Caller => {
            single_line(&mut form.caller, key);
            Vec::new()
        }
        Field::Description => {
            form.description.input(key);
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
            match form.category.value().map(|c| c.value.clone()) {
                Some(category) => {
                    let req = state.req();
                    form.subcategory.req = Some(req);
                    vec![Effect::LoadChoices {
                        req,
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
        Field::Group => lookup_key(state, &mut form.group, key, true),
        Field::Assignee => lookup_key(state, &mut form.assignee, key, false),
    }
}

fn single_line(area: &mut TextArea<'static>, key: KeyEvent) {
    if key.code != KeyCode::Enter {
        area.input(key);
    }
}

fn lookup_key(state: &mut State, l: &mut Lookup, key: KeyEvent, groups: bool) -> Vec<Effect> {
    match key.code {
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
            let before = l.text();
            single_line(&mut l.input, key);
            if l.text() == before {
                return Vec::new();
            }
            search(state, l, groups)
        }
    }
}

/// A new search for the lookup's text; replies to older searches are dropped by request id.
fn search(state: &mut State, l: &mut Lookup, groups: bool) -> Vec<Effect> {
    l.chosen = None;
    l.highlight = 0;
    l.error = None;
    let text = l.text().trim().to_owned();
    if text.is_empty() {
        l.results.clear();
        l.req = None;
        return Vec::new();
    }
    let req = state.req();
    l.req = Some(req);
    vec![if groups {
        Effect::SearchGroups { req, text }
    } else {
        Effect::SearchUsers { req, text }
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
            search(state, &mut form.group, true)
        }
        Field::Assignee => {
            form.assignee.input.insert_str(&line);
            search(state, &mut form.assignee, false)
        }
        _ => {
            state.toast(Level::Info, "paste into a text field");
            Vec::new()
        }
    };
    state.popup = Some(Popup::Ticket(form));
    effects
}
