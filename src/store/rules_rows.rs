//! The rows of rule state and how they are read from SQL (the key rows with their create's
//! outbox state and note buffer, decisions, counts); `rules_read.rs` has the queries.

use super::db::{Db, Row, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, IncidentRef};

use super::rules::{DecisionAction, KeyRef};
use super::{Result, from_ms, opt_from_ms};

/// One generation of a dedupe key: the incident made (or adopted) for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleKeyRow {
    pub rule: String,
    pub key_hash: String,
    pub generation: u32,
    pub key_text: String,
    pub instance: String,
    pub table: String,
    pub correlation_id: String,
    pub create_outbox_id: Option<i64>,
    /// Known once the create landed (from its outbox row) or the incident was adopted.
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub opened_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// ServiceNow's state as last read (display value: "In Progress", "Resolved", …).
    pub state: Option<String>,
    /// Anomalies merged since the last consolidated note.
    pub pending: Vec<AnomalyKey>,
    pub last_note_at: Option<Timestamp>,
    pub note_due_at: Option<Timestamp>,
    /// The create's outbox state (`pending`, `delivered`, `dead`, …), if it has one.
    pub create_state: Option<String>,
}

impl RuleKeyRow {
    pub fn key_ref(&self) -> KeyRef {
        KeyRef {
            rule: self.rule.clone(),
            key_hash: self.key_hash.clone(),
            generation: self.generation,
        }
    }

    /// The incident, once it is known to exist.
    pub fn incident(&self) -> Option<IncidentRef> {
        Some(IncidentRef {
            instance: self.instance.clone(),
            table: self.table.clone(),
            sys_id: self.sys_id.clone()?,
            number: self.number.clone().unwrap_or_default(),
        })
    }
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleDecisionRow {
    pub id: i64,
    pub at: Timestamp,
    pub rule: String,
    pub anomaly: AnomalyKey,
    pub key_hash: String,
    pub key_text: String,
    pub action: DecisionAction,
    pub instance: Option<String>,
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub outbox_id: Option<i64>,
    pub why: String,
}

/// Decisions of one rule since a time, by action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    pub created: u64,
    pub linked: u64,
    pub merged: u64,
    pub suppressed: u64,
    pub delayed: u64,
    pub reopened: u64,
    pub skipped: u64,
}

pub(super) const KEY_COLUMNS: &str = "k.rule, k.key_hash, k.generation, k.key_text, k.instance, k.tbl, \
     k.correlation_id, k.create_outbox_id, \
     COALESCE(k.sys_id, CASE WHEN o.state = 'delivered' THEN o.sys_id END), \
     COALESCE(k.number, CASE WHEN o.state = 'delivered' THEN o.number END), \
     k.opened_at, k.last_seen_at, k.state, k.last_note_at, k.note_due_at, o.state";

pub(super) const KEY_FROM: &str = "rule_keys k LEFT JOIN outbox o ON o.id = k.create_outbox_id";

type RawKey = (
    (
        String,
        String,
        u32,
        String,
        String,
        String,
        String,
        Option<i64>,
    ),
    (Option<String>, Option<String>, i64, i64, Option<String>),
    (Option<i64>, Option<i64>, Option<String>),
);

pub(super) fn raw_key(r: &Row<'_>) -> Result<RawKey> {
    Ok((
        (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ),
        (r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?),
        (r.get(13)?, r.get(14)?, r.get(15)?),
    ))
}

pub(super) fn key_from_raw(raw: RawKey) -> Result<RuleKeyRow> {
    let (
        (rule, key_hash, generation, key_text, instance, table, correlation_id, create_outbox_id),
        (sys_id, number, opened, seen, state),
        (last_note, due, create_state),
    ) = raw;
    Ok(RuleKeyRow {
        rule,
        key_hash,
        generation,
        key_text,
        instance,
        table,
        correlation_id,
        create_outbox_id,
        sys_id,
        number,
        opened_at: from_ms(opened)?,
        last_seen_at: from_ms(seen)?,
        state,
        pending: Vec::new(),
        last_note_at: opt_from_ms(last_note)?,
        note_due_at: opt_from_ms(due)?,
        create_state,
    })
}

pub(super) fn keys_where(
    conn: &Db,
    filter: &str,
    args: &[&dyn super::db::ToValue],
) -> Result<Vec<RuleKeyRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE {filter}"
    ))?;
    let rows = stmt.query_map(args, raw_key)?;
    rows.map(|r| key_from_raw(r?)).collect()
}

/// Fills each row's note buffer (a separate read: a flood's overflow incident may buffer
/// thousands, which the runner's per-anomaly reads do not need).
pub(super) fn with_pending(conn: &Db, mut rows: Vec<RuleKeyRow>) -> Result<Vec<RuleKeyRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT anomaly_source, anomaly_id FROM rule_pending WHERE rule = ?1 AND key_hash = ?2 \
         AND generation = ?3 ORDER BY id",
    )?;
    for row in &mut rows {
        row.pending = stmt
            .query_map(params![row.rule, row.key_hash, row.generation], |r| {
                Ok(AnomalyKey::new(
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                ))
            })?
            .collect::<Result<_>>()?;
    }
    Ok(rows)
}

pub(super) fn key_row_tx(conn: &Db, key: &KeyRef) -> Result<Option<RuleKeyRow>> {
    Ok(keys_where(
        conn,
        "k.rule = ?1 AND k.key_hash = ?2 AND k.generation = ?3",
        params![key.rule, key.key_hash, key.generation],
    )?
    .into_iter()
    .next())
}
