//! The read side of rule state: what the runner decides from, and what `snowlink rules` shows.

use jiff::Timestamp;
use rusqlite::{Connection, Row, params};
use serde::Serialize;

use crate::domain::{AnomalyKey, IncidentRef};

use super::rules::{DecisionAction, KeyRef, opt_row};
use super::{Result, Store, StoreError, from_ms, ms, opt_from_ms};

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

const KEY_COLUMNS: &str = "k.rule, k.key_hash, k.generation, k.key_text, k.instance, k.tbl, \
     k.correlation_id, k.create_outbox_id, \
     COALESCE(k.sys_id, CASE WHEN o.state = 'delivered' THEN o.sys_id END), \
     COALESCE(k.number, CASE WHEN o.state = 'delivered' THEN o.number END), \
     k.opened_at, k.last_seen_at, k.state, k.last_note_at, k.note_due_at, o.state";

const KEY_FROM: &str = "rule_keys k LEFT JOIN outbox o ON o.id = k.create_outbox_id";

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

fn raw_key(r: &Row<'_>) -> rusqlite::Result<RawKey> {
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

fn key_from_raw(raw: RawKey) -> Result<RuleKeyRow> {
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

fn keys_where(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<RuleKeyRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM {KEY_FROM} WHERE {filter}"
    ))?;
    let rows = stmt.query_map(args, raw_key)?;
    rows.map(|r| key_from_raw(r?)).collect()
}

/// Fills each row's note buffer (a separate read: a flood's overflow incident may buffer
/// thousands, which the runner's per-anomaly reads do not need).
fn with_pending(conn: &Connection, mut rows: Vec<RuleKeyRow>) -> Result<Vec<RuleKeyRow>> {
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
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(rows)
}

pub(super) fn key_row_tx(conn: &Connection, key: &KeyRef) -> Result<Option<RuleKeyRow>> {
    Ok(keys_where(
        conn,
        "k.rule = ?1 AND k.key_hash = ?2 AND k.generation = ?3",
        params![key.rule, key.key_hash, key.generation],
    )?
    .into_iter()
    .next())
}

impl Store {
    /// The anomaly revision the rule runner has evaluated up to.
    pub fn rule_watermark(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT rev FROM rule_watermark WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Up to `limit` anomalies whose revision is above `rev`, oldest revision first, with it.
    pub fn rule_candidates(&self, rev: i64, limit: usize) -> Result<Vec<(i64, AnomalyKey)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rev, source, id FROM anomalies WHERE rev > ?1 ORDER BY rev LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![rev, limit], |r| {
            Ok((
                r.get(0)?,
                AnomalyKey::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether `rule` already made a final decision for this anomaly (anything but a delay).
    pub fn rule_decided(&self, rule: &str, anomaly: &AnomalyKey) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM rule_decisions WHERE anomaly_source = ?1 \
             AND anomaly_id = ?2 AND rule = ?3 AND action <> 'delay')",
            params![anomaly.source, anomaly.id, rule],
            |r| r.get(0),
        )?)
    }

    /// When this anomaly's delayed decision for `rule` is due, if it is waiting.
    pub fn rule_delay(&self, rule: &str, anomaly: &AnomalyKey) -> Result<Option<Timestamp>> {
        let v: Option<i64> = opt_row(self.conn.query_row(
            "SELECT due_at FROM rule_delays WHERE rule = ?1 AND anomaly_source = ?2 \
             AND anomaly_id = ?3",
            params![rule, anomaly.source, anomaly.id],
            |r| r.get(0),
        ))?;
        opt_from_ms(v)
    }

