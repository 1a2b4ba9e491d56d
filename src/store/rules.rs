//! Rule decisions and the state automatic tickets need (docs/store.md §Rules).
//!
//! A batch of decisions and every outbox row they cause commit in one `BEGIN IMMEDIATE`
//! transaction, guarded by the runner's watermark (compare and set): two processes evaluating
//! the same anomalies cannot both commit, and the loser re-reads. A create also inserts its
//! `rule_keys` row, whose primary key (rule, key, generation) makes a second create for one key
//! impossible even without the watermark.

use super::db::{OptionalExtension, params};
use jiff::Timestamp;

use crate::domain::{AnomalyKey, IncidentRef};

use super::outbox::{DeliveryKind, NewDelivery, OutboxId, enqueue_tx};
use super::{Result, Store, ms};

pub use super::rules_rows::{RuleCounts, RuleDecisionRow, RuleKeyRow};

/// What a rule did with one anomaly (`rule_decisions.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionAction {
    Create,
    Link,
    Merge,
    Overflow,
    Delay,
    Reopen,
    Skip,
}

impl DecisionAction {
    pub const ALL: [DecisionAction; 7] = [
        Self::Create,
        Self::Link,
        Self::Merge,
        Self::Overflow,
        Self::Delay,
        Self::Reopen,
        Self::Skip,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Link => "link",
            Self::Merge => "merge",
            Self::Overflow => "overflow",
            Self::Delay => "delay",
            Self::Reopen => "reopen",
            Self::Skip => "skip",
        }
    }

    pub fn parse(s: &str) -> Option<DecisionAction> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }
}

/// The incident a dedupe key (one generation of it) stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRuleKey {
    pub rule: String,
    pub key_hash: String,
    pub generation: u32,
    pub key_text: String,
    pub instance: String,
    pub table: String,
    pub correlation_id: String,
    /// Known at once when an open incident was found on ServiceNow (adopted, not created).
    pub found: Option<IncidentRef>,
    pub state: Option<String>,
}

/// Which key row a join targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub rule: String,
    pub key_hash: String,
    pub generation: u32,
}

/// What a decision writes besides its own row.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // built a few hundred at a time, never stored in bulk
pub enum DecisionEffect {
    /// Nothing (a skip, or a link rule with no incident to link to).
    None,
    /// Evaluate again at `due_at`.
    Delay { due_at: Timestamp },
    /// A new incident for a key: its key row and, unless it was found on ServiceNow, the
    /// create (fields as JSON). `window` counts it against the rule's flood window; `overflow`
    /// makes it that window's overflow incident instead.
    Create {
        key: NewRuleKey,
        payload: Option<String>,
        window: Option<Timestamp>,
        overflow: bool,
        /// `payload` is an event (a `target = "event"` rule), queued as an `event` delivery.
        event: bool,
    },
    /// The anomaly joins an existing key's incident: linked (now, or when its create lands),
    /// buffered for the next consolidated note (due at `note_due_at` at the latest), and, with
    /// `reopen`, the incident is set back to In Progress (the fields as JSON).
    Join {
        key: KeyRef,
        note_due_at: Timestamp,
        reopen: Option<String>,
        /// A `target = "event"` rule: this anomaly's own event (JSON fields) is queued instead
        /// of buffering it for a consolidated note.
        event: Option<String>,
    },
}

/// One decision to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    pub rule: String,
    pub anomaly: AnomalyKey,
    pub key_hash: String,
    pub key_text: String,
    pub action: DecisionAction,
    pub why: String,
    pub effect: DecisionEffect,
}

/// A batch: the decisions, the delayed entries they settle, and the watermark move.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionBatch {
    /// The watermark the batch was evaluated from; the batch commits only if it is unchanged.
    pub from_rev: i64,
    /// The watermark after the batch (`from_rev` when it only settles delayed entries).
    pub to_rev: i64,
    /// Delayed entries this batch re-evaluated: removed (each must still be there).
    pub settled_delays: Vec<(String, AnomalyKey)>,
    pub decisions: Vec<NewDecision>,
    /// When the outbox rows it queues are due (the wall clock: a runner driven by an injected
    /// clock ahead of it must not postpone deliveries); `None`: at `now`.
    pub queued_at: Option<Timestamp>,
}

/// What [`Store::record_rule_decisions`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Committed; the outbox rows it queued.
    Recorded { outbox: Vec<OutboxId> },
    /// Another process moved the watermark, settled a delay or claimed a key first: nothing
    /// was written; read again and decide again.
    Conflict,
}

