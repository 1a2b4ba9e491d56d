//! The incident view (docs/dashboard.md §Incident view): opening it from a link, its keys, the
//! read's reply and the timer that keeps it fresh. The read itself is an `Effect::LoadIncident`
//! the runtime performs through the backend, never here.
//!
//! Fresh with the change poller: every few seconds the view asks the store what the poller last
//! saw of the incident (its version and update time; a new work note moves both) and re-reads
//! the journal from ServiceNow only when that moved — an open view costs no requests while
//! nothing happens on the incident.

use jiff::SignedDuration;

/// How often an open view asks the store whether the change poller saw the incident move.
const CHECK_EVERY: SignedDuration = SignedDuration::from_secs(2);

use crate::domain::IncidentRef;

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::msg::ReqId;
use super::super::state::{IncidentView, Level, State};
use super::actions::apply_action;

/// Opens the view on `incident` and asks for its first read.
pub fn open(state: &mut State, incident: IncidentRef) -> Vec<Effect> {
    let now = state.now;
    state.incident = Some(IncidentView {
        incident,
        req: None,
        data: None,
        read_at: None,
        error: None,
        asked_at: now,
        mark: None,
        checked_at: None,
        scroll: 0,
    });
    read(state, false)
}

/// (Re)reads the open incident, unless a read is already in flight. `if_changed`: only when
/// the change poller saw it move since the last good read.
fn read(state: &mut State, if_changed: bool) -> Vec<Effect> {
    let req = state.busy_req();
    let now = state.now;
    let Some(view) = state.incident.as_mut() else {
        state.busy.remove(&req);
        return Vec::new();
    };
    if view.req.is_some() {
        state.busy.remove(&req);
        return Vec::new();
    }
    view.req = Some(req);
    view.asked_at = now;
    let unless = (if_changed && view.data.is_some()).then(|| view.mark.clone());
    vec![Effect::LoadIncident {
        req,
        incident: view.incident.clone(),
        unless,
    }]
}

/// Logical lines the view shows below its header, for clamping the scroll.
fn body_lines(view: &IncidentView) -> usize {
    view.data.as_ref().map_or(0, |d| {
        d.journal
            .iter()
            .map(|e| 2 + e.text.lines().count())
            .sum::<usize>()
            + 10
    })
}

/// Keys while the view is open: scroll, re-read, back; help, errors and quit still work. The
/// anomaly actions do not: the view shows an incident, and acting on the anomaly hidden below
/// it by habit would surprise.
pub fn on_key(state: &mut State, action: Option<Action>) -> Vec<Effect> {
    let Some(view) = state.incident.as_mut() else {
        return Vec::new();
    };
    let page = i32::from(state.size.1.saturating_sub(6).max(1));
    let max = i32::try_from(body_lines(view)).unwrap_or(i32::MAX);
    let mut scroll_by = |d: i32| {
        let next = (i32::from(view.scroll) + d).clamp(0, max);
        view.scroll = u16::try_from(next).unwrap_or(u16::MAX);
    };
    match action {
        Some(Action::MoveDown) => scroll_by(1),
        Some(Action::MoveUp) => scroll_by(-1),
        Some(Action::PageDown) => scroll_by(page),
        Some(Action::PageUp) => scroll_by(-page),
        Some(Action::Top) => scroll_by(-max),
        Some(Action::Bottom) => scroll_by(max),
        Some(Action::Refresh) => return read(state, false),
        Some(Action::Back) => state.incident = None,
        Some(a @ (Action::Quit | Action::Help | Action::Errors | Action::CopyUrl)) => {
            return apply_action(state, a);
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

/// The read's answer; dropped when the view was closed or moved on since it was asked.
pub fn on_reply(
    state: &mut State,
    req: ReqId,
    incident: &IncidentRef,
    result: Result<super::super::backend::IncidentActivity, String>,
    mark: Option<String>,
) {
    let now = state.now;
    let Some(view) = state
        .incident
        .as_mut()
        .filter(|v| v.req == Some(req) && v.incident == *incident)
    else {
        // A read for a view since closed or reopened on another incident.
        return;
    };
    view.req = None;
    match result {
        Ok(data) => {
            view.data = Some(data);
            view.read_at = Some(now);
            view.mark = mark;
            view.checked_at = None;
            view.error = None;
        }
        Err(e) => {
            view.error = Some(e.clone());
            state.record_error(&format!("reading {}: {e}", incident.number));
        }
    }
}

/// A read of the view that produced no reply of its own (timed out); true when it was one.
pub fn on_failed(state: &mut State, req: ReqId, e: &str) -> bool {
    let Some(view) = state.incident.as_mut().filter(|v| v.req == Some(req)) else {
        return false;
    };
    view.req = None;
    view.error = Some(e.to_owned());
    let number = view.incident.number.clone();
    state.toast(Level::Error, format!("reading {number}: {e}"));
    true
}

/// The change poller saw nothing new since the view's read: keep it, say when it was checked.
pub fn on_unchanged(state: &mut State, req: ReqId, incident: &IncidentRef) {
    let now = state.now;
    if let Some(view) = state
        .incident
        .as_mut()
        .filter(|v| v.req == Some(req) && v.incident == *incident)
    {
        view.req = None;
        view.checked_at = Some(now);
    }
}

/// The timer. While the background polls ServiceNow (`poll_secs`), an open view with a good
/// read checks the change poller's mark every [`CHECK_EVERY`]; without one (the first read
/// failed) it reads again every `poll_secs`.
pub fn on_tick(state: &mut State) -> Vec<Effect> {
    let (Some(view), Some(secs)) = (state.incident.as_ref(), state.info.poll_secs) else {
        return Vec::new();
    };
    if view.req.is_some() {
        return Vec::new();
    }
    let since = state.now.duration_since(view.asked_at);
    if view.data.is_some() {
        if since >= CHECK_EVERY {
            return read(state, true);
        }
        return Vec::new();
    }
    let secs = i64::try_from(secs).unwrap_or(i64::MAX).max(1);
    if since >= SignedDuration::from_secs(secs) {
        return read(state, false);
    }
    Vec::new()
}
