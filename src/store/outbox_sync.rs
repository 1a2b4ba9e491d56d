//! Outbox queries the sync worker needs on top of the generic claim rules: claims and due times
//! scoped to one instance (a worker holds one instance's client, so it must never claim another
//! instance's rows), and the count used to keep identical note texts exactly-once.
//!
//! The claim follows the same rules as [`Store::claim_next`] (see `outbox.rs`): queue heads only,
//! due `pending` rows or `in_flight` rows whose lease expired (handed out `outcome_unknown`),
//! never a paused instance, oldest due first, all under the write lock.

use std::collections::HashMap;
use std::time::Duration;

use super::db::{Dialect, OptionalExtension, Tx, TxKind, params};
use jiff::Timestamp;

use super::outbox::{DELIVERY_COLUMNS, Delivery, OutboxId, delivery_from_row};
use super::owners::owner_is_gone;
use super::{Result, Store, StoreError, from_ms, ms};

impl Store {
    /// [`Store::claim_next`] restricted to the deliveries of `instance`.
    pub fn claim_next_for(
        &mut self,
        instance: &str,
        owner: &str,
        now: Timestamp,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Delivery>> {
        Ok(self
            .claim_runs_scoped(instance, None, owner, now, lease, max, 1)?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Claims up to `max` queues of `instance` (by their due heads, as
    /// [`Store::claim_next_for`]) and, behind each head, up to `run_len - 1` following rows of
    /// the same queue that are due, in queue order: one durable commit hands a worker a run of
    /// deliveries to send one after the other (docs/store.md §Claims). Rows of a run that are
    /// not sent go back with [`Store::release_claims`].
    #[allow(clippy::too_many_arguments)]
    pub fn claim_runs_for(
        &mut self,
        instance: &str,
        scope: Option<&[OutboxId]>,
        owner: &str,
        now: Timestamp,
        lease: Duration,
        max: usize,
        run_len: usize,
    ) -> Result<Vec<Vec<Delivery>>> {
        self.claim_runs_scoped(instance, scope, owner, now, lease, max, run_len)
    }

    /// The transaction a claim runs in, and what its candidate query ends with.
    ///
    /// SQLite: under the write lock. PostgreSQL: each candidate row locked as it is chosen
    /// (`FOR UPDATE SKIP LOCKED`), so workers claim side by side without waiting for each
    /// other, and a head another worker is claiming is skipped, not waited for. Either way a
    /// row behind an unfinished one in its queue is never a candidate: FIFO per incident
    /// (docs/store.md §Claims).
    pub(super) fn claim_tx(&mut self) -> Result<(Tx<'_>, &'static str)> {
        let skip_locked = match self.conn.dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE OF o SKIP LOCKED",
        };
        Ok((self.conn.transaction(TxKind::RowLocks)?, skip_locked))
    }

    /// Gives back claimed rows that were not attempted (the run stopped early): pending again,
    /// their attempt not counted, their flags unchanged. Rows no longer ours are left alone.
    pub fn release_claims(&mut self, ids: &[OutboxId], owner: &str) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.with_relaxed_sync(|s| {
            let tx = s.write_tx()?;
            {
                let mut update = tx.prepare_cached(
                    "UPDATE outbox SET state = CASE WHEN EXISTS (SELECT 1 FROM paused_instances p \
                     WHERE p.instance = outbox.instance) THEN 'paused' ELSE 'pending' END, \
                     attempts = GREATEST(attempts - 1, 0), lease_owner = NULL, lease_until = NULL \
                     WHERE id = ?1 AND state = 'in_flight' AND lease_owner = ?2",
                )?;
                for id in ids {
                    update.execute(params![id, owner])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Extends the leases of `ids` that `owner` still holds; `LeaseLost` when the first one
    /// (the row being sent) is no longer ours.
    pub fn extend_leases(&mut self, ids: &[OutboxId], owner: &str, until: Timestamp) -> Result<()> {
        let tx = self.own_rows_tx()?;
        {
            let mut update = tx.prepare_cached(
                "UPDATE outbox SET lease_until = ?3 WHERE id = ?1 AND state = 'in_flight' \
                 AND lease_owner = ?2",
            )?;
            for (i, id) in ids.iter().enumerate() {
                let n = update.execute(params![id, owner, ms(until)])?;
                if n == 0 && i == 0 {
                    return Err(StoreError::LeaseLost {
                        id: *id,
                        owner: owner.to_string(),
                    });
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Like [`Store::claim_next_for`], but only from the queues holding `ids`: delivers the
    /// given deliveries and whatever precedes them in their queues, ahead of any backlog.
    pub fn claim_queues_of(
        &mut self,
        instance: &str,
        ids: &[OutboxId],
        owner: &str,
        now: Timestamp,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Delivery>> {
        Ok(self
            .claim_runs_scoped(instance, Some(ids), owner, now, lease, max, 1)?
            .into_iter()
            .flatten()
            .collect())
    }

    #[allow(clippy::too_many_arguments)]
    fn claim_runs_scoped(
        &mut self,
        instance: &str,
        ids: Option<&[OutboxId]>,
        owner: &str,
        now: Timestamp,
        lease: Duration,
        max: usize,
        run_len: usize,
    ) -> Result<Vec<Vec<Delivery>>> {
        if max == 0 || ids.is_some_and(<[OutboxId]>::is_empty) {
            return Ok(Vec::new());
        }
        let now_ms = ms(now);
        let until = now_ms.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let gone = self.gone_owners(Some(instance), now_ms)?;
        let (tx, skip_locked) = self.claim_tx()?;
        expire_leases_of(&tx, &gone, now_ms)?;
        let ids: Vec<OutboxId> = {
            // Ids are integers, so listing them in the SQL text is safe.
            let scope = ids.map_or_else(String::new, |ids| {
                let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(
                    "AND o.queue IN (SELECT queue FROM outbox WHERE id IN ({})) ",
                    list.join(",")
                )
            });
            let mut stmt = tx.prepare(&format!(
                "SELECT o.id FROM outbox o \
                 WHERE o.instance = ?3 {scope}\
                   AND ((o.state = 'pending' AND o.next_attempt_at <= ?1) \
                     OR (o.state = 'in_flight' AND o.lease_until <= ?1)) \
                   AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.queue = o.queue AND p.seq < o.seq \
                                   AND p.state NOT IN ('delivered', 'dropped')) \
                   AND NOT EXISTS (SELECT 1 FROM paused_instances pi WHERE pi.instance = o.instance) \
                 ORDER BY o.next_attempt_at, o.id LIMIT ?2{skip_locked}"
            ))?;
            let limit = i64::try_from(max).unwrap_or(i64::MAX);
            stmt.query_map(params![now_ms, limit, instance], |r| r.get(0))?
                .collect::<Result<_>>()?
        };
        let runs: Vec<Vec<OutboxId>> = ids
            .into_iter()
            .map(|head| followers(&tx, head, now_ms, run_len))
            .collect::<Result<_>>()?;
        // One statement claims every row and reads it back (instead of an UPDATE and a SELECT
        // per row): each round trip counts on PostgreSQL.
        let all: Vec<OutboxId> = runs.iter().flatten().copied().collect();
        let mut claimed_rows: HashMap<OutboxId, Delivery> = HashMap::with_capacity(all.len());
        if !all.is_empty() {
            // Ids are integers, so listing them in the SQL text is safe.
            let list: Vec<String> = all.iter().map(i64::to_string).collect();
            let mut update = tx.prepare_cached(&format!(
                "UPDATE outbox SET outcome_unknown = CASE WHEN state = 'in_flight' THEN 1 \
                 ELSE outcome_unknown END, state = 'in_flight', lease_owner = ?1, lease_until = ?2, \
                 attempts = attempts + 1 WHERE id IN ({}) RETURNING {DELIVERY_COLUMNS}",
                list.join(",")
            ))?;
            for row in update.query_map(params![owner, until], delivery_from_row)? {
                let d = row??;
                claimed_rows.insert(d.id, d);
            }
        }
        tx.commit()?;
        let mut claimed = Vec::with_capacity(runs.len());
        for run in runs {
            let mut rows = Vec::with_capacity(run.len());
            for id in run {
                rows.push(
                    claimed_rows
                        .remove(&id)
                        .ok_or(StoreError::DeliveryNotFound(id))?,
                );
            }
            claimed.push(rows);
        }
        Ok(claimed)
    }

    /// Owners of unexpired in-flight leases (of `instance`, or of any) whose process is gone
    /// from this host (docs/store.md §Worker liveness). Checked outside the write lock: a gone
    /// owner never comes back.
    pub(crate) fn gone_owners(&self, instance: Option<&str>, now_ms: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT lease_owner FROM outbox WHERE state = 'in_flight' \
             AND lease_until > ?1 AND lease_owner IS NOT NULL AND (CAST(?2 AS TEXT) IS NULL OR instance = ?2)",
        )?;
        let owners: Vec<String> = stmt
            .query_map(params![now_ms, instance], |r| r.get(0))?
            .collect::<Result<_>>()?;
        match self.conn.dialect() {
            Dialect::Sqlite => Ok(owners
                .into_iter()
                .filter(|o| owner_is_gone(&self.path, o))
                .collect()),
            Dialect::Postgres => {
                let mut gone = Vec::new();
                for o in owners {
                    if super::owners_pg::owner_is_gone(&self.conn, &o)? {
                        gone.push(o);
                    }
                }
                Ok(gone)
            }
        }
    }

    /// The create for `anomaly` on `instance` that is queued and not yet made (pending, in
    /// flight, paused), if any: re-running an interrupted `ticket create` resumes it instead of
    /// making a second incident.
    pub fn pending_create_for(
        &self,
        instance: &str,
        anomaly: &crate::domain::AnomalyKey,
    ) -> Result<Option<Delivery>> {
        let id: Option<OutboxId> = self
            .conn
            .query_row(
                "SELECT id FROM outbox WHERE kind = 'create' AND instance = ?1 \
                 AND ((anomaly_source = ?2 AND anomaly_id = ?3) OR id IN \
                      (SELECT outbox_id FROM create_targets WHERE source = ?2 AND anomaly_id = ?3)) \
                 AND state IN ('pending', 'in_flight', 'paused') ORDER BY id LIMIT 1",
                params![instance, anomaly.source, anomaly.id],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.outbox_get(id),
            None => Ok(None),
        }
    }

    /// [`Store::next_due_at`] restricted to `instance`.
    pub fn next_due_at_for(&self, instance: &str) -> Result<Option<Timestamp>> {
        let v: Option<i64> = self.conn.query_row(
            "SELECT MIN(CASE o.state WHEN 'pending' THEN o.next_attempt_at ELSE o.lease_until END) \
             FROM outbox o WHERE o.instance = ?1 AND o.state IN ('pending', 'in_flight') \
               AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.queue = o.queue AND p.seq < o.seq \
                               AND p.state NOT IN ('delivered', 'dropped')) \
               AND NOT EXISTS (SELECT 1 FROM paused_instances pi WHERE pi.instance = o.instance)",
            [instance],
            |r| r.get(0),
        )?;
        v.map(from_ms).transpose()
    }

    /// Whether a worker other than `owner` holds in-flight claims on `instance`'s rows.
    pub fn in_flight_elsewhere(&self, instance: &str, owner: &str) -> Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE instance = ?1 AND state = 'in_flight' \
             AND lease_owner <> ?2)",
            params![instance, owner],
            |r| r.get(0),
        )
    }

    /// How many earlier rows of the same queue, of the same kind and with exactly the same
    /// payload, are `delivered`. Reconciling a note whose text occurs N times on the incident is
    /// "already there" only when N exceeds this count, so two identical notes both arrive once.
    pub fn delivered_before_with_same_payload(&self, id: OutboxId) -> Result<usize> {
        let n: Option<i64> = self
            .conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM outbox p WHERE p.queue = o.queue AND p.seq < o.seq \
                         AND p.kind = o.kind AND p.payload = o.payload AND p.state = 'delivered') \
                 FROM outbox o WHERE o.id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let n = n.ok_or(StoreError::DeliveryNotFound(id))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// `head` and the due rows right behind it in its queue, at most `run_len` in all. Dropped rows
/// are skipped (they no longer hold the queue); anything else that is not due ends the run.
fn followers(tx: &Tx<'_>, head: OutboxId, now_ms: i64, run_len: usize) -> Result<Vec<OutboxId>> {
    let mut run = vec![head];
    if run_len <= 1 {
        return Ok(run);
    }
    let mut stmt = tx.prepare_cached(
        "SELECT f.id, f.state, f.next_attempt_at FROM outbox f JOIN outbox h ON f.queue = h.queue \
         WHERE h.id = ?1 AND f.seq > h.seq AND f.state NOT IN ('delivered', 'dropped') \
         ORDER BY f.seq LIMIT ?2",
    )?;
    let limit = i64::try_from(run_len - 1).unwrap_or(i64::MAX);
    let rows = stmt.query_map(params![head, limit], |r| {
        Ok((
            r.get::<_, OutboxId>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (id, state, due) = row?;
        if state != "pending" || due > now_ms {
            break;
        }
        run.push(id);
    }
    Ok(run)
}

/// Ends the leases of owners that are gone, so the claim that follows hands their rows out at
/// once (with `outcome_unknown`, as for any expired lease: the next attempt reads back first).
pub(crate) fn expire_leases_of(tx: &Tx<'_>, owners: &[String], now_ms: i64) -> Result<()> {
    let mut update = tx.prepare_cached(
        "UPDATE outbox SET lease_until = ?2 WHERE state = 'in_flight' AND lease_owner = ?1 \
         AND lease_until > ?2",
    )?;
    for owner in owners {
        let n = update.execute(params![owner, now_ms])?;
        tracing::info!(
            owner,
            deliveries = n,
            "took over the claims of a worker that is gone"
        );
    }
    Ok(())
}

#[cfg(test)]
#[path = "outbox_sync_tests.rs"]
mod tests;
