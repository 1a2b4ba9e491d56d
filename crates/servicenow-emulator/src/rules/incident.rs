//! Incident business rules (§8): numbering, defaults, priority, the state model,
//! the resolution data policy and the resolve/close stamps.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::schema::INCIDENT;
use crate::store::{Record, Store};

/// Priority from impact × urgency (1 High … 3 Low); anything else counts as 3.
pub fn priority(impact: &str, urgency: &str) -> &'static str {
    let level = |v: &str| match v.trim() {
        "1" => 1,
        "2" => 2,
        _ => 3,
    };
    match level(impact) + level(urgency) {
        2 => "1",
        3 => "2",
        4 => "3",
        5 => "4",
        _ => "5",
    }
}

fn get<'a>(r: &'a Record, f: &str) -> &'a str {
    r.get(f).map(String::as_str).unwrap_or("")
}

fn set(r: &mut Record, f: &str, v: &str) {
    r.insert(f.to_string(), v.to_string());
}

/// Applies the rules to `rec` (stored values merged with `changes`).
/// `old` is the stored record on update, `None` on insert.
pub fn apply(
    store: &mut Store,
    old: Option<&Record>,
    rec: &mut Record,
    changes: &Record,
    p: &Principal,
    now: &str,
) -> Result<(), ApiError> {
    let op = if old.is_some() { "Update" } else { "Insert" };

    // `incident_state` mirrors `state`; a client may write either.
    if let Some(s) = changes.get("state") {
        set(rec, "incident_state", s);
    } else if let Some(s) = changes.get("incident_state") {
        set(rec, "state", s);
    }
    let new_state = get(rec, "state").to_string();
    let old_state = old.map(|o| get(o, "state").to_string()).unwrap_or_default();
    let entering = |s: &str| new_state == s && old_state != s;

    if entering("7") && !p.can_close_incidents() {
        return Err(ApiError::acl(op));
    }
    // The resolution rule (close code and notes when resolved or closed) is a seeded data
    // policy like any other: see `data_policy`.
    super::data_policy::check(store, &INCIDENT, rec)?;

    let prio = priority(get(rec, "impact"), get(rec, "urgency"));
    set(rec, "priority", prio);
    let active = if matches!(new_state.as_str(), "7" | "8") {
        "false"
    } else {
        "true"
    };
    set(rec, "active", active);

    if entering("6") || (entering("7") && get(rec, "resolved_at").is_empty()) {
        set(rec, "resolved_at", now);
        set(rec, "resolved_by", &p.sys_id);
    }
    if entering("7") {
        set(rec, "closed_at", now);
        set(rec, "closed_by", &p.sys_id);
    }
    let was_done = matches!(old_state.as_str(), "6" | "7" | "8");
    if old.is_some() && was_done && matches!(new_state.as_str(), "1" | "2" | "3") {
        // Reopen: the stamps of the previous resolution no longer apply.
        for f in ["resolved_at", "resolved_by", "closed_at", "closed_by"] {
            set(rec, f, "");
        }
        let count = get(rec, "reopen_count").parse::<u64>().unwrap_or(0) + 1;
        set(rec, "reopen_count", &count.to_string());
    }

    if old.is_none() {
        if get(rec, "number").is_empty() {
            let number = store.next_incident_number();
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

#[cfg(test)]
mod tests {
    use super::priority;

    #[test]
    fn priority_matrix_matches_the_reference_table() {
        let expected = [["1", "2", "3"], ["2", "3", "4"], ["3", "4", "5"]];
        for (i, row) in expected.iter().enumerate() {
            for (u, want) in row.iter().enumerate() {
                assert_eq!(priority(&(i + 1).to_string(), &(u + 1).to_string()), *want);
            }
        }
        assert_eq!(priority("", "x"), "5");
    }
}
