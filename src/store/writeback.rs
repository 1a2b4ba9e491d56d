//! Triage written back to the source (docs/sources.md §Write-back): when a *user* acknowledges,
//! un-acknowledges, archives or comments, and the anomaly's source accepts that action
//! (`source_state.capabilities`), one source delivery is queued in the same transaction as the
//! local change. Its `instance` is `source:<name>`, its table `source`, and its queue
//! `source:<name>/<anomaly id>`, so the actions on one anomaly reach the source in order.
//! A change the source itself made (the ingester) is never written back (the loop guard), and an
//! action the source cannot take stays local, with the reason said.
//!
//! `source_refs` keeps what a write-back leaves at the source (an Alertmanager silence id and its
//! end), so it can be renewed or undone.

use super::db::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, Status};

use super::outbox::{DeliveryKind, NewDelivery, OutboxId, enqueue_tx, finish_tx};
use super::{Result, Store, from_ms, ms, opt_from_ms};

/// The outbox table of every source delivery.
pub const SOURCE_TABLE: &str = "source";

/// The outbox `instance` of a source's deliveries: `source:<name>`.
pub fn source_instance(source: &str) -> String {
    format!("source:{source}")
}

/// The source name of a `source:<name>` instance.
pub fn source_of_instance(instance: &str) -> Option<&str> {
    instance.strip_prefix("source:")
}

/// Who caused a status change: a person (written back to the source where it can take it), the
/// source itself (followed locally, never written back: that would loop), or ServiceNow through
/// back-sync (written back to the source, but never sent to ServiceNow as a note: that would
/// loop too; docs/sync.md §Back-sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOrigin {
    User,
    Source,
    #[serde(rename = "servicenow")]
    ServiceNow,
}

/// What a user action did at the source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceWrite {
    /// The source delivery queued for it (none when kept local or nothing changed).
    pub outbox: Option<OutboxId>,
    /// Why it stays in snowlink only ("kept local: qualytics-prod has no comment route").
    pub kept_local: Option<String>,
}

/// The source action a change asks for, the capability it needs, and its payload.
pub(super) fn plan_status(
    previous: Status,
    new: Status,
) -> Option<(DeliveryKind, &'static str, String)> {
    match (previous, new) {
        (_, Status::Acknowledged) => {
            Some((DeliveryKind::SourceAck, "acknowledge", "acknowledge".into()))
        }
        (Status::Acknowledged, Status::Active) => Some((
            DeliveryKind::SourceUnack,
            "unacknowledge",
            "unacknowledge".into(),
        )),
        (_, Status::Archived(r)) => Some((DeliveryKind::SourceArchive, "archive", r.code().into())),
        // Archived → Active: no source restores an archived anomaly through its API.
        (Status::Archived(_), Status::Active) => None,
        (Status::Active, Status::Active) => None,
    }
}

/// Human name of a capability's route, for "kept local" ("has no comment route").
fn route_name(capability: &str) -> &str {
    match capability {
        "acknowledge" => "acknowledge",
        "unacknowledge" => "un-acknowledge",
        "archive" => "archive",
        "comment" => "comment",
        other => other,
    }
}

