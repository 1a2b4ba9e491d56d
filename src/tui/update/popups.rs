//! Keys inside popups (the ticket form is in `form_keys.rs`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::domain::ArchiveReason;

use super::super::action::{Action, Context};
use super::super::effect::Effect;
use super::super::keys::KeySpec;
use super::super::line_edit::{Outcome, textarea_key};
use super::super::palette;
use super::super::popup::{Confirm, Pending, Popup};
use super::super::state::{Level, State};
use super::{actions, form_keys};

fn is_refresh(state: &State, key: &KeyEvent) -> bool {
    KeySpec::from_event(key).and_then(|s| state.keymap.action(Context::Main, s))
        == Some(Action::Refresh)
}

pub fn on_key(state: &mut State, key: KeyEvent, form_action: Option<Action>) -> Vec<Effect> {
    let Some(popup) = state.popup.take() else {
        return Vec::new();
    };
    match popup {
        Popup::Help(mut h) => {
            // Typing searches; arrows scroll; esc clears the search, then closes.
            let close = match key.code {
                KeyCode::Down => {
                    h.scroll = h.scroll.saturating_add(1);
                    false
                }
                KeyCode::Up => {
                    h.scroll = h.scroll.saturating_sub(1);
                    false
                }
                KeyCode::PageDown => {
                    h.scroll = h.scroll.saturating_add(10);
                    false
                }
                KeyCode::PageUp => {
                    h.scroll = h.scroll.saturating_sub(10);
                    false
                }
                KeyCode::Esc if !h.query.text().is_empty() => {
                    h.query = Default::default();
                    h.scroll = 0;
                    false
                }
                KeyCode::Esc | KeyCode::Enter => true,
                KeyCode::Char('?') if h.query.text().is_empty() => true,
                _ => {
                    if h.query.key(&key) == Outcome::Changed {
                        h.scroll = 0;
                    }
                    false
                }
            };
            if !close {
                state.popup = Some(Popup::Help(h));
            }
            Vec::new()
        }
        Popup::Sources { scroll } => {
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    state.popup = Some(Popup::Sources {
                        scroll: scroll.saturating_add(1),
                    })
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    state.popup = Some(Popup::Sources {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                // The refresh key refreshes here too (the popup stays); any other key closes.
                _ if is_refresh(state, &key) => {
                    state.popup = Some(Popup::Sources { scroll });
                    return actions::refresh(state);
                }
                _ => {}
            }
            Vec::new()
        }
        Popup::Rules { scroll } => {
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    state.popup = Some(Popup::Rules {
                        scroll: scroll.saturating_add(1),
                    })
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    state.popup = Some(Popup::Rules {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                // The refresh key reads the counts again; any other key closes.
                _ if is_refresh(state, &key) => {
                    state.popup = Some(Popup::Rules { scroll });
                    let req = state.busy_req();
                    return vec![Effect::LoadRules { req }];
                }
                _ => {}
            }
            Vec::new()
        }
        Popup::Errors { scroll } => {
            match key.code {
                KeyCode::Char('j') | KeyCode::Down => {
                    state.popup = Some(Popup::Errors {
                        scroll: scroll.saturating_add(1),
                    })
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    state.popup = Some(Popup::Errors {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                KeyCode::PageDown => {
                    state.popup = Some(Popup::Errors {
                        scroll: scroll.saturating_add(10),
                    })
                }
                KeyCode::PageUp => {
                    state.popup = Some(Popup::Errors {
                        scroll: scroll.saturating_sub(10),
                    })
                }
                // Any other key closes it.
                _ => {}
            }
            Vec::new()
        }
        Popup::Palette(mut p) => {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Enter => {
                    let found = palette::matches(&state.keymap, p.query.text());
                    return match found.get(p.selected) {
                        Some(a) => actions::apply_action(state, *a),
                        None => Vec::new(),
                    };
                }
                KeyCode::Down | KeyCode::Tab => p.selected = p.selected.saturating_add(1),
                KeyCode::Char('n') if ctrl => p.selected = p.selected.saturating_add(1),
                KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
                KeyCode::Char('p') if ctrl => p.selected = p.selected.saturating_sub(1),
                _ => {
                    if p.query.key(&key) == Outcome::Changed {
                        p.selected = 0;
                    }
                }
            }
            let n = palette::matches(&state.keymap, p.query.text()).len();
            p.selected = p.selected.min(n.saturating_sub(1));
            state.popup = Some(Popup::Palette(p));
            Vec::new()
        }
        Popup::Ticket(form) => {
            state.popup = Some(Popup::Ticket(form));
            form_keys::on_key(state, key, form_action)
        }
        Popup::Link(d) => {
            state.popup = Some(Popup::Link(d));
            link_key(state, key)
        }
        Popup::Confirm(c) => match key.code {
            KeyCode::Char('y' | 'Y') | KeyCode::Enter => run_pending(state, c.then),
            KeyCode::Char('n' | 'N') | KeyCode::Esc => Vec::new(),
            _ => {
                state.popup = Some(Popup::Confirm(c));
                state.dirty = false;
                Vec::new()
            }
        },
        Popup::Archive(mut a) => {
            let n = ArchiveReason::ALL.len();
            match key.code {
                KeyCode::Esc => return Vec::new(),
                KeyCode::Char('j') | KeyCode::Down => a.selected = (a.selected + 1) % n,
                KeyCode::Char('k') | KeyCode::Up => a.selected = (a.selected + n - 1) % n,
                KeyCode::Char(c @ '1'..='4') => {
                    a.selected = usize::from(c as u8 - b'1');
                    return archive(state, a.targets, a.selected);
                }
                KeyCode::Enter => return archive(state, a.targets, a.selected),
                _ => {}
            }
            state.popup = Some(Popup::Archive(a));
            Vec::new()
        }
        Popup::Comment(mut c) if c.confirm_discard => {
            match key.code {
                KeyCode::Char('d' | 'D' | 'y' | 'Y') => return Vec::new(),
                KeyCode::Char('k' | 'K' | 'n' | 'N') | KeyCode::Esc | KeyCode::Enter => {
                    c.confirm_discard = false;
                }
                _ => state.dirty = false,
            }
            state.popup = Some(Popup::Comment(c));
            Vec::new()
        }
        Popup::Comment(mut c) => match form_action {
            Some(Action::Cancel) => {
                if c.text.lines().iter().any(|l| !l.trim().is_empty()) {
                    c.confirm_discard = true;
                    state.popup = Some(Popup::Comment(c));
                }
                Vec::new()
            }
            Some(Action::Submit) => {
                let text = c.text.lines().join("\n");
                if text.trim().is_empty() {
                    state.popup = Some(Popup::Comment(c));
                    state.toast(Level::Info, "the comment is empty");
                    return Vec::new();
                }
                super::bulk::comment_all(state, c.targets, c.marked, text.trim_end())
            }
            Some(Action::Editor) => {
                let req = state.req();
                c.editing = Some(req);
                let text = c.text.lines().join("\n");
                state.popup = Some(Popup::Comment(c));
                vec![Effect::OpenEditor { req, text }]
            }
            _ => {
                textarea_key(&mut c.text, key, true);
                state.popup = Some(Popup::Comment(c));
                Vec::new()
            }
        },
    }
}

fn archive(
    state: &mut State,
    targets: Vec<crate::domain::AnomalyKey>,
    selected: usize,
) -> Vec<Effect> {
    let reason = ArchiveReason::ALL
        .get(selected)
        .copied()
        .unwrap_or(ArchiveReason::Resolved);
    if targets.len() > 1 {
        state.popup = Some(Popup::Confirm(Confirm {
            question: format!("Archive {} marked anomalies as {reason}?", targets.len()),
            items: targets.iter().map(|k| k.id.clone()).collect(),
            then: Pending::Archive(targets, reason),
        }));
        return Vec::new();
    }
    run_pending(state, Pending::Archive(targets, reason))
}

/// Performs a confirmed operation.
pub fn run_pending(state: &mut State, pending: Pending) -> Vec<Effect> {
    match pending {
        Pending::Unlink { anomaly, incident } => {
            let req = state.busy_req();
            vec![Effect::Unlink {
                req,
                anomaly,
                incident,
            }]
        }
        Pending::Ack(ids) => {
            let req = state.busy_req();
            vec![Effect::Ack { req, ids }]
        }
        Pending::CreateAnother => super::actions::open_ticket_form(state, true),
        Pending::Archive(ids, reason) => {
            let req = state.busy_req();
            vec![Effect::Archive { req, ids, reason }]
        }
        Pending::Link {
            targets,
            incident,
            label,
        } => super::bulk::link_all(state, targets, &incident, label),
        Pending::CreateManyAnyway(load) => super::bulk::open_form(state, *load, true),
    }
}

fn link_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Popup::Link(d)) = state.popup.as_mut() else {
        return Vec::new();
    };
    match key.code {
        KeyCode::Esc => {
            state.popup = None;
            Vec::new()
        }
        KeyCode::Down | KeyCode::Tab => {
            d.selected = (d.selected + 1).min(d.results.len().saturating_sub(1));
            Vec::new()
        }
        KeyCode::Up | KeyCode::BackTab => {
            d.selected = d.selected.saturating_sub(1);
            Vec::new()
        }
        KeyCode::Enter => {
            let incident = match d.results.get(d.selected) {
                Some(r) => r.sys_id.clone(),
                None => d.query.text().trim().to_owned(),
            };
            if incident.is_empty() {
                state.dirty = false;
                return Vec::new();
            }
            let targets = d.targets.clone();
            let label = d
                .results
                .get(d.selected)
                .map_or_else(|| incident.clone(), |r| r.number.clone());
            // Linking again changes nothing; say so instead of a success toast.
            if let [only] = targets.as_slice()
                && let Some(l) = state.links().iter().find(|l| {
                    &l.anomaly == only
                        && (l.incident.sys_id == incident
                            || l.incident.number.eq_ignore_ascii_case(&label))
                })
            {
                let msg = format!(
                    "{} is already linked to {}; nothing changed",
                    l.incident.number, only.id
                );
                state.popup = None;
                state.toast(Level::Info, msg);
                return Vec::new();
            }
            if targets.len() > 1 {
                state.popup = Some(Popup::Confirm(Confirm {
                    question: format!(
                        "Link {label} to {} marked anomalies? Each adds its block to the \
                         description and a work note.",
                        targets.len()
                    ),
                    items: targets.iter().map(|k| k.id.clone()).collect(),
                    then: Pending::Link {
                        targets,
                        incident,
                        label,
                    },
                }));
                return Vec::new();
            }
            state.popup = None;
            run_pending(
                state,
                Pending::Link {
                    targets,
                    incident,
                    label,
                },
            )
        }
        _ => match d.query.key(&key) {
            Outcome::Changed => search(state),
            Outcome::Moved => Vec::new(),
            Outcome::Ignored => {
                state.dirty = false;
                Vec::new()
            }
        },
    }
}

pub fn link_query_paste(state: &mut State, text: &str) -> Vec<Effect> {
    if let Some(Popup::Link(d)) = state.popup.as_mut() {
        d.query.insert_str(text);
    }
    search(state)
}

/// Searches as the user types; each keystroke supersedes the previous search.
fn search(state: &mut State) -> Vec<Effect> {
    let req = state.req();
    let Some(Popup::Link(d)) = state.popup.as_mut() else {
        return Vec::new();
    };
    d.selected = 0;
    let text = d.query.text().trim().to_owned();
    if text.is_empty() {
        d.req = None;
        d.results.clear();
        return Vec::new();
    }
    d.req = Some(req);
    vec![Effect::SearchIncidents { req, text }]
}
