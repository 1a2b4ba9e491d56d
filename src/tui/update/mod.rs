//! `update(&mut State, Msg) -> Vec<Effect>`: the only place state changes. Never awaits, never
//! does I/O. Sets `state.dirty` when the screen must be redrawn.

mod actions;
mod bulk;
mod form_keys;
mod form_target;
mod incident;
mod keys;
mod popups;
mod replies;
mod tick;

use super::effect::Effect;
use super::msg::Msg;
use super::state::{DetailView, State};
use super::ui::layout;

pub use actions::apply_action;

pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = match msg {
        // A handler clears `dirty` when the key changed nothing; keep what earlier messages of
        // the same batch already changed.
        Msg::Key(key) => {
            let before = state.dirty;
            state.dirty = true;
            let effects = keys::on_key(state, key);
            state.dirty |= before;
            effects
        }
        Msg::Paste(text) => {
            state.dirty = true;
            keys::on_paste(state, &text)
        }
        Msg::Resize(w, h) => {
            state.size = (w, h);
            state.dirty = true;
            Vec::new()
        }
        Msg::Tick => tick::on_tick(state),
        Msg::StoreChanged => tick::on_store_changed(state),
        Msg::Reply { req, reply } => replies::on_reply(state, req, reply),
        Msg::LocalError(e) => {
            state.dirty = true;
            state.toast(super::state::Level::Error, e);
            Vec::new()
        }
    };
    state
        .list
        .scroll_into_view(layout::list_rows(state.size).max(1));
    // A new row counts as seen once it is selected.
    if state.list.see_selected() {
        state.dirty = true;
    }
    effects.extend(follow_selection(state));
    effects
}

/// Loads the detail of the selected anomaly when the selection moved to another one.
fn follow_selection(state: &mut State) -> Option<Effect> {
    let key = state.list.selected().map(|r| r.key.clone());
    let current = state.detail.as_ref().map(|d| &d.key);
    if key.as_ref() == current {
        return None;
    }
    state.link_cursor = 0;
    state.detail_scroll = 0;
    state.dirty = true;
    let Some(key) = key else {
        state.detail = None;
        return None;
    };
    Some(load_detail(state, key))
}

/// (Re)loads the detail of `key`; replies for older loads are dropped.
pub(super) fn load_detail(state: &mut State, key: crate::domain::AnomalyKey) -> Effect {
    let req = state.req();
    // Keep showing what we have for the same anomaly while it reloads.
    let (data, urls) = match state.detail.take().filter(|d| d.key == key) {
        Some(d) => (d.data, d.urls),
        None => (None, Vec::new()),
    };
    state.detail = Some(DetailView {
        key: key.clone(),
        req,
        data,
        urls,
        error: None,
    });
    Effect::LoadDetail { req, id: key }
}

/// Initial effects: load everything the screen shows.
pub fn start(state: &mut State) -> Vec<Effect> {
    let req = state.busy_req();
    state.loading = Some(req);
    state.last_poll = Some(state.now);
    let mut out = vec![Effect::LoadAnomalies { req }];
    out.extend(tick::poll(state));
    out
}
