//! Results of background work. Replies to superseded requests are dropped here.

use crate::domain::{AnomalyKey, Status};

use super::super::backend::{AnomalyDetail, AnomalyRow, CreateOutcome, SourceHealth};

use super::super::effect::Effect;
use super::super::msg::{Reply, ReqId};
use super::super::palette;
use super::super::popup::Popup;
use super::super::state::{Level, State};
use super::super::writeback::{LocalAction, WriteBack};
use super::actions::update_list;
use super::load_detail;

pub fn on_reply(state: &mut State, req: ReqId, reply: Reply) -> Vec<Effect> {
    let was_busy = state.busy.remove(&req);
    state.polls.remove(&req);
    // Assume a visible change; the quiet cases below clear it again.
    let dirty_before = state.dirty;
    state.dirty = true;
    match reply {
        Reply::Anomalies(result) => {
            if state.loading != Some(req) {
                state.dirty = dirty_before || was_busy;
                return Vec::new();
            }
            state.loading = None;
            match result {
                Ok((rows, rev)) => {
                    state.list.replace_rows(rows);
                    state.rev = rev;
                    state.loaded_at = Some(state.now);
                    state.load_failed = false;
                    // The fingerprint of the next poll may already include a change this load
                    // missed: ask for the rows since `rev` once, whatever it says.
                    state.list_stale = true;
                }
                Err(e) => {
                    state.load_failed = true;
                    state.toast(Level::Error, format!("could not load anomalies: {e}"));
                }
            }
            Vec::new()
        }
        Reply::AnomaliesSince { since, result } => {
            if state.merging != Some(req) {
                state.dirty = dirty_before || was_busy;
                return Vec::new();
            }
            state.merging = None;
            if since != state.rev {
                // The list moved on (a full load) since this was asked: ask again later.
                state.list_stale = true;
                state.dirty = dirty_before;
                return Vec::new();
            }
            on_merge(state, result, dirty_before)
        }
        Reply::Rules(result) => {
            state.rules = Some(result);
            Vec::new()
        }
        Reply::Sources(result) => {
            match result {
                Ok(list) => on_sources(state, list, dirty_before),
                Err(e) if state.last_error.as_ref() != Some(&e) => state.record_error(&e),
                Err(_) => state.dirty = dirty_before,
            }
            Vec::new()
        }
        Reply::SourcesRefreshed(result) => {
            match state.refresh.as_mut() {
                Some(r) if r.sources == req => r.sources_done = Some(result),
                _ => {
                    state.dirty = dirty_before || was_busy;
                    return Vec::new();
                }
            }
            // Show the new rows now and the sources' new health, not at the next poll.
            let mut out = update_list(state);
            let sources = state.req();
            state.polls.insert(sources);
            out.push(Effect::LoadSources { req: sources });
            finish_refresh(state);
            out
        }
        Reply::Detail { key, result, urls } => {
            if state
                .bulk_load
                .as_ref()
                .is_some_and(|l| l.reqs.contains_key(&req))
            {
                return super::bulk::on_detail(state, req, result).unwrap_or_default();
            }
            let mut delivered = Vec::new();
            match state.detail.as_mut() {
                Some(d) if d.req == req && d.key == key => match result {
                    Ok(data) => {
                        delivered = delivered_creates(d.data.as_ref(), &data);
                        d.data = Some(data);
                        d.urls = urls;
                        d.error = None;
                    }
                    Err(e) => d.error = Some(e),
                },
                _ => state.dirty = dirty_before || was_busy,
            }
            for text in delivered {
                state.toast(Level::Success, text);
            }
            let last = state.links().len().saturating_sub(1);
            state.link_cursor = state.link_cursor.min(last);
            Vec::new()
        }
        Reply::Outbox(result) => {
            let changed_elsewhere = match (&result, &state.outbox) {
                (Ok(new), Some(old)) => new.store_version != old.store_version,
                _ => false,
            };
            let ok = result.is_ok();
            // Queued deliveries that left the outbox without failing were delivered: say so
            // (the status bar's count alone is easy to miss).
            if let (Ok(new), Some(old)) = (&result, &state.outbox) {
                let gone = old.pending.saturating_sub(new.pending);
                let failed =
                    new.failed.saturating_sub(old.failed) + new.dead.saturating_sub(old.dead);
                let delivered = gone.saturating_sub(failed);
                if delivered > 0 {
                    let what = if delivered == 1 {
                        "1 queued delivery".to_owned()
                    } else {
                        format!("{delivered} queued deliveries")
                    };
                    state.toast(
                        Level::Success,
                        format!("{what} delivered to {}", state.info.instance),
                    );
                }
            }
            match result {
                Ok(c) if state.outbox.as_ref() != Some(&c) => state.outbox = Some(c),
                Ok(_) => state.dirty = dirty_before,
                Err(e) if state.last_error.as_ref() != Some(&e) => state.record_error(&e),
                Err(_) => state.dirty = dirty_before,
            }
            // Update the list when the store changed (another dashboard, a CLI command, an
            // ingester, the link poller): only the rows changed since the list's revision.
            if changed_elsewhere || (state.list_stale && ok) {
                return update_list(state);
            }
            Vec::new()
        }
        Reply::Connection(c) => {
            if state.connection == c {
                state.dirty = dirty_before;
            } else {
                state.connection = c;
            }
            Vec::new()
        }
        Reply::Choices { element, result } => {
            if let Some(Popup::Ticket(form)) = state.popup.as_mut() {
                let picker = match element.as_str() {
                    "category" => &mut form.category,
                    "risk" => &mut form.risk,
                    _ => &mut form.subcategory,
                };
                if picker.req == Some(req) {
                    picker.req = None;
                    match result {
                        Ok(served) => {
                            picker.items = served.items;
                            picker.cached = served.cached;
                            picker.selected = None;
                            picker.error = None;
                        }
                        Err(e) => picker.error = Some(e),
                    }
                    return Vec::new();
                }
            }
            state.dirty = dirty_before || was_busy;
            Vec::new()
        }
        Reply::Groups(result) | Reply::Users(result) => {
            if let Some(Popup::Ticket(form)) = state.popup.as_mut() {
                for l in [&mut form.group, &mut form.assignee] {
                    if l.req == Some(req) {
                        l.req = None;
                        match result {
                            Ok(served) => {
                                l.results = palette::rank(&l.text(), served.items, |r| &r.name);
                                l.cached = served.cached;
                                l.highlight = 0;
                            }
                            Err(e) => l.error = Some(e),
                        }
                        return Vec::new();
                    }
                }
            }
            state.dirty = dirty_before || was_busy;
            Vec::new()
        }
        Reply::Incidents(result) => {
            match state.popup.as_mut() {
                Some(Popup::Link(d)) if d.req == Some(req) => {
                    d.req = None;
                    match result {
                        Ok(items) => {
                            d.results = items;
                            d.selected = 0;
                            d.error = None;
                        }
                        Err(e) => d.error = Some(e),
                    }
                }
                _ => state.dirty = dirty_before || was_busy,
            }
            Vec::new()
        }
        Reply::Created { anomaly, result } => {
            let form_waiting = matches!(
                state.popup.as_ref(),
                Some(Popup::Ticket(f)) if f.submitting == Some(req)
            );
            // A bulk create links the others now and answers with its own toast.
            let bulk = super::bulk::on_created(state, req, &anomaly, &result);
            match result {
                Ok(CreateOutcome::Created(inc)) => {
                    if form_waiting {
                        state.popup = None;
                    }
                    if bulk.is_none() {
                        state.toast(
                            Level::Success,
                            format!("created {} for {}", inc.number, anomaly.id),
                        );
                    }
                    bump_links(state, &anomaly, 1);
                    let mut out = after_write(state, &[anomaly]);
                    out.extend(bulk.into_iter().flatten());
                    out
                }
                Ok(CreateOutcome::Queued { id, why }) => {
                    // Nothing is lost: the create is in the outbox, the links pane shows it as
                    // pending, and the worker makes the incident when ServiceNow is back.
                    if form_waiting {
                        state.popup = None;
                    }
                    // A bulk create said it already, naming the anomalies not linked yet.
                    if bulk.is_none() {
                        state.toast(
                            Level::Info,
                            format!(
                                "{why}: the incident for {} is queued as #{id} and will be created when it is back",
                                anomaly.id
                            ),
                        );
                    }
                    after_write(state, &[anomaly])
                }
                Err(e) => {
                    if let Some(Popup::Ticket(f)) = state.popup.as_mut()
                        && f.submitting == Some(req)
                    {
                        f.submitting = None;
                        f.error = Some(e.clone());
                    }
                    if bulk.is_none() {
                        state.toast(Level::Error, format!("create failed: {e}"));
                    }
                    Vec::new()
                }
            }
        }
        Reply::Linked { anomaly, result } => {
            let outcome = result.as_ref().map(|_| ()).map_err(String::as_str);
            let in_bulk = super::bulk::record(state, req, &anomaly, outcome);
            match result {
                Ok(inc) => {
                    if !in_bulk {
                        state.toast(
                            Level::Success,
                            format!("linked {} to {}", inc.number, anomaly.id),
                        );
                    }
                    bump_links(state, &anomaly, 1);
                    after_write(state, &[anomaly])
                }
                Err(e) => {
                    if !in_bulk {
                        state.toast(Level::Error, format!("link {} failed: {e}", anomaly.id));
                    }
                    Vec::new()
                }
            }
        }
        Reply::Unlinked {
            anomaly,
            incident,
            result,
        } => match result {
            Ok(()) => {
                state.toast(
                    Level::Success,
                    format!("unlinked {} from {}", incident.number, anomaly.id),
                );
                bump_links(state, &anomaly, -1);
                after_write(state, &[anomaly])
            }
            Err(e) => {
                state.toast(Level::Error, format!("unlink failed: {e}"));
                Vec::new()
            }
        },
        Reply::StatusSet {
            ids,
            status,
            result,
        } => match result {
            Ok(n) => {
                state.list.set_status(&ids, status);
                if ids.len() > 1 || state.list.targets() == ids {
                    state.list.clear_marks();
                }
                let what = match status {
                    Status::Archived(r) => format!("archived ({r})"),
                    s => s.to_string().to_lowercase(),
                };
                let noun = if n == 1 { "anomaly" } else { "anomalies" };
                let local = match status {
                    Status::Acknowledged => writeback_notes(state, &ids, LocalAction::Acknowledge),
                    Status::Archived(_) => writeback_notes(state, &ids, LocalAction::Archive),
                    Status::Active => String::new(),
                };
                state.toast(
                    Level::Success,
                    format!("{n} {noun} {what}{local}; notes queued"),
                );
                after_write(state, &ids)
            }
            Err(e) => {
                state.toast(Level::Error, format!("status change failed: {e}"));
                Vec::new()
            }
        },
        Reply::Commented { anomaly, result } => {
            let outcome = result.as_ref().map(|_| ()).map_err(String::as_str);
            let in_bulk = super::bulk::record(state, req, &anomaly, outcome);
            match result {
                Ok(()) => {
                    if !in_bulk {
                        let local = writeback_notes(
                            state,
                            std::slice::from_ref(&anomaly),
                            LocalAction::Comment,
                        );
                        state.toast(
                            Level::Success,
                            format!("comment on {} saved{local}; notes queued", anomaly.id),
                        );
                    }
                    after_write(state, &[anomaly])
                }
                Err(e) => {
                    if !in_bulk {
                        state.toast(Level::Error, format!("comment failed: {e}"));
                    }
                    Vec::new()
                }
            }
        }
        Reply::LinksRefreshed(result) => {
            match state.refresh.as_mut() {
                Some(r) if r.links == req => r.links_done = Some(result),
                _ => {
                    state.dirty = dirty_before || was_busy;
                    return Vec::new();
                }
            }
            finish_refresh(state);
            // The detail pane shows link states: reload it.
            match state.list.selected().map(|r| r.key.clone()) {
                Some(key) => vec![load_detail(state, key)],
                None => Vec::new(),
            }
        }
        Reply::Edited(result) => {
            match (result, state.popup.as_mut()) {
                (Ok(text), Some(Popup::Ticket(f))) if f.editing == Some(req) => {
                    f.editing = None;
                    f.set_description(&text);
                }
                (Ok(text), Some(Popup::Comment(c))) if c.editing == Some(req) => {
                    c.editing = None;
                    c.text = super::super::line_edit::area(&text, true);
                }
                (Err(e), _) => state.toast(Level::Error, format!("editor: {e}")),
                _ => {}
            }
            Vec::new()
        }
        Reply::Incident {
            incident,
            result,
            mark,
        } => {
            super::incident::on_reply(state, req, &incident, result, mark);
            Vec::new()
        }
        Reply::IncidentUnchanged { incident } => {
            super::incident::on_unchanged(state, req, &incident);
            Vec::new()
        }
        Reply::Failed(e) => {
            failed(state, req, &e);
            if super::incident::on_failed(state, req, &e) {
                return Vec::new();
            }
            // One request of a bulk action: its round reports it with the others.
            if super::bulk::record_failed(state, req, &e) {
                return Vec::new();
            }
            if state.create_also.as_ref().is_some_and(|(r, _)| *r == req) {
                let anomaly = match state.popup.as_ref() {
                    Some(Popup::Ticket(f)) => f.key.clone(),
                    _ => AnomalyKey {
                        source: String::new(),
                        id: "the first anomaly".to_owned(),
                    },
                };
                return super::bulk::on_created(state, req, &anomaly, &Err(e)).unwrap_or_default();
            }
            // A half of `r` that timed out is reported in the round's own toast.
            match state.refresh.as_mut() {
                Some(r) if r.sources == req => r.sources_done = Some(Err(e)),
                Some(r) if r.links == req => r.links_done = Some(Err(e)),
                _ => {
                    state.toast(Level::Error, e);
                    return Vec::new();
                }
            }
            finish_refresh(state);
            Vec::new()
        }
    }
}

