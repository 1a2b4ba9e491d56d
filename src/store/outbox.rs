//! The outbox: every write bound for ServiceNow, committed before it is attempted.
//!
//! Claim rules (see `docs/store.md`): rows form one FIFO queue per target incident. Only a
//! queue's head (its lowest `seq` not yet delivered or dropped) can be claimed, so a later note
//! never overtakes an earlier one, and a failed or dead head holds its queue until it is retried
//! or dropped. A head is claimable when it is `pending` and due, or `in_flight` with an expired
//! lease (its owner died mid-request: it is handed out again flagged `outcome_unknown`). Claims
//! run under the write lock, so two workers never claim the same row.

use std::time::Duration;

use super::db::{Tx, params};
use jiff::Timestamp;

use crate::domain::{AnomalyKey, IncidentRef};

pub use super::outbox_types::{
    ALERT_TABLE, Delivery, DeliveryKind, DeliveryState, EVENT_TABLE, NewDelivery, OutboxId,
};
pub(super) use super::outbox_types::{DELIVERY_COLUMNS, delivery_from_row};
use super::{Result, Store, StoreError, ms};

/// Queue key: one FIFO lane per target record.
fn queue_key(instance: &str, table: &str, sys_id: &str) -> String {
    format!("{instance}\u{1f}{table}\u{1f}{sys_id}")
}

/// Inserts one delivery inside an open write transaction (so it commits with its cause).
pub(super) fn enqueue_tx(tx: &Tx<'_>, d: &NewDelivery, now: Timestamp) -> Result<OutboxId> {
    if d.instance.is_empty() || d.table.is_empty() {
        return Err(StoreError::Invalid(
            "delivery needs an instance and a table".into(),
        ));
    }
    let placeholder = format!("\u{1f}new\u{1f}{}", rand::random::<u64>());
    let queue = match &d.sys_id {
        // A source delivery's lane is its anomaly: `source:<name>/<anomaly id>`.
        Some(id) if d.table == super::writeback::SOURCE_TABLE => format!("{}/{id}", d.instance),
        Some(sys_id) => queue_key(&d.instance, &d.table, sys_id),
        None => placeholder.clone(),
    };
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox WHERE queue = ?1",
        [&queue],
        |r| r.get(0),
    )?;
    let id: i64 = tx.query_row(
        "INSERT INTO outbox (queue, seq, instance, tbl, sys_id, number, kind, payload, \
         anomaly_source, anomaly_id, created_at, state, next_attempt_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
         CASE WHEN EXISTS (SELECT 1 FROM paused_instances WHERE instance = ?3) \
              THEN 'paused' ELSE 'pending' END, ?11) RETURNING id",
        params![
            queue,
            seq,
            d.instance,
            d.table,
            d.sys_id,
            d.number,
            d.kind.code(),
            d.payload,
            d.anomaly.as_ref().map(|k| &k.source),
            d.anomaly.as_ref().map(|k| &k.id),
            ms(now),
        ],
        |r| r.get(0),
    )?;
    if d.sys_id.is_none() {
        // A create has no target yet: give it a lane of its own, named after its id.
        tx.execute(
            "UPDATE outbox SET queue = ?2 WHERE id = ?1",
            params![id, queue_key(&d.instance, &d.table, &format!("new:{id}"))],
        )?;
    }
    Ok(id)
}

impl Store {
    /// Enqueues one delivery on its own (for link notes and creates use the combined calls).
    pub fn enqueue(&mut self, d: &NewDelivery, now: Timestamp) -> Result<OutboxId> {
        self.enqueue_create_for(d, &[], now)
    }

    /// Queues `d` (a create) for its anomaly and for `also`, the other anomalies the one
    /// incident is for: the worker links the new incident to every one of them when it records
    /// the outcome ([`Store::complete_create`]). One transaction: the create and its targets are
    /// queued together or not at all.
    pub fn enqueue_create_for(
        &mut self,
        d: &NewDelivery,
        also: &[AnomalyKey],
        now: Timestamp,
    ) -> Result<OutboxId> {
        let tx = self.write_tx()?;
        let id = enqueue_tx(&tx, d, now)?;
        for key in also {
            tx.execute(
                "INSERT INTO create_targets (outbox_id, source, anomaly_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![id, key.source, key.id],
            )?;
        }
        tx.commit()?;
        self.wake_workers();
        Ok(id)
    }

