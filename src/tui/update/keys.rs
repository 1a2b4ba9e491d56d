//! Routing of key presses: too-small screen, popups, the filter line, then the keymap.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::super::action::{Action, Context};
use super::super::effect::Effect;
use super::super::keys::KeySpec;
use super::super::line_edit::Outcome;
use super::super::popup::Popup;
use super::super::state::State;
use super::{actions, form_keys, popups};

pub fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        state.dirty = false;
        return Vec::new();
    }
    let spec = KeySpec::from_event(&key);
    let main_action = spec.and_then(|s| state.keymap.action(Context::Main, s));
    if state.too_small() {
        // Nothing is visible to act on; only quitting makes sense.
        if main_action == Some(Action::Quit) {
            state.quit = true;
        }
        return Vec::new();
    }
    let form_action = spec.and_then(|s| state.keymap.action(Context::Form, s));
    if state.popup.is_some() {
        return popups::on_key(state, key, form_action);
    }
    if state.incident.is_some() {
        return super::incident::on_key(state, main_action);
    }
    if state.filter_input.is_some() {
        filter_key(state, key);
        return Vec::new();
    }
    match main_action {
        Some(a) => actions::apply_action(state, a),
        None => {
            state.dirty = false;
            Vec::new()
        }
    }
}

fn filter_key(state: &mut State, key: KeyEvent) {
    let Some(input) = state.filter_input.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Enter => state.filter_input = None,
        // Back to the filter kept before `/`: esc undoes the edit, it does not drop the filter.
        KeyCode::Esc => {
            let kept = std::mem::take(&mut input.kept);
            state.filter_input = None;
            state.list.set_filter(&kept);
        }
        _ => {
            if input.text.key(&key) == Outcome::Changed {
                let t = input.text.text().to_owned();
                state.list.set_filter(&t);
            }
        }
    }
}

pub fn on_paste(state: &mut State, text: &str) -> Vec<Effect> {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if let Some(input) = state.filter_input.as_mut() {
        input.text.insert_str(&line);
        let t = input.text.text().to_owned();
        state.list.set_filter(&t);
        return Vec::new();
    }
    match state.popup.as_mut() {
        Some(Popup::Ticket(_)) => return form_keys::paste(state, text),
        Some(Popup::Comment(c)) => {
            c.text.insert_str(text);
        }
        Some(Popup::Palette(p)) => {
            p.query.insert_str(&line);
            p.selected = 0;
        }
        Some(Popup::Link(_)) => return popups::link_query_paste(state, &line),
        _ => {}
    }
    Vec::new()
}
