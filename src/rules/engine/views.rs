//! The batch's view of a key (what phase three knows of its newest incident) and the key rows
//! a decision inserts.

use jiff::Timestamp;

use crate::domain::IncidentRef;
use crate::rules::{DedupeKey, Rule};
use crate::store::{NewRuleKey, RuleKeyRow};

use super::decide::KeyFacts;

/// One key's newest incident as the batch sees it.
#[derive(Debug, Clone)]
pub(super) struct View {
    pub facts: KeyFacts,
    /// Its `rule_keys` row exists (else: found on ServiceNow, to be adopted on first use).
    pub stored: bool,
    pub found: Option<IncidentRef>,
    /// The found incident's correlation id (adopted as is: a `link` rule adopts another rule's).
    pub found_correlation_id: Option<String>,
    pub number: String,
    pub last_note_at: Option<Timestamp>,
    /// The rule whose key row this is, when it is another rule's: a `link` rule joins the
    /// incident another rule made for the same key (docs/rules.md).
    pub owner: Option<String>,
}

pub(super) fn view_of_row(row: &RuleKeyRow) -> View {
    let failed = matches!(
        row.create_state.as_deref(),
        Some("dead") | Some("dropped") | Some("failed")
    );
    View {
        facts: KeyFacts {
            generation: row.generation,
            state: row.state.clone(),
            opened_at: row.opened_at,
            last_seen_at: row.last_seen_at,
            create_failed: failed,
        },
        stored: true,
        found: None,
        found_correlation_id: None,
        number: row.number.clone().unwrap_or_default(),
        last_note_at: row.last_note_at,
        owner: Some(row.rule.clone()),
    }
}

pub(super) fn fresh_view(generation: u32, now: Timestamp) -> View {
    View {
        facts: KeyFacts {
            generation,
            state: None,
            opened_at: now,
            last_seen_at: now,
            create_failed: false,
        },
        stored: true,
        found: None,
        found_correlation_id: None,
        number: String::new(),
        last_note_at: None,
        owner: None,
    }
}

pub(super) fn new_key(
    rule: &Rule,
    key: &DedupeKey,
    generation: u32,
    cid: &str,
    found: Option<IncidentRef>,
    state: Option<String>,
) -> NewRuleKey {
    NewRuleKey {
        rule: rule.name.clone(),
        key_hash: key.hash.clone(),
        generation,
        key_text: key.text.clone(),
        instance: rule.instance.clone(),
        table: rule.table.clone(),
        correlation_id: cid.to_owned(),
        found,
        state,
    }
}

/// The overflow incident of a window is a key of its own (generation 0), so it is joined and
/// noted like any other.
pub(super) fn overflow_hash(window_start: Timestamp) -> String {
    format!("overflow:{}", window_start.as_second())
}

pub(super) fn overflow_key(rule: &Rule, window_start: Timestamp, cid: &str) -> NewRuleKey {
    NewRuleKey {
        rule: rule.name.clone(),
        key_hash: overflow_hash(window_start),
        generation: 0,
        key_text: format!(
            "overflow of the window from {}",
            crate::domain::format_timestamp(window_start)
        ),
        instance: rule.instance.clone(),
        table: rule.table.clone(),
        correlation_id: cid.to_owned(),
        found: None,
        state: None,
    }
}

pub(super) fn placeholder_row(k: &NewRuleKey, now: Timestamp) -> RuleKeyRow {
    RuleKeyRow {
        rule: k.rule.clone(),
        key_hash: k.key_hash.clone(),
        generation: 0,
        key_text: k.key_text.clone(),
        instance: k.instance.clone(),
        table: k.table.clone(),
        correlation_id: k.correlation_id.clone(),
        create_outbox_id: None,
        sys_id: None,
        number: None,
        opened_at: now,
        last_seen_at: now,
        state: None,
        pending: Vec::new(),
        last_note_at: None,
        note_due_at: None,
        create_state: None,
    }
}