/// "created INC… for A-1 (queued #N)" for each create that was pending in `old` and is gone in
/// `new`, which has a link `old` did not: the worker delivered it (matched by the new link, as
/// the outbox row that made it is no longer listed).
fn delivered_creates(old: Option<&AnomalyDetail>, new: &AnomalyDetail) -> Vec<String> {
    let Some(old) = old.filter(|o| o.anomaly.id == new.anomaly.id) else {
        return Vec::new();
    };
    let gone: Vec<i64> = old
        .pending_creates
        .iter()
        .filter(|p| !new.pending_creates.iter().any(|n| n.id == p.id))
        .map(|p| p.id)
        .collect();
    let added = new.links.iter().filter(|l| {
        !old.links
            .iter()
            .any(|o| o.incident.sys_id == l.incident.sys_id)
    });
    added
        .zip(gone)
        .map(|(l, id)| {
            format!(
                "created {} for {} (queued #{id}, now delivered)",
                l.incident.number, new.anomaly.id
            )
        })
        .collect()
}

/// Merges the rows changed since the list's revision; a toast counts the new ones.
fn on_merge(
    state: &mut State,
    result: Result<(Vec<AnomalyRow>, i64), String>,
    dirty_before: bool,
) -> Vec<Effect> {
    match result {
        Ok((_, top)) if top < state.rev => {
            // The revision went backwards: another store file. Only a full load is right.
            super::actions::reload(state)
        }
        Ok((rows, top)) => {
            let was_failing = state.load_failed;
            state.rev = top;
            state.loaded_at = Some(state.now);
            state.load_failed = false;
            let merged = state.list.merge(rows);
            if merged.new > 0 {
                let noun = if merged.new == 1 {
                    "anomaly"
                } else {
                    "anomalies"
                };
                let mut text = format!("{} new {noun}", merged.new);
                if merged.changed > 0 {
                    text.push_str(&format!(", {} changed", merged.changed));
                }
                state.toast(Level::Info, text);
            } else if merged.changed == 0 && !was_failing {
                state.dirty = dirty_before;
            }
            Vec::new()
        }
        Err(e) => {
            // Retried at the next poll; said once, then the status bar keeps "list updated Xm ago".
            state.list_stale = true;
            if state.load_failed {
                state.dirty = dirty_before;
            } else {
                state.load_failed = true;
                state.toast(Level::Error, format!("could not update the list: {e}"));
            }
            Vec::new()
        }
    }
}

