//! The read side of rule state: what the runner decides from, and what `snowlink rules` shows
//! (the row types and their mapping are in `rules_rows.rs`).

use super::db::params;
use jiff::Timestamp;

use crate::domain::AnomalyKey;

use super::rules::{DecisionAction, KeyRef, opt_row};
use super::rules_rows::{
    RuleCounts, RuleDecisionRow, RuleKeyRow, key_row_tx, keys_where, with_pending,
};
use super::{Result, Store, StoreError, from_ms, ms, opt_from_ms};

impl Store {
    /// The anomaly revision the rule runner has evaluated up to.
    pub fn rule_watermark(&self) -> Result<i64> {
        self.conn.query_row(
            "SELECT rev FROM rule_watermark WHERE id = 1",
            params![],
            |r| r.get(0),
        )
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
        rows.collect::<Result<_>>()
    }

    /// Whether `rule` already made a final decision for this anomaly (anything but a delay).
    pub fn rule_decided(&self, rule: &str, anomaly: &AnomalyKey) -> Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM rule_decisions WHERE anomaly_source = ?1 \
             AND anomaly_id = ?2 AND rule = ?3 AND action <> 'delay')",
            params![anomaly.source, anomaly.id, rule],
            |r| r.get(0),
        )
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
        rows.collect::<Result<_>>()
    }

    /// The earliest time a delay or a consolidated note falls due.
    pub fn next_rule_due(&self) -> Result<Option<Timestamp>> {
        let v: Option<i64> = self.conn.query_row(
            "SELECT MIN(t) FROM (SELECT MIN(due_at) AS t FROM rule_delays \
             UNION ALL SELECT MIN(note_due_at) FROM rule_keys WHERE note_due_at IS NOT NULL) AS due",
            params![],
            |r| r.get(0),
        )?;
        opt_from_ms(v)
    }

    /// Whether a person (not a rule) linked this anomaly to anything.
    pub fn linked_by_person(&self, anomaly: &AnomalyKey) -> Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM links WHERE source = ?1 AND anomaly_id = ?2 \
             AND linked_by NOT LIKE 'rule:%')",
            params![anomaly.source, anomaly.id],
            |r| r.get(0),
        )
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
            "(CAST(?1 AS TEXT) IS NULL OR k.rule = ?1) ORDER BY k.opened_at DESC, k.generation DESC",
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
             WHERE (CAST(?1 AS TEXT) IS NULL OR rule = ?1) ORDER BY id",
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