impl Store {
    /// Records a batch of decisions and the outbox rows they cause, atomically (see the
    /// module doc). `linked_by` of every link made here is `rule:<name>`.
    pub fn record_rule_decisions(
        &mut self,
        batch: &DecisionBatch,
        now: Timestamp,
    ) -> Result<BatchOutcome> {
        let tx = self.write_tx()?;
        let moved = tx.execute(
            "UPDATE rule_watermark SET rev = ?2 WHERE id = 1 AND rev = ?1",
            params![batch.from_rev, batch.to_rev],
        )?;
        if moved != 1 {
            return Ok(BatchOutcome::Conflict);
        }
        for (rule, key) in &batch.settled_delays {
            let n = tx.execute(
                "DELETE FROM rule_delays WHERE rule = ?1 AND anomaly_source = ?2 AND anomaly_id = ?3",
                params![rule, key.source, key.id],
            )?;
            if n != 1 {
                return Ok(BatchOutcome::Conflict);
            }
        }
        let mut outbox = Vec::new();
        let queued_at = batch.queued_at.unwrap_or(now);
        for d in &batch.decisions {
            match super::rules_apply::apply(&tx, d, now, queued_at, &mut outbox) {
                Ok(()) => {}
                // The key row's primary key: another process (any machine of the team, on a
                // shared store) claimed this key first. The constraint, not the read before
                // deciding, is what makes one decision per key.
                Err(e) if e.is_key_taken("rule_keys") => return Ok(BatchOutcome::Conflict),
                Err(e) => return Err(e),
            }
        }
        tx.commit()?;
        if !outbox.is_empty() {
            self.wake_workers();
        }
        Ok(BatchOutcome::Recorded { outbox })
    }

    /// Queues the consolidated note for a key's incident and takes `listed` (the anomalies
    /// it names) out of its buffer, in one transaction. `None` when another process flushed
    /// them first. Anomalies buffered meanwhile stay for the next note, due at `next_due`.
    #[allow(clippy::too_many_arguments)]
    pub fn record_rule_note(
        &mut self,
        key: &KeyRef,
        listed: &[AnomalyKey],
        incident: &IncidentRef,
        note: &str,
        now: Timestamp,
        queued_at: Timestamp,
        next_due: Timestamp,
    ) -> Result<Option<OutboxId>> {
        let tx = self.write_tx()?;
        let mut removed = 0;
        for a in listed {
            removed += tx.execute(
                "DELETE FROM rule_pending WHERE rule = ?1 AND key_hash = ?2 AND generation = ?3 \
                 AND anomaly_source = ?4 AND anomaly_id = ?5",
                params![key.rule, key.key_hash, key.generation, a.source, a.id],
            )?;
        }
        if removed != listed.len() || listed.is_empty() {
            return Ok(None);
        }
        tx.execute(
            "UPDATE rule_keys SET last_note_at = ?4, note_due_at = CASE WHEN EXISTS (\
             SELECT 1 FROM rule_pending p WHERE p.rule = ?1 AND p.key_hash = ?2 \
             AND p.generation = ?3) THEN ?5 ELSE NULL END \
             WHERE rule = ?1 AND key_hash = ?2 AND generation = ?3",
            params![
                key.rule,
                key.key_hash,
                key.generation,
                ms(now),
                ms(next_due)
            ],
        )?;
        let d = NewDelivery::to_incident(incident, DeliveryKind::WorkNote, note, None);
        let id = enqueue_tx(&tx, &d, queued_at)?;
        tx.commit()?;
        self.wake_workers();
        Ok(Some(id))
    }

    /// Records what ServiceNow says about a key's incident (its identity and state display
    /// value), read by the runner before deciding.
    pub fn set_rule_key_state(
        &mut self,
        key: &KeyRef,
        incident: Option<&IncidentRef>,
        state: &str,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE rule_keys SET state = ?4, sys_id = COALESCE(?5, sys_id), \
             number = COALESCE(?6, number) WHERE rule = ?1 AND key_hash = ?2 AND generation = ?3",
            params![
                key.rule,
                key.key_hash,
                key.generation,
                state,
                incident.map(|i| &i.sys_id),
                incident.map(|i| &i.number)
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Used by the read side.
pub(super) fn opt_row<T>(r: Result<T>) -> Result<Option<T>> {
    r.optional()
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