/// New source health. A source that starts failing says so once, with its cause and fix.
fn on_sources(state: &mut State, list: Vec<SourceHealth>, dirty_before: bool) {
    if state.sources.as_ref() == Some(&list) {
        state.dirty = dirty_before;
        return;
    }
    let newly_failing: Vec<String> = list
        .iter()
        .filter(|s| !s.ok)
        .filter(|s| {
            !state
                .sources
                .iter()
                .flatten()
                .any(|old| old.name == s.name && !old.ok)
        })
        .map(|s| match &s.last_error {
            Some(e) => format!("source {}: {e}", s.name),
            None => format!("source {} is failing", s.name),
        })
        .collect();
    state.sources = Some(list);
    for text in newly_failing {
        state.toast(Level::Error, text);
    }
}

/// When both halves of `r` have answered: one toast for both.
fn finish_refresh(state: &mut State) {
    let Some(round) = state.refresh.take() else {
        return;
    };
    let (Some(sources), Some(links)) = (&round.sources_done, &round.links_done) else {
        state.refresh = Some(round);
        return;
    };
    let sources_text = match sources {
        Ok(0) => "sources: nothing new".to_owned(),
        Ok(n) => format!("sources: {n} new or changed"),
        Err(e) => format!("sources failed: {e}"),
    };
    let links_text = match links {
        Ok(n) => format!("links: {n} refreshed"),
        Err(e) => format!("links failed: {e}"),
    };
    let level = if sources.is_err() || links.is_err() {
        Level::Error
    } else {
        Level::Info
    };
    state.toast(level, format!("{sources_text}; {links_text}"));
}

