//! The decision for one anomaly matched by one rule (pure: every fact and `now` passed in), with
//! Netwrix's flood semantics (docs/rules.md §Flood control). The runner gathers the facts from
//! the store (and ServiceNow), calls [`decide`], and records what it returns.

use jiff::{SignedDuration, Timestamp};

use crate::domain::Status;
use crate::rules::{Rule, RuleAction};

/// ServiceNow incident states (raw values) the decision cares about.
pub const STATE_IN_PROGRESS: &str = "2";
pub const STATE_RESOLVED: &str = "6";
pub const STATE_CLOSED: &str = "7";
pub const STATE_CANCELED: &str = "8";

/// What is known of the newest incident of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    pub generation: u32,
    /// Raw state code as last read (`None`: never read, e.g. its create is still queued).
    pub state: Option<String>,
    pub opened_at: Timestamp,
    /// When an anomaly last joined (or the incident was opened).
    pub last_seen_at: Timestamp,
    /// Its create was given up (dead, dropped, failed): there is no incident to join.
    pub create_failed: bool,
}

impl KeyFacts {
    fn is_final(&self) -> bool {
        matches!(
            self.state.as_deref(),
            Some(STATE_CLOSED) | Some(STATE_CANCELED)
        )
    }
}

/// Everything [`decide`] looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The rule already recorded a final decision for this anomaly.
    pub decided: bool,
    /// A person linked the anomaly (any link not made by a rule).
    pub linked_by_person: bool,
    /// The anomaly's local status now.
    pub status: Status,
    /// When the store first saw the anomaly (the creation delay counts from here).
    pub first_seen_at: Timestamp,
    /// A delayed decision is recorded for it, due at this time.
    pub delayed_until: Option<Timestamp>,
    /// The newest incident of its key (local record, or found on ServiceNow).
    pub key: Option<KeyFacts>,
    /// Incidents the rule created in the current flood window.
    pub window_created: u32,
    /// The current window already has its overflow incident.
    pub window_has_overflow: bool,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Already decided (or still waiting on a recorded delay): record nothing.
    Nothing,
    /// Record a `skip` with this reason.
    Skip(String),
    /// Wait until `due_at` (record a `delay`).
    Delay { due_at: Timestamp },
    /// Join the key's newest incident (generation); `reopen` when it is Resolved. `link_only`
    /// for an `action = "link"` rule.
    Join {
        generation: u32,
        reopen: bool,
        link_only: bool,
        why: String,
    },
    /// Create generation `generation` of the key (0 for its first incident); `after` is the earlier generation it follows
    /// (Closed, Canceled, past `update_interval` or given up), named in the description.
    Create {
        generation: u32,
        after: Option<u32>,
        why: String,
    },
    /// Past `flood_limit`: join the window's overflow incident (`create` when it has none yet).
    Overflow {
        window_start: Timestamp,
        create: bool,
    },
}

/// The flood window `now` falls in: fixed windows of `flood_interval` from the unix epoch, so
/// every process agrees on them without talking to each other.
pub fn window_start(interval: SignedDuration, now: Timestamp) -> Timestamp {
    let len = interval.as_millis().max(1);
    let at = i128::from(now.as_millisecond());
    let start = at - at.rem_euclid(len);
    i64::try_from(start)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .unwrap_or(now)
}

/// The decision (see the module doc and docs/rules.md §Decisions).
pub fn decide(rule: &Rule, f: &Facts, now: Timestamp) -> Plan {
    if f.decided {
        return Plan::Nothing;
    }
    if f.linked_by_person {
        return Plan::Skip("linked by a person: a rule does not ticket it again".into());
    }
    let delay = rule.flood.creation_delay;
    if delay > SignedDuration::ZERO {
        let due = f
            .delayed_until
            .unwrap_or_else(|| f.first_seen_at.saturating_add(delay).unwrap_or(now));
        if now < due {
            return match f.delayed_until {
                Some(_) => Plan::Nothing,
                None => Plan::Delay { due_at: due },
            };
        }
        if f.status != Status::Active {
            return Plan::Skip(format!(
                "{} during the creation delay ({}): nothing created",
                f.status.code(),
                crate::rules::format_duration(delay)
            ));
        }
    }
    let link_only = rule.action == RuleAction::Link;
    if let Some(k) = &f.key {
        let recent = now.duration_since(k.last_seen_at) <= rule.flood.update_interval;
        let joinable = !k.create_failed && !k.is_final() && recent;
        if joinable {
            let reopen = k.state.as_deref() == Some(STATE_RESOLVED) && !link_only;
            let why = if reopen {
                "recurrence within update_interval of a Resolved incident: reopened".to_string()
            } else {
                "same key as an open incident within update_interval".to_string()
            };
            return Plan::Join {
                generation: k.generation,
                reopen,
                link_only,
                why,
            };
        }
        if link_only {
            return Plan::Skip("no open incident holds this key: nothing to link to".into());
        }
        let why = if k.create_failed {
            "the earlier create was given up: a new incident".to_string()
        } else if k.is_final() {
            "the earlier incident is Closed or Canceled (never reopened): a new incident"
                .to_string()
        } else {
            "past update_interval since the last recurrence: a new incident".to_string()
        };
        return flood_or(rule, f, now, k.generation + 1, Some(k.generation), why);
    }
    if link_only {
        return Plan::Skip("no open incident holds this key: nothing to link to".into());
    }
    flood_or(rule, f, now, 0, None, "first anomaly of its key".into())
}

fn flood_or(
    rule: &Rule,
    f: &Facts,
    now: Timestamp,
    generation: u32,
    after: Option<u32>,
    why: String,
) -> Plan {
    if f.window_created < rule.flood.flood_limit {
        return Plan::Create {
            generation,
            after,
            why,
        };
    }
    Plan::Overflow {
        window_start: window_start(rule.flood.flood_interval, now),
        create: !f.window_has_overflow,
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
