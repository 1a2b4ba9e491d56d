//! Time passing: spinner frames, toast expiry, status polling and age labels. A tick only marks
//! the screen dirty when something visible changed, so an idle dashboard does not redraw.

use jiff::SignedDuration;

use super::super::effect::Effect;
use super::super::popup::Popup;
use super::super::state::{POLL_SECS, State};
use super::super::text;

pub fn on_tick(state: &mut State) -> Vec<Effect> {
    if !state.busy.is_empty() {
        state.spinner = state.spinner.wrapping_add(1);
        state.dirty = true;
    }
    let now = state.now;
    let before = state.toasts.len();
    state.toasts.retain(|t| t.until > now);
    if state.toasts.len() != before {
        state.dirty = true;
    }
    let labels = age_labels(state);
    if labels != state.drawn_ages {
        state.drawn_ages = labels;
        state.dirty = true;
    }
    let mut out = super::incident::on_tick(state);
    let due = state
        .last_poll
        .is_none_or(|t| now.duration_since(t) >= SignedDuration::from_secs(POLL_SECS));
    if due && state.polls.is_empty() {
        state.last_poll = Some(now);
        out.extend(poll(state));
    }
    out
}

/// A source read wrote rows: poll now (the fingerprint then fetches only the changed rows), or
/// right after the poll in flight, so a change is never left waiting for the periodic poll.
pub fn on_store_changed(state: &mut State) -> Vec<Effect> {
    if state.polls.is_empty() {
        state.last_poll = Some(state.now);
        return poll(state);
    }
    // Make the next tick's poll due at once.
    state.last_poll = None;
    Vec::new()
}

/// The status poll: outbox counts with the store fingerprint (which drives list updates), the
/// connection and the health of each source.
pub(super) fn poll(state: &mut State) -> Vec<Effect> {
    let outbox = state.req();
    let conn = state.req();
    let sources = state.req();
    state.polls.extend([outbox, conn, sources]);
    vec![
        Effect::LoadOutbox { req: outbox },
        Effect::CheckConnection { req: conn },
        Effect::LoadSources { req: sources },
    ]
}

/// Every relative time currently on screen, as drawn.
pub fn age_labels(state: &State) -> Vec<String> {
    let mut out: Vec<String> = state
        .links()
        .iter()
        .filter_map(|l| l.read_at.map(|t| text::ago(t, state.now)))
        .collect();
    // The incident view says when it was read.
    if let Some(t) = state.incident.as_ref().and_then(|v| v.read_at) {
        out.push(text::ago(t, state.now));
    }
    if state.load_failed
        && let Some(t) = state.loaded_at
    {
        out.push(text::ago(t, state.now));
    }
    // The sources popup shows "last ok … ago" and "next poll in …".
    if matches!(state.popup, Some(Popup::Sources { .. })) {
        for s in state.sources.iter().flatten() {
            out.extend(s.last_success_at.map(|t| text::ago(t, state.now)));
            out.extend(s.next_poll_at.map(|t| text::until(t, state.now)));
        }
    }
    out
}