/// Queues `kind` for the anomaly's source when the source can take `capability`; else says why
/// it stays local.
pub(super) fn write_back_tx(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    plan: Option<(DeliveryKind, &'static str, String)>,
    at: Timestamp,
) -> Result<SourceWrite> {
    let Some((kind, capability, payload)) = plan else {
        return Ok(SourceWrite {
            outbox: None,
            kept_local: Some(format!(
                "kept local: {} cannot reopen an archived anomaly",
                key.source
            )),
        });
    };
    let state: Option<(String, String)> = tx
        .query_row(
            "SELECT kind, capabilities FROM source_state WHERE source = ?1",
            [&key.source],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let can = state.as_ref().is_some_and(|(_, caps)| {
        serde_json::from_str::<Vec<String>>(caps)
            .unwrap_or_default()
            .iter()
            .any(|c| c == capability)
    });
    if !can {
        let why = match &state {
            Some((kind, _)) if kind == "file" => {
                format!(
                    "kept local: {} is a file source (no write-back)",
                    key.source
                )
            }
            Some(_) => format!(
                "kept local: {} has no {} route",
                key.source,
                route_name(capability)
            ),
            None => format!(
                "kept local: {} has not been read by snowlink's ingester, so its write-back routes are unknown",
                key.source
            ),
        };
        return Ok(SourceWrite {
            outbox: None,
            kept_local: Some(why),
        });
    }
    let id = enqueue_tx(
        tx,
        &NewDelivery {
            instance: source_instance(&key.source),
            table: SOURCE_TABLE.to_owned(),
            sys_id: Some(key.id.clone()),
            number: None,
            kind,
            payload,
            anomaly: Some(key.clone()),
        },
        at,
    )?;
    Ok(SourceWrite {
        outbox: Some(id),
        kept_local: None,
    })
}

/// A handle a write-back left at the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub source: String,
    pub anomaly_id: String,
    /// `silence` for an Alertmanager acknowledge.
    pub kind: String,
    /// The source's id for it (the silence id).
    #[serde(rename = "ref")]
    pub reference: String,
    /// When it ends (the silence's `endsAt`).
    pub until: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// How a finished source delivery changes the refs of its anomaly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefChange {
    Keep,
    Set {
        kind: String,
        reference: String,
        until: Option<Timestamp>,
    },
    Remove {
        kind: String,
    },
}

impl Store {
    /// The ref of `kind` that a write-back left for this anomaly.
    pub fn source_ref(&self, key: &AnomalyKey, kind: &str) -> Result<Option<SourceRef>> {
        self.conn
            .query_row(
                "SELECT source, anomaly_id, kind, ref, until, created_at FROM source_refs \
                 WHERE source = ?1 AND anomaly_id = ?2 AND kind = ?3",
                params![key.source, key.id, kind],
                ref_row,
            )
            .optional()?
            .transpose()
    }

    /// Refs of `kind` of `source` whose anomaly is acknowledged locally (the silences to keep
    /// alive), soonest end first.
    pub fn acknowledged_refs(&self, source: &str, kind: &str) -> Result<Vec<SourceRef>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.source, r.anomaly_id, r.kind, r.ref, r.until, r.created_at FROM source_refs r \
             JOIN anomalies a ON a.source = r.source AND a.id = r.anomaly_id \
             WHERE r.source = ?1 AND r.kind = ?2 AND a.status = 'acknowledged' \
             ORDER BY r.until, r.anomaly_id",
        )?;
        let rows = stmt.query_map(params![source, kind], ref_row)?;
        rows.map(|r| r?).collect()
    }

    /// Records (or replaces) a ref outside a delivery (a renewal).
    pub fn set_source_ref(
        &mut self,
        key: &AnomalyKey,
        kind: &str,
        reference: &str,
        until: Option<Timestamp>,
        at: Timestamp,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        set_ref_tx(&tx, key, kind, reference, until, at)?;
        tx.commit()?;
        Ok(())
    }

    /// Forgets a ref (the silence is gone).
    pub fn remove_source_ref(&mut self, key: &AnomalyKey, kind: &str) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "DELETE FROM source_refs WHERE source = ?1 AND anomaly_id = ?2 AND kind = ?3",
            params![key.source, key.id, kind],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a source delivery for this anomaly is still queued (not delivered or dropped):
    /// a renewal waits for it (an un-acknowledge may be on its way).
    pub fn source_delivery_queued(&self, key: &AnomalyKey) -> Result<bool> {
        self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE instance = ?1 AND anomaly_id = ?2 \
             AND state NOT IN ('delivered', 'dropped'))",
            params![source_instance(&key.source), key.id],
            |r| r.get(0),
        )
    }

    /// A source delivery `owner` holds reached the source: delivered, and the anomaly's refs
    /// changed as it left them, in one transaction.
    pub fn complete_source_delivery(
        &mut self,
        id: OutboxId,
        owner: &str,
        change: &RefChange,
        at: Timestamp,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        finish_tx(
            &tx,
            id,
            owner,
            "state = 'delivered', delivered_at = ?3, lease_owner = NULL, lease_until = NULL, \
             outcome_unknown = 0, last_error = NULL",
            params![id, owner, ms(at)],
        )?;
        let key: Option<(String, String)> = tx
            .query_row(
                "SELECT anomaly_source, anomaly_id FROM outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((source, anomaly_id)) = key {
            let key = AnomalyKey::new(source, anomaly_id);
            match change {
                RefChange::Keep => {}
                RefChange::Set {
                    kind,
                    reference,
                    until,
                } => set_ref_tx(&tx, &key, kind, reference, *until, at)?,
                RefChange::Remove { kind } => {
                    tx.execute(
                        "DELETE FROM source_refs WHERE source = ?1 AND anomaly_id = ?2 AND kind = ?3",
                        params![key.source, key.id, kind],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

fn set_ref_tx(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    kind: &str,
    reference: &str,
    until: Option<Timestamp>,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO source_refs (source, anomaly_id, kind, ref, until, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (source, anomaly_id, kind) \
         DO UPDATE SET ref = excluded.ref, until = excluded.until",
        params![key.source, key.id, kind, reference, until.map(ms), ms(at)],
    )?;
    Ok(())
}

fn ref_row(r: &super::db::Row<'_>) -> Result<Result<SourceRef>> {
    let (source, anomaly_id, kind, reference) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let (until, created): (Option<i64>, i64) = (r.get(4)?, r.get(5)?);
    Ok((|| {
        Ok(SourceRef {
            source,
            anomaly_id,
            kind,
            reference,
            until: opt_from_ms(until)?,
            created_at: from_ms(created)?,
        })
    })())
}

#[cfg(test)]
#[path = "writeback_tests.rs"]
mod tests;