    /// The other anomalies create `id` is for (empty for a create for one anomaly).
    pub fn create_targets(&self, id: OutboxId) -> Result<Vec<AnomalyKey>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, anomaly_id FROM create_targets WHERE outbox_id = ?1              ORDER BY source, anomaly_id",
        )?;
        let keys = stmt
            .query_map([id], |r| {
                Ok(AnomalyKey::new(
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                ))
            })?
            .collect::<Result<Vec<_>>>()?;
        Ok(keys)
    }

    /// Claims up to `max` deliveries for `owner`, at most one per incident queue (its head),
    /// oldest due first, each leased until `now + lease`. See the module doc for the rules.
    pub fn claim_next(
        &mut self,
        owner: &str,
        now: Timestamp,
        lease: Duration,
        max: usize,
    ) -> Result<Vec<Delivery>> {
        let now_ms = ms(now);
        let until = now_ms.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let gone = self.gone_owners(None, now_ms)?;
        let (tx, skip_locked) = self.claim_tx()?;
        super::outbox_sync::expire_leases_of(&tx, &gone, now_ms)?;
        let ids: Vec<OutboxId> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT o.id FROM outbox o \
                 WHERE ((o.state = 'pending' AND o.next_attempt_at <= ?1) \
                     OR (o.state = 'in_flight' AND o.lease_until <= ?1)) \
                   AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.queue = o.queue AND p.seq < o.seq \
                                   AND p.state NOT IN ('delivered', 'dropped')) \
                   AND NOT EXISTS (SELECT 1 FROM paused_instances pi WHERE pi.instance = o.instance) \
                 ORDER BY o.next_attempt_at, o.id LIMIT ?2{skip_locked}"
            ))?;
            let limit = i64::try_from(max).unwrap_or(i64::MAX);
            stmt.query_map(params![now_ms, limit], |r| r.get(0))?
                .collect::<Result<_>>()?
        };
        let mut claimed = Vec::with_capacity(ids.len());
        {
            let mut update = tx.prepare_cached(
                "UPDATE outbox SET outcome_unknown = CASE WHEN state = 'in_flight' THEN 1 \
                 ELSE outcome_unknown END, state = 'in_flight', lease_owner = ?2, lease_until = ?3, \
                 attempts = attempts + 1 WHERE id = ?1",
            )?;
            let mut select = tx.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE id = ?1"
            ))?;
            for id in ids {
                update.execute(params![id, owner, until])?;
                claimed.push(select.query_row([id], delivery_from_row)??);
            }
        }
        tx.commit()?;
        Ok(claimed)
    }

    /// Pushes the lease of a delivery `owner` holds to `until` (for a slow reconciliation).
    pub fn extend_lease(&mut self, id: OutboxId, owner: &str, until: Timestamp) -> Result<()> {
        let tx = self.own_rows_tx()?;
        finish_tx(
            &tx,
            id,
            owner,
            "lease_until = ?3",
            params![id, owner, ms(until)],
        )?;
        tx.commit()
    }

    /// The delivery reached ServiceNow.
    pub fn mark_delivered(&mut self, id: OutboxId, owner: &str, at: Timestamp) -> Result<()> {
        self.mark_delivered_audited(id, owner, at, None)
    }

    /// The delivery reached ServiceNow, and the audit entry of that write, in one transaction
    /// that takes no store-wide lock (the row is this worker's by its lease).
    pub fn mark_delivered_audited(
        &mut self,
        id: OutboxId,
        owner: &str,
        at: Timestamp,
        audit: Option<&super::NewAudit>,
    ) -> Result<()> {
        let tx = self.own_rows_tx()?;
        finish_tx(
            &tx,
            id,
            owner,
            "state = 'delivered', delivered_at = ?3, lease_owner = NULL, lease_until = NULL, \
             outcome_unknown = 0, last_error = NULL",
            params![id, owner, ms(at)],
        )?;
        if let Some(entry) = audit {
            super::audit::audit_tx(&tx, entry)?;
        }
        tx.commit()
    }

    /// Try again at `next_attempt_at`. `outcome_unknown` is sticky: once an attempt may have
    /// reached ServiceNow the flag stays set until [`Store::mark_reconciled`] clears it.
    pub fn mark_retry(
        &mut self,
        id: OutboxId,
        owner: &str,
        next_attempt_at: Timestamp,
        error: &str,
        outcome_unknown: bool,
    ) -> Result<()> {
        self.finish(
            id,
            owner,
            "state = CASE WHEN EXISTS (SELECT 1 FROM paused_instances p WHERE p.instance = outbox.instance) \
             THEN 'paused' ELSE 'pending' END, next_attempt_at = ?3, last_error = ?4, \
             outcome_unknown = GREATEST(outcome_unknown, ?5), lease_owner = NULL, lease_until = NULL",
            params![id, owner, ms(next_attempt_at), error, i64::from(outcome_unknown)],
        )
    }

    /// The worker read the incident back and the note is not there: a resend is safe.
    pub fn mark_reconciled(&mut self, id: OutboxId, owner: &str) -> Result<()> {
        let tx = self.own_rows_tx()?;
        finish_tx(&tx, id, owner, "outcome_unknown = 0", params![id, owner])?;
        tx.commit()
    }

    /// ServiceNow rejected the delivery for good (400): dead-letter it with its message.
    pub fn mark_dead(&mut self, id: OutboxId, owner: &str, error: &str) -> Result<()> {
        self.finish(
            id,
            owner,
            "state = 'dead', last_error = ?3, lease_owner = NULL, lease_until = NULL",
            params![id, owner, error],
        )
    }

    /// The target answered 404: keep the delivery as failed and mark every link to that
    /// incident broken, in one transaction.
    pub fn mark_failed(&mut self, id: OutboxId, owner: &str, error: &str) -> Result<()> {
        let tx = self.write_tx()?;
        finish_tx(
            &tx,
            id,
            owner,
            "state = 'failed', last_error = ?3, lease_owner = NULL, lease_until = NULL",
            params![id, owner, error],
        )?;
        tx.execute(
            "UPDATE links SET broken = 1, read_error = ?2 WHERE (instance, sys_id) = \
             (SELECT instance, sys_id FROM outbox WHERE id = ?1)",
            params![id, error],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A create succeeded: mark it delivered, record the new record on the row, and link it to
    /// the anomaly, atomically (so a crash cannot leave an incident created but unlinked).
    pub fn complete_create(
        &mut self,
        id: OutboxId,
        owner: &str,
        created: &IncidentRef,
        linked_by: &str,
        at: Timestamp,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        finish_tx(
            &tx,
            id,
            owner,
            "state = 'delivered', delivered_at = ?3, sys_id = ?4, number = ?5, \
             lease_owner = NULL, lease_until = NULL, outcome_unknown = 0, last_error = NULL",
            params![id, owner, ms(at), created.sys_id, created.number],
        )?;
        // The anomaly the create was made for, and every other one it is for (a bulk create):
        // each gets the link, and a new revision (its link count changed).
        let targets: Vec<AnomalyKey> = {
            let mut stmt = tx.prepare_cached(
                "SELECT anomaly_source, anomaly_id FROM outbox WHERE id = ?1 \
                   AND anomaly_source IS NOT NULL AND anomaly_id IS NOT NULL \
                 UNION ALL SELECT source, anomaly_id FROM create_targets WHERE outbox_id = ?1",
            )?;
            stmt.query_map([id], |r| {
                Ok(AnomalyKey::new(
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                ))
            })?
            .collect::<Result<Vec<_>>>()?
        };
        for key in &targets {
            let added = tx.execute(
                "INSERT INTO links (source, anomaly_id, instance, tbl, sys_id, number, \
                 linked_at, linked_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                params![
                    key.source,
                    key.id,
                    created.instance,
                    created.table,
                    created.sys_id,
                    created.number,
                    ms(at),
                    linked_by
                ],
            )?;
            if added == 1 {
                super::anomalies::bump_rev(&tx, key)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn finish(
        &mut self,
        id: OutboxId,
        owner: &str,
        set: &str,
        params: &[&dyn super::db::ToValue],
    ) -> Result<()> {
        let tx = self.write_tx()?;
        finish_tx(&tx, id, owner, set, params)?;
        tx.commit()?;
        Ok(())
    }
}

/// Applies `set` to a row only while `owner` still holds its lease (?1 = id, ?2 = owner).
pub(super) fn finish_tx(
    tx: &Tx<'_>,
    id: OutboxId,
    owner: &str,
    set: &str,
    params: &[&dyn super::db::ToValue],
) -> Result<()> {
    let n = tx.execute(
        &format!(
            "UPDATE outbox SET {set} WHERE id = ?1 AND state = 'in_flight' AND lease_owner = ?2"
        ),
        params,
    )?;
    if n == 1 {
        return Ok(());
    }
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    if exists {
        Err(StoreError::LeaseLost {
            id,
            owner: owner.to_owned(),
        })
    } else {
        Err(StoreError::DeliveryNotFound(id))
    }
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
