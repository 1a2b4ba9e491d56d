//! Inspecting and repairing the outbox: list, counts, retry, drop, pause and resume.

use super::db::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::AnomalyKey;

use super::outbox::{DELIVERY_COLUMNS, Delivery, DeliveryState, OutboxId, delivery_from_row};
use super::{Result, Store, StoreError, from_ms, ms};

/// Filters for [`Store::outbox_list`]; the default lists every row, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    /// Empty = any state.
    pub states: Vec<DeliveryState>,
    pub instance: Option<String>,
    pub anomaly: Option<AnomalyKey>,
    pub limit: Option<usize>,
}

/// Numbers for the status bar.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Pending, due or not (includes `waiting`).
    pub pending: usize,
    /// Pending with `next_attempt_at` in the future (backing off or rate limited).
    pub waiting: usize,
    pub in_flight: usize,
    pub failed: usize,
    pub dead: usize,
    pub paused: usize,
}

impl OutboxCounts {
    /// Deliveries not yet delivered or dropped.
    pub fn undelivered(&self) -> usize {
        self.pending + self.in_flight + self.failed + self.dead + self.paused
    }
}

/// An instance whose deliveries are stopped (401/403) until resumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PausedInstance {
    pub instance: String,
    pub reason: String,
    pub paused_at: Timestamp,
}

impl Store {
    pub fn outbox_get(&self, id: OutboxId) -> Result<Option<Delivery>> {
        self.conn
            .query_row(
                &format!("SELECT {DELIVERY_COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                delivery_from_row,
            )
            .optional()?
            .transpose()
    }

    /// Rows matching `filter`, oldest first.
    pub fn outbox_list(&self, filter: &OutboxFilter) -> Result<Vec<Delivery>> {
        let mut sql = format!("SELECT {DELIVERY_COLUMNS} FROM outbox WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if !filter.states.is_empty() {
            let list: Vec<String> = filter
                .states
                .iter()
                .map(|s| format!("'{}'", s.code()))
                .collect();
            sql.push_str(&format!(" AND state IN ({})", list.join(", ")));
        }
        if let Some(instance) = &filter.instance {
            args.push(instance.clone());
            sql.push_str(&format!(" AND instance = ?{}", args.len()));
        }
        if let Some(key) = &filter.anomaly {
            args.push(key.source.clone());
            args.push(key.id.clone());
            let n = args.len();
            // A bulk create is for its other anomalies too (`create_targets`).
            let m = n - 1;
            sql.push_str(&format!(
                " AND ((anomaly_source = ?{m} AND anomaly_id = ?{n}) OR id IN \
                 (SELECT outbox_id FROM create_targets WHERE source = ?{m} AND anomaly_id = ?{n}))"
            ));
        }
        sql.push_str(" ORDER BY id");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(super::db::params_from_iter(args.iter()), delivery_from_row)?;
        rows.map(|r| r?).collect()
    }

    /// Counts by state; `waiting` is relative to `now`.
    pub fn outbox_counts(&self, now: Timestamp) -> Result<OutboxCounts> {
        self.counts_where(now, None)
    }

    /// [`Store::outbox_counts`] of one instance's rows.
    pub fn outbox_counts_for(&self, instance: &str, now: Timestamp) -> Result<OutboxCounts> {
        self.counts_where(now, Some(instance))
    }

    /// The instances that have undelivered rows, sorted.
    pub fn outbox_instances(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT instance FROM outbox WHERE state NOT IN ('delivered', 'dropped') \
             ORDER BY instance",
        )?;
        let rows = stmt.query_map(params![], |r| r.get(0))?;
        rows.collect::<Result<_>>()
    }

