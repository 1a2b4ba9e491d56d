//! Actions on several marked rows: one incident for all of them (`c`), one comment each (`m`),
//! one incident linked to each (`l`). Each sends one request per anomaly through the usual
//! backend calls (so every note goes through the outbox exactly once), waits for all of them and
//! answers with one toast. Marks: cleared when the action succeeded for every row, kept when any
//! row failed (docs/dashboard.md §Bulk actions).

use std::collections::HashMap;

use crate::domain::{AnomalyKey, Severity};

use super::super::backend::{AnomalyDetail, CreateOutcome};
use super::super::bulk::{BulkLoad, BulkRound, BulkWhat};
use super::super::effect::Effect;
use super::super::form::TicketForm;
use super::super::msg::ReqId;
use super::super::popup::{Confirm, Pending, Popup};
use super::super::state::{Level, State};
use super::super::text::id_list;
use super::super::writeback::LocalAction;

/// `c` with rows marked: read every marked anomaly's detail, then open one form for all.
pub fn load_for_create(state: &mut State) -> Vec<Effect> {
    let targets = state.list.targets();
    if targets.is_empty() {
        state.toast(Level::Info, "no anomaly selected");
        return Vec::new();
    }
    let mut reqs = HashMap::new();
    let mut out = Vec::new();
    for key in &targets {
        let req = state.busy_req();
        reqs.insert(req, key.clone());
        out.push(Effect::LoadDetail {
            req,
            id: key.clone(),
        });
    }
    state.bulk_load = Some(BulkLoad {
        targets,
        reqs,
        details: HashMap::new(),
    });
    out
}

/// A detail read for a bulk create. `None` when `req` is not one of them.
pub fn on_detail(
    state: &mut State,
    req: ReqId,
    result: Result<AnomalyDetail, String>,
) -> Option<Vec<Effect>> {
    let load = state.bulk_load.as_mut()?;
    let key = load.reqs.remove(&req)?;
    match result {
        Ok(d) => {
            load.details.insert(key, d);
        }
        Err(e) => {
            state.bulk_load = None;
            state.toast(
                Level::Error,
                format!("could not read {} for the ticket form: {e}", key.id),
            );
            return Some(Vec::new());
        }
    }
    if !load.reqs.is_empty() {
        return Some(Vec::new());
    }
    let load = state.bulk_load.take()?;
    Some(open_form(state, load, false))
}

/// Opens the form for every anomaly of `load` (asking first when some already have an open
/// incident, as the single create does).
pub fn open_form(state: &mut State, load: BulkLoad, confirmed: bool) -> Vec<Effect> {
    let with_open: Vec<String> = load
        .targets
        .iter()
        .filter_map(|k| {
            let d = load.details.get(k)?;
            let open: Vec<&str> = d
                .links
                .iter()
                .filter(|l| l.is_open())
                .map(|l| l.incident.number.as_str())
                .collect();
            (!open.is_empty()).then(|| format!("{} ({})", k.id, open.join(", ")))
        })
        .collect();
    if !confirmed && !with_open.is_empty() {
        state.popup = Some(Popup::Confirm(Confirm {
            question: format!(
                "{} of the {} marked anomalies already have an open incident. Create one more \
                 incident for all {}?",
                with_open.len(),
                load.targets.len(),
                load.targets.len()
            ),
            items: with_open,
            then: Pending::CreateManyAnyway(Box::new(load)),
        }));
        return Vec::new();
    }
    let mut all: Vec<(AnomalyKey, AnomalyDetail)> = load
        .targets
        .iter()
        .filter_map(|k| load.details.get(k).map(|d| (k.clone(), d.clone())))
        .collect();
    if all.is_empty() {
        return Vec::new();
    }
    let (key, first) = all.remove(0);
    // The most severe anomaly sets the impact and urgency.
    let severity = std::iter::once(&first)
        .chain(all.iter().map(|(_, d)| d))
        .filter_map(|d| d.anomaly.severity)
        .min_by_key(|s| Severity::ALL.iter().position(|x| x == s));
    let form = TicketForm::for_many(key, &first, &all, &state.info.user);
    super::actions::show_form(state, form, severity)
}