    /// Delayed decisions due at `now`.
    pub fn due_rule_delays(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(String, AnomalyKey)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rule, anomaly_source, anomaly_id FROM rule_delays WHERE due_at <= ?1 \
             ORDER BY due_at LIMIT ?2",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![ms(now), limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                AnomalyKey::new(r.get::<_, String>(1)?, r.get::<_, String>(2)?),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The earliest time a delay or a consolidated note falls due.
    pub fn next_rule_due(&self) -> Result<Option<Timestamp>> {
        let v: Option<i64> = self.conn.query_row(
            "SELECT MIN(t) FROM (SELECT MIN(due_at) AS t FROM rule_delays \
             UNION ALL SELECT MIN(note_due_at) FROM rule_keys WHERE note_due_at IS NOT NULL)",
            [],
            |r| r.get(0),
        )?;
        opt_from_ms(v)
    }

    /// Whether a person (not a rule) linked this anomaly to anything.
    pub fn linked_by_person(&self, anomaly: &AnomalyKey) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM links WHERE source = ?1 AND anomaly_id = ?2 \
             AND linked_by NOT LIKE 'rule:%')",
            params![anomaly.source, anomaly.id],
            |r| r.get(0),
        )?)
    }

    /// The newest generation of a key, if the rule ever opened an incident for it.
    pub fn latest_rule_key(&self, rule: &str, key_hash: &str) -> Result<Option<RuleKeyRow>> {
        let rows = self
            .latest_rule_key_brief(rule, key_hash)?
            .into_iter()
            .collect();
        Ok(with_pending(&self.conn, rows)?.into_iter().next())
    }

    /// [`Store::latest_rule_key`] without its note buffer (`pending` empty).
    pub fn latest_rule_key_brief(&self, rule: &str, key_hash: &str) -> Result<Option<RuleKeyRow>> {
        Ok(keys_where(
            &self.conn,
            "k.rule = ?1 AND k.key_hash = ?2 ORDER BY k.generation DESC LIMIT 1",
            params![rule, key_hash],
        )?
        .into_iter()
        .next())
    }

    /// The newest incident of a key hash whatever rule made it (the one a `link` rule joins).
    pub fn latest_key_of_any_rule(&self, key_hash: &str) -> Result<Option<RuleKeyRow>> {
        Ok(keys_where(
            &self.conn,
            "k.key_hash = ?1 ORDER BY k.opened_at DESC, k.generation DESC LIMIT 1",
            params![key_hash],
        )?
        .into_iter()
        .next())
    }

    /// One generation of a key.
    pub fn rule_key(&self, key: &KeyRef) -> Result<Option<RuleKeyRow>> {
        let rows = key_row_tx(&self.conn, key)?.into_iter().collect();
        Ok(with_pending(&self.conn, rows)?.into_iter().next())
    }

    /// Keys whose consolidated note is due at `now`.
    pub fn due_rule_notes(&self, now: Timestamp) -> Result<Vec<RuleKeyRow>> {
        let rows = keys_where(
            &self.conn,
            "k.note_due_at IS NOT NULL AND k.note_due_at <= ?1 ORDER BY k.note_due_at",
            params![ms(now)],
        )?;
        with_pending(&self.conn, rows)
    }

    /// Every key row of a rule (or of all rules), newest first.
    pub fn rule_keys(&self, rule: Option<&str>) -> Result<Vec<RuleKeyRow>> {
        let rows = keys_where(
            &self.conn,
            "(?1 IS NULL OR k.rule = ?1) ORDER BY k.opened_at DESC, k.generation DESC",
            params![rule],
        )?;
        with_pending(&self.conn, rows)
    }

    /// Incidents the rule created in the flood window starting at `start`, and the key hash of
    /// the window's overflow incident if it has one.
    pub fn rule_window(&self, rule: &str, start: Timestamp) -> Result<(u32, Option<String>)> {
        let v: Option<(u32, Option<String>)> = opt_row(self.conn.query_row(
            "SELECT created, overflow_key FROM rule_windows WHERE rule = ?1 AND window_start = ?2",
            params![rule, ms(start)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        ))?;
        Ok(v.unwrap_or((0, None)))
    }

    /// Decision counts of `rule` since `since`.
    pub fn rule_counts(&self, rule: &str, since: Timestamp) -> Result<RuleCounts> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT action, COUNT(*) FROM rule_decisions WHERE rule = ?1 AND at >= ?2 \
             GROUP BY action",
        )?;
        let mut c = RuleCounts::default();
        let rows = stmt.query_map(params![rule, ms(since)], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?))
        })?;
        for row in rows {
            let (action, n) = row?;
            match DecisionAction::parse(&action) {
                Some(DecisionAction::Create) => c.created += n,
                Some(DecisionAction::Link) => c.linked += n,
                Some(DecisionAction::Merge) => c.merged += n,
                Some(DecisionAction::Overflow) => c.suppressed += n,
                Some(DecisionAction::Delay) => c.delayed += n,
                Some(DecisionAction::Reopen) => c.reopened += n,
                Some(DecisionAction::Skip) => c.skipped += n,
                None => {
                    return Err(StoreError::Corrupt(format!(
                        "rule decision action {action}"
                    )));
                }
            }
        }
        Ok(c)
    }

    /// Recorded decisions, oldest first (all rules when `rule` is `None`).
    pub fn rule_decisions(&self, rule: Option<&str>) -> Result<Vec<RuleDecisionRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, rule, anomaly_source, anomaly_id, key_hash, key_text, action, \
             instance, sys_id, number, outbox_id, why FROM rule_decisions \
             WHERE (?1 IS NULL OR rule = ?1) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![rule], |r| {
            Ok((
                (
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ),
                (r.get::<_, String>(3)?, r.get::<_, String>(4)?),
                (
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ),
                (
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get::<_, String>(12)?,
                ),
            ))
        })?;
        rows.map(|row| {
            let (
                (id, at, rule),
                (src, aid),
                (key_hash, key_text, action),
                (inst, sys, num, ob, why),
            ) = row?;
            Ok(RuleDecisionRow {
                id,
                at: from_ms(at)?,
                rule,
                anomaly: AnomalyKey::new(src, aid),
                key_hash,
                key_text,
                action: DecisionAction::parse(&action)
                    .ok_or_else(|| StoreError::Corrupt(format!("rule decision action {action}")))?,
                instance: inst,
                sys_id: sys,
                number: num,
                outbox_id: ob,
                why,
            })
        })
        .collect()
    }
}