pub(super) fn bump_links(state: &mut State, key: &AnomalyKey, delta: isize) {
    if let Some(n) = state.list.row(key).map(|r| r.link_count) {
        state
            .list
            .set_link_count(key, n.saturating_add_signed(delta));
    }
}

/// After a write: reload the detail if it shows one of `keys`, and ask for outbox counts now
/// (the new notes are pending).
fn after_write(state: &mut State, keys: &[AnomalyKey]) -> Vec<Effect> {
    let mut out = Vec::new();
    if let Some(sel) = state.list.selected().map(|r| r.key.clone())
        && keys.contains(&sel)
    {
        out.push(load_detail(state, sel));
    }
    let req = state.req();
    state.polls.insert(req);
    out.push(Effect::LoadOutbox { req });
    out
}

/// A request that never produced its own reply (refused as a write on a read-only profile, or
/// timed out): whatever waits for it stops waiting and shows the error.
fn failed(state: &mut State, req: ReqId, e: &str) {
    if state.loading == Some(req) {
        state.loading = None;
        state.load_failed = true;
    }
    if let Some(d) = state.detail.as_mut()
        && d.req == req
    {
        d.error = Some(e.to_owned());
    }
    match state.popup.as_mut() {
        Some(Popup::Ticket(f)) => {
            if f.submitting == Some(req) {
                f.submitting = None;
                f.error = Some(e.to_owned());
            }
            if f.editing == Some(req) {
                f.editing = None;
            }
            for p in [&mut f.category, &mut f.subcategory] {
                if p.req == Some(req) {
                    p.req = None;
                    p.error = Some(e.to_owned());
                }
            }
            for l in [&mut f.group, &mut f.assignee] {
                if l.req == Some(req) {
                    l.req = None;
                    l.error = Some(e.to_owned());
                }
            }
        }
        Some(Popup::Link(d)) if d.req == Some(req) => {
            d.req = None;
            d.error = Some(e.to_owned());
        }
        Some(Popup::Comment(c)) if c.editing == Some(req) => c.editing = None,
        _ => {}
    }
}

/// What the sources of `keys` did with `action`, as `; <note>` clauses (one per distinct note):
/// "; silenced in alerts for 4h", "; kept local (file source)". A source not read yet adds none.
pub(super) fn writeback_notes(state: &State, keys: &[AnomalyKey], action: LocalAction) -> String {
    let mut notes: Vec<String> = Vec::new();
    for key in keys {
        if let Some(wb) = WriteBack::of(state.sources.as_deref(), &key.source) {
            let note = wb.note(action);
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    notes.iter().map(|n| format!("; {n}")).collect()
}
