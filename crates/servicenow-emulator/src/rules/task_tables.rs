//! Business rules of `problem` and `change_request` (docs/emulator.md, "Problems and change
//! requests"): numbering, defaults, the state stamps, the seeded data policies, and the
//! current-release quirk that a Table API update never moves their `state`.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::schema::TableDef;
use crate::store::{Record, Store};

use super::incident::priority;

/// Problem states (the Madrid state model a new instance has).
const PRB_RESOLVED: &str = "106";
const PRB_CLOSED: &str = "107";
/// Change states that end the change.
const CHG_CLOSED: &str = "3";
const CHG_CANCELED: &str = "4";
const CHG_IMPLEMENT: &str = "-1";
const CHG_REVIEW: &str = "0";

/// Whether `table` is one of the tables these rules serve.
pub fn serves(table: &str) -> bool {
    matches!(table, "problem" | "change_request")
}

/// Since Rome the state model's business rules ("State Model - Can change state?",
/// `StateTransitionValidator`) stop a Table API update from moving the state: the PATCH
/// answers 200 and the state stays, with no audit row for it, while the other fields of the
/// same PATCH apply (docs/emulator.md, "Problems and change requests"). `problem_state`
/// mirrors `state` and is held the same way.
pub fn hold_state(table: &str, changes: &mut Record) {
    if serves(table) {
        changes.remove("state");
        changes.remove("problem_state");
    }
}

fn get<'a>(r: &'a Record, f: &str) -> &'a str {
    r.get(f).map(String::as_str).unwrap_or("")
}

fn set(r: &mut Record, f: &str, v: &str) {
    r.insert(f.to_string(), v.to_string());
}

/// Applies the rules to `rec` (stored values merged with `changes`); `old` is the stored
/// record on update, `None` on insert.
pub fn apply(
    store: &mut Store,
    def: &'static TableDef,
    old: Option<&Record>,
    rec: &mut Record,
    changes: &Record,
    p: &Principal,
    now: &str,
) -> Result<(), ApiError> {
    if def.name == "problem" {
        // `problem_state` mirrors `state`; on insert a client may give either.
        if let Some(s) = changes.get("state") {
            set(rec, "problem_state", s);
        } else if let Some(s) = changes.get("problem_state") {
            set(rec, "state", s);
        }
    }
    super::data_policy::check(store, def, rec)?;
    let state = get(rec, "state").to_string();
    let old_state = old.map(|o| get(o, "state").to_string()).unwrap_or_default();
    let entering = |s: &str| state == s && old_state != s;
    match def.name {
        "problem" => {
            // Problems take the incident's priority lookup (impact × urgency).
            let prio = priority(get(rec, "impact"), get(rec, "urgency"));
            set(rec, "priority", prio);
            let active = if state == PRB_CLOSED { "false" } else { "true" };
            set(rec, "active", active);
            if entering(PRB_RESOLVED)
                || (entering(PRB_CLOSED) && get(rec, "resolved_at").is_empty())
            {
                set(rec, "resolved_at", now);
                set(rec, "resolved_by", &p.sys_id);
            }
            if entering(PRB_CLOSED) {
                set(rec, "closed_at", now);
                set(rec, "closed_by", &p.sys_id);
            }
        }
        _ => {
            let done = state == CHG_CLOSED || state == CHG_CANCELED;
            set(rec, "active", if done { "false" } else { "true" });
            if entering(CHG_IMPLEMENT) && get(rec, "work_start").is_empty() {
                set(rec, "work_start", now);
            }
            if entering(CHG_REVIEW) && get(rec, "work_end").is_empty() {
                set(rec, "work_end", now);
            }
            if entering(CHG_CLOSED) || entering(CHG_CANCELED) {
                set(rec, "closed_at", now);
                set(rec, "closed_by", &p.sys_id);
            }
        }
    }
    if old.is_none() {
        if get(rec, "number").is_empty()
            && let Some(number) = store.next_number(def.name)
        {
            set(rec, "number", &number);
        }
        if get(rec, "opened_by").is_empty() {
            set(rec, "opened_by", &p.sys_id);
        }
        if get(rec, "opened_at").is_empty() {
            set(rec, "opened_at", now);
        }
    }
    let number = get(rec, "number").to_string();
    set(rec, "task_effective_number", &number);
    Ok(())
}

/// The fields a seed row of `table` does not set itself: `problem_state`, priority, active.
pub fn derive_seeded(table: &str, rec: &mut Record) {
    let state = get(rec, "state").to_string();
    match table {
        "problem" => {
            set(rec, "problem_state", &state);
            let prio = priority(get(rec, "impact"), get(rec, "urgency"));
            set(rec, "priority", prio);
            set(
                rec,
                "active",
                if state == PRB_CLOSED { "false" } else { "true" },
            );
        }
        "change_request" => {
            let done = state == CHG_CLOSED || state == CHG_CANCELED;
            set(rec, "active", if done { "false" } else { "true" });
        }
        _ => {}
    }
}