/// The create of a bulk form answered: on success, link the incident to the other anomalies.
/// `None` when `req` was not a bulk create.
pub fn on_created(
    state: &mut State,
    req: ReqId,
    anomaly: &AnomalyKey,
    result: &Result<CreateOutcome, String>,
) -> Option<Vec<Effect>> {
    let (r, also) = state.create_also.take()?;
    if r != req {
        state.create_also = Some((r, also));
        return None;
    }
    // The worker links the incident to every one of them when it records the create (the
    // create and its targets were queued together: src/store/outbox.rs `enqueue_create_for`),
    // so nothing is left to do here but say so and apply the marks rule.
    let all: Vec<String> = std::iter::once(anomaly.id.clone())
        .chain(also.iter().map(|k| k.id.clone()))
        .collect();
    match result {
        Ok(CreateOutcome::Created(inc)) => {
            for key in &also {
                super::replies::bump_links(state, key, 1);
            }
            state.list.clear_marks();
            state.toast(
                Level::Success,
                format!(
                    "created {} for {}: {}",
                    inc.number,
                    count(all.len()),
                    id_list(&all, 6)
                ),
            );
            Some(Vec::new())
        }
        Ok(CreateOutcome::Queued { id, why }) => {
            // Nothing is lost: each anomaly is linked when the incident is made.
            state.list.clear_marks();
            state.toast(
                Level::Info,
                format!(
                    "{why}: one incident for {} ({}) is queued as #{id}; each is linked when it \
                     is created",
                    count(all.len()),
                    id_list(&all, 6)
                ),
            );
            Some(Vec::new())
        }
        Err(e) => {
            // Nothing was made; the marks stay so the same rows can be tried again.
            state.toast(
                Level::Error,
                format!("{e}; no incident for {} (marks kept)", id_list(&all, 6)),
            );
            Some(Vec::new())
        }
    }
}

/// One link per target, answered together.
pub fn link_all(
    state: &mut State,
    targets: Vec<AnomalyKey>,
    incident: &str,
    label: String,
) -> Vec<Effect> {
    let marked = state.list.marked_count() > 0;
    let mut out = Vec::new();
    let mut reqs = Vec::new();
    for anomaly in targets {
        let req = state.busy_req();
        reqs.push((req, anomaly.clone()));
        out.push(Effect::Link {
            req,
            anomaly,
            incident: incident.to_owned(),
        });
    }
    if marked {
        state
            .bulk
            .push(BulkRound::new(BulkWhat::Link(label), reqs, true));
    }
    out
}

/// One comment per target (each is queued as the notes of that anomaly's incidents).
pub fn comment_all(
    state: &mut State,
    targets: Vec<AnomalyKey>,
    marked: bool,
    text: &str,
) -> Vec<Effect> {
    let mut out = Vec::new();
    let mut reqs = Vec::new();
    for id in targets {
        let req = state.busy_req();
        reqs.push((req, id.clone()));
        out.push(Effect::Comment {
            req,
            id,
            text: text.to_owned(),
        });
    }
    if marked {
        state
            .bulk
            .push(BulkRound::new(BulkWhat::Comment, reqs, true));
    }
    out
}

/// Records one answer of a bulk round; when it was the last, the round's toast and the marks.
/// Returns false when `req` belongs to no round (a single action: the caller answers it).
pub fn record(state: &mut State, req: ReqId, key: &AnomalyKey, result: Result<(), &str>) -> bool {
    let Some(i) = state.bulk.iter().position(|r| r.waiting.contains_key(&req)) else {
        return false;
    };
    let round = &mut state.bulk[i];
    round.waiting.remove(&req);
    match result {
        Ok(()) => round.ok.push(key.clone()),
        Err(e) => round.failed.push((key.clone(), e.to_owned())),
    }
    if round.waiting.is_empty() {
        let round = state.bulk.remove(i);
        finish(state, round);
    }
    true
}

/// A request of a round that never answered (timed out, refused on a read-only profile).
pub fn record_failed(state: &mut State, req: ReqId, e: &str) -> bool {
    let key = state.bulk.iter().find_map(|r| r.waiting.get(&req)).cloned();
    match key {
        Some(key) => record(state, req, &key, Err(e)),
        None => false,
    }
}

fn ids(keys: &[AnomalyKey]) -> String {
    let ids: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
    id_list(&ids, 4)
}

/// `1 anomaly`, `3 anomalies`.
fn count(n: usize) -> String {
    if n == 1 {
        "1 anomaly".to_owned()
    } else {
        format!("{n} anomalies")
    }
}

fn finish(state: &mut State, round: BulkRound) {
    let n = round.ok.len() + round.failed.len();
    let all = count(n);
    if round.failed.is_empty() {
        if round.marked {
            state.list.clear_marks();
        }
        let text = match &round.what {
            BulkWhat::Comment => {
                let local = super::replies::writeback_notes(state, &round.ok, LocalAction::Comment);
                format!(
                    "comment saved on {all} ({}){local}; notes queued",
                    ids(&round.ok)
                )
            }
            BulkWhat::Link(label) => format!("linked {label} to {all}: {}", ids(&round.ok)),
        };
        state.toast(Level::Success, text);
        return;
    }
    let what = match &round.what {
        BulkWhat::Comment => "comment".to_owned(),
        BulkWhat::Link(label) => format!("link {label}"),
    };
    let failures: Vec<String> = round
        .failed
        .iter()
        .map(|(k, e)| format!("{}: {e}", k.id))
        .collect();
    let done = if round.ok.is_empty() {
        String::new()
    } else {
        format!(" (done for {})", ids(&round.ok))
    };
    state.toast(
        Level::Error,
        format!(
            "{what} failed for {} of {all}{done}; marks kept — {}",
            round.failed.len(),
            failures.join("; ")
        ),
    );
}