    fn counts_where(&self, now: Timestamp, instance: Option<&str>) -> Result<OutboxCounts> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT state, COUNT(*), \
             CAST(SUM(CASE WHEN next_attempt_at > ?1 THEN 1 ELSE 0 END) AS BIGINT) FROM outbox \
             WHERE state NOT IN ('delivered', 'dropped') AND (CAST(?2 AS TEXT) IS NULL OR instance = ?2) \
             GROUP BY state",
        )?;
        let mut counts = OutboxCounts::default();
        let rows = stmt.query_map(params![ms(now), instance], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for r in rows {
            let (state, n, waiting) = r?;
            let n = usize::try_from(n).unwrap_or(0);
            match state.as_str() {
                "pending" => {
                    counts.pending = n;
                    counts.waiting = usize::try_from(waiting).unwrap_or(0);
                }
                "in_flight" => counts.in_flight = n,
                "failed" => counts.failed = n,
                "dead" => counts.dead = n,
                "paused" => counts.paused = n,
                other => return Err(StoreError::Corrupt(format!("outbox state {other:?}"))),
            }
        }
        Ok(counts)
    }

    /// When the worker should next look: the earliest due time of a pending queue head or lease
    /// expiry of an in-flight one (instances that are paused are ignored). `None` = nothing to do.
    pub fn next_due_at(&self) -> Result<Option<Timestamp>> {
        let v: Option<i64> = self.conn.query_row(
            "SELECT MIN(CASE o.state WHEN 'pending' THEN o.next_attempt_at ELSE o.lease_until END) \
             FROM outbox o WHERE o.state IN ('pending', 'in_flight') \
               AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.queue = o.queue AND p.seq < o.seq \
                               AND p.state NOT IN ('delivered', 'dropped')) \
               AND NOT EXISTS (SELECT 1 FROM paused_instances pi WHERE pi.instance = o.instance)",
            params![],
            |r| r.get(0),
        )?;
        v.map(from_ms).transpose()
    }

    /// Makes a failed, dead, paused or waiting delivery due now (paused again if its instance is
    /// still paused). Attempts and the last error are kept for the record.
    pub fn retry(&mut self, id: OutboxId, now: Timestamp) -> Result<()> {
        let tx = self.write_tx()?;
        let state = current_state(&tx, id)?;
        if !matches!(
            state,
            DeliveryState::Failed
                | DeliveryState::Dead
                | DeliveryState::Paused
                | DeliveryState::Pending
        ) {
            return Err(StoreError::InvalidState {
                id,
                state,
                action: "retry",
            });
        }
        tx.execute(
            &format!("UPDATE outbox SET {RETRY_SET} WHERE id = ?2"),
            params![ms(now), id],
        )?;
        tx.commit()?;
        self.wake_workers();
        Ok(())
    }

    /// [`Store::retry`] for every failed, dead or waiting delivery. Returns how many changed.
    pub fn retry_all(&mut self, now: Timestamp) -> Result<usize> {
        let tx = self.write_tx()?;
        let n = tx.execute(
            &format!(
                "UPDATE outbox SET {RETRY_SET} WHERE \
                 state IN ('failed', 'dead') OR (state = 'pending' AND next_attempt_at > ?1)"
            ),
            params![ms(now)],
        )?;
        tx.commit()?;
        if n > 0 {
            self.wake_workers();
        }
        Ok(n)
    }

    /// Gives up on a delivery that is not in flight: it is kept as `dropped` and no longer
    /// holds its queue.
    pub fn drop_delivery(&mut self, id: OutboxId) -> Result<()> {
        let tx = self.write_tx()?;
        let state = current_state(&tx, id)?;
        if matches!(state, DeliveryState::InFlight) || state.is_final() {
            return Err(StoreError::InvalidState {
                id,
                state,
                action: "drop",
            });
        }
        tx.execute("UPDATE outbox SET state = 'dropped' WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(())
    }

    /// Stops deliveries to `instance` (after 401/403), keeping `reason` to show the user.
    pub fn pause_instance(&mut self, instance: &str, reason: &str, at: Timestamp) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO paused_instances (instance, reason, paused_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (instance) DO UPDATE SET reason = excluded.reason, paused_at = excluded.paused_at",
            params![instance, reason, ms(at)],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'paused' WHERE instance = ?1 AND state = 'pending'",
            [instance],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Resumes a paused instance; its paused deliveries are due at `now`. Returns whether it
    /// was paused.
    pub fn resume_instance(&mut self, instance: &str, now: Timestamp) -> Result<bool> {
        let tx = self.write_tx()?;
        let was = tx.execute(
            "DELETE FROM paused_instances WHERE instance = ?1",
            [instance],
        )? == 1;
        tx.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2 \
             WHERE instance = ?1 AND state = 'paused'",
            params![instance, ms(now)],
        )?;
        tx.commit()?;
        if was {
            self.wake_workers();
        }
        Ok(was)
    }

    pub fn paused_instances(&self) -> Result<Vec<PausedInstance>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT instance, reason, paused_at FROM paused_instances ORDER BY instance",
        )?;
        let rows = stmt.query_map(params![], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (instance, reason, at) = r?;
            Ok(PausedInstance {
                instance,
                reason,
                paused_at: from_ms(at)?,
            })
        })
        .collect()
    }
}

/// `SET` clause shared by retry and retry_all.
const RETRY_SET: &str = "state = CASE WHEN EXISTS (SELECT 1 FROM paused_instances p \
     WHERE p.instance = outbox.instance) THEN 'paused' ELSE 'pending' END, next_attempt_at = ?1";

fn current_state(tx: &Tx<'_>, id: OutboxId) -> Result<DeliveryState> {
    let state: Option<String> = tx
        .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let state = state.ok_or(StoreError::DeliveryNotFound(id))?;
    DeliveryState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("outbox state {state:?}")))
}
