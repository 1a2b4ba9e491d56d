//! Local triage status: the change, its history, and the notes it queues — all in one
//! transaction, so a status change is never recorded without its deliveries or vice versa.

use super::db::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, IncidentRef, Status, status_note};

use super::anomalies::{bump_rev, parse_status};
use super::outbox::{DeliveryKind, NewDelivery, OutboxId, enqueue_tx};
use super::writeback::{ChangeOrigin, SourceWrite, plan_status, write_back_tx};
use super::{Result, Store, StoreError, from_ms, ms};

/// What [`Store::record_status_change`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusChange {
    pub previous: Status,
    /// False when the anomaly already had this status (nothing was written or queued).
    pub changed: bool,
    /// One work note per linked, non-broken incident.
    pub outbox: Vec<OutboxId>,
    /// The write-back to the anomaly's source (user changes only).
    pub source: SourceWrite,
}

/// One entry of an anomaly's status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusHistoryEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub user: String,
    pub from: Status,
    pub to: Status,
    /// The archive reason code for archive changes.
    pub reason: Option<String>,
    /// Where a change came from when it was not made here: for back-sync the incident, its
    /// state and who changed it in ServiceNow (docs/sync.md §Back-sync).
    pub detail: Option<String>,
}

impl Store {
    /// Sets the local status, appends to the history and queues the status note for every
    /// linked incident (links marked broken are skipped), and — for the user's own change — the
    /// write-back to the anomaly's source where it takes that action, atomically.
    pub fn record_status_change(
        &mut self,
        key: &AnomalyKey,
        new_status: Status,
        user: &str,
        at: Timestamp,
    ) -> Result<StatusChange> {
        let tx = self.write_tx()?;
        let change = status_change_tx(&tx, key, new_status, user, ChangeOrigin::User, at)?;
        tx.commit()?;
        if !change.outbox.is_empty() || change.source.outbox.is_some() {
            self.wake_workers();
        }
        Ok(change)
    }

    /// The status history of an anomaly, oldest first.
    pub fn status_history(&self, key: &AnomalyKey) -> Result<Vec<StatusHistoryEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, \"user\", from_status, to_status, reason, detail FROM status_history \
             WHERE source = ?1 AND anomaly_id = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![key.source, key.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
            ))
        })?;
        rows.map(|r| {
            let (seq, at, user, from, to, reason, detail) = r?;
            Ok(StatusHistoryEntry {
                seq,
                at: from_ms(at)?,
                user,
                from: parse_status(&from)?,
                to: parse_status(&to)?,
                reason,
                detail,
            })
        })
        .collect()
    }
}

/// [`Store::record_status_change`] inside the caller's transaction (the ingester applies a
/// source's own status changes in the transaction that stores the new source data, with
/// [`ChangeOrigin::Source`]: those are never written back to the source).
pub(super) fn status_change_tx(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    new_status: Status,
    user: &str,
    origin: ChangeOrigin,
    at: Timestamp,
) -> Result<StatusChange> {
    status_change_with_detail_tx(tx, key, new_status, user, origin, None, at)
}

/// [`status_change_tx`] with the history entry's `detail` (back-sync names the incident).
/// A change from ServiceNow queues no work note (it came from there) but is written back to
/// the anomaly's source like a person's change.
pub(super) fn status_change_with_detail_tx(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    new_status: Status,
    user: &str,
    origin: ChangeOrigin,
    detail: Option<&str>,
    at: Timestamp,
) -> Result<StatusChange> {
    let previous = current_status(tx, key)?;
    if previous == new_status {
        return Ok(StatusChange {
            previous,
            changed: false,
            outbox: Vec::new(),
            source: SourceWrite::default(),
        });
    }
    tx.execute(
        "UPDATE anomalies SET status = ?3, status_changed_at = ?4, status_changed_by = ?5 \
         WHERE source = ?1 AND id = ?2",
        params![key.source, key.id, new_status.code(), ms(at), user],
    )?;
    bump_rev(tx, key)?;
    let reason = match new_status {
        Status::Archived(r) => Some(r.code()),
        _ => None,
    };
    tx.execute(
        "INSERT INTO status_history (source, anomaly_id, at, \"user\", from_status, to_status, reason, \
         detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            key.source,
            key.id,
            ms(at),
            user,
            previous.code(),
            new_status.code(),
            reason,
            detail
        ],
    )?;
    let outbox = match origin {
        ChangeOrigin::ServiceNow => Vec::new(),
        ChangeOrigin::User | ChangeOrigin::Source => {
            let note = status_note(&key.id, new_status, at);
            let mut ids = enqueue_for_links(tx, key, DeliveryKind::WorkNote, &note, at)?;
            if matches!(new_status, Status::Archived(_)) {
                ids.extend(super::event_clear::enqueue_clears(tx, key, &note, at)?);
            }
            ids
        }
    };
    let source = match origin {
        ChangeOrigin::User | ChangeOrigin::ServiceNow => {
            write_back_tx(tx, key, plan_status(previous, new_status), at)?
        }
        ChangeOrigin::Source => SourceWrite::default(),
    };
    Ok(StatusChange {
        previous,
        changed: true,
        outbox,
        source,
    })
}

pub(super) fn current_status(tx: &Tx<'_>, key: &AnomalyKey) -> Result<Status> {
    let code: Option<String> = tx
        .query_row(
            "SELECT status FROM anomalies WHERE source = ?1 AND id = ?2",
            params![key.source, key.id],
            |r| r.get(0),
        )
        .optional()?;
    parse_status(&code.ok_or_else(|| StoreError::AnomalyNotFound(key.to_string()))?)
}

/// Queues `payload` for every non-broken incident linked to `key`, in link order. Alerts
/// (`em_alert`, made by an event) get no notes: events, not notes, update them, and the
/// integration role that sends events may not write alerts (docs/sync.md §Events).
pub(super) fn enqueue_for_links(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    kind: DeliveryKind,
    payload: &str,
    at: Timestamp,
) -> Result<Vec<OutboxId>> {
    let targets: Vec<IncidentRef> = {
        let mut stmt = tx.prepare_cached(
            "SELECT instance, tbl, sys_id, number FROM links \
             WHERE source = ?1 AND anomaly_id = ?2 AND broken = 0 AND tbl != 'em_alert' \
             ORDER BY linked_at, instance, sys_id",
        )?;
        stmt.query_map(params![key.source, key.id], |r| {
            Ok(IncidentRef {
                instance: r.get(0)?,
                table: r.get(1)?,
                sys_id: r.get(2)?,
                number: r.get(3)?,
            })
        })?
        .collect::<Result<_>>()?
    };
    targets
        .iter()
        .map(|t| {
            enqueue_tx(
                tx,
                &NewDelivery::to_incident(t, kind, payload, Some(key)),
                at,
            )
        })
        .collect()
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
