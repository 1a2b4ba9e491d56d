//! Outbox row types and their SQL mapping.

use std::fmt;

use super::db::Row;
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, IncidentRef};

use super::{Result, StoreError, from_ms, opt_from_ms};

pub type OutboxId = i64;

/// The table an event delivery writes (its outcome links the `em_alert` it became).
pub const EVENT_TABLE: &str = "em_event";
pub use crate::domain::ALERT_TABLE;

/// What a delivery does on ServiceNow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    /// Add `payload` as a work note.
    WorkNote,
    /// Create a record; `payload` is the JSON object of fields (with `correlation_id`).
    Create,
    /// Append `payload` (a description block) to the description, unless already present.
    DescriptionAppend,
    /// Set a Resolved incident back to In Progress (a rule's recurrence); `payload` is the JSON
    /// fields to write. Read first: an incident no longer Resolved is left alone.
    Reopen,
    /// Send `payload` (the `em_event` fields as a JSON object) to Event Management, then link
    /// the anomaly to the alert ServiceNow made of it (docs/sync.md §Events).
    Event,
    /// Source write-back (docs/sources.md §Write-back): acknowledge the anomaly at its source.
    SourceAck,
    /// Un-acknowledge at the source (Qualytics: back to Active; Alertmanager: expire the silence).
    SourceUnack,
    /// Archive at the source; `payload` is the reason code (`resolved`, `invalid`, …).
    SourceArchive,
    /// Comment at the source; `payload` is the exact comment text.
    SourceComment,
}

impl DeliveryKind {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryKind::WorkNote => "work_note",
            DeliveryKind::Create => "create",
            DeliveryKind::DescriptionAppend => "description_append",
            DeliveryKind::Reopen => "reopen",
            DeliveryKind::Event => "event",
            DeliveryKind::SourceAck => "source_ack",
            DeliveryKind::SourceUnack => "source_unack",
            DeliveryKind::SourceArchive => "source_archive",
            DeliveryKind::SourceComment => "source_comment",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryKind> {
        [
            Self::WorkNote,
            Self::Create,
            Self::DescriptionAppend,
            Self::Reopen,
            Self::Event,
            Self::SourceAck,
            Self::SourceUnack,
            Self::SourceArchive,
            Self::SourceComment,
        ]
        .into_iter()
        .find(|k| k.code() == s)
    }

    /// A write-back to an anomaly source, not a ServiceNow write.
    pub fn is_source(self) -> bool {
        matches!(
            self,
            Self::SourceAck | Self::SourceUnack | Self::SourceArchive | Self::SourceComment
        )
    }
}

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting (for its turn, or until `next_attempt_at`).
    Pending,
    /// Claimed by a worker until `lease_until`.
    InFlight,
    Delivered,
    /// The target answered 404; kept for the user to retry or drop.
    Failed,
    /// Rejected (400) or given up; kept for the user to retry or drop.
    Dead,
    /// Its instance is paused (401/403) until resumed.
    Paused,
    /// Dropped by the user; never delivered.
    Dropped,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 7] = [
        Self::Pending,
        Self::InFlight,
        Self::Delivered,
        Self::Failed,
        Self::Dead,
        Self::Paused,
        Self::Dropped,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Paused => "paused",
            Self::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryState> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Delivered or dropped: no longer holds its queue.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Delivered | Self::Dropped)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A delivery to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub instance: String,
    pub table: String,
    /// Target record; `None` for a create (each create gets a queue of its own).
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub kind: DeliveryKind,
    /// Exact text to send (a note carries its own timestamp) or the create fields as JSON.
    pub payload: String,
    pub anomaly: Option<AnomalyKey>,
}

impl NewDelivery {
    /// A delivery of `kind` to an existing incident.
    pub fn to_incident(
        incident: &IncidentRef,
        kind: DeliveryKind,
        payload: impl Into<String>,
        anomaly: Option<&AnomalyKey>,
    ) -> NewDelivery {
        NewDelivery {
            instance: incident.instance.clone(),
            table: incident.table.clone(),
            sys_id: Some(incident.sys_id.clone()),
            number: Some(incident.number.clone()),
            kind,
            payload: payload.into(),
            anomaly: anomaly.cloned(),
        }
    }

    /// An event for `anomaly` on `instance`; `fields` are the `em_event` fields. Each event is a
    /// queue of its own, like a create.
    pub fn event(
        instance: &str,
        fields: &serde_json::Map<String, serde_json::Value>,
        anomaly: &AnomalyKey,
    ) -> NewDelivery {
        NewDelivery {
            instance: instance.to_owned(),
            table: EVENT_TABLE.to_owned(),
            sys_id: None,
            number: None,
            kind: DeliveryKind::Event,
            payload: serde_json::Value::Object(fields.clone()).to_string(),
            anomaly: Some(anomaly.clone()),
        }
    }

    /// A create on `instance`/`table`; `fields` is the JSON object to post.
    pub fn create(
        instance: &str,
        table: &str,
        fields: &serde_json::Map<String, serde_json::Value>,
        anomaly: &AnomalyKey,
    ) -> NewDelivery {
        NewDelivery {
            instance: instance.to_owned(),
            table: table.to_owned(),
            sys_id: None,
            number: None,
            kind: DeliveryKind::Create,
            payload: serde_json::Value::Object(fields.clone()).to_string(),
            anomaly: Some(anomaly.clone()),
        }
    }
}

/// One outbox row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    pub id: OutboxId,
    pub instance: String,
    pub table: String,
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub kind: DeliveryKind,
    pub payload: String,
    pub anomaly: Option<AnomalyKey>,
    pub created_at: Timestamp,
    /// Position in its incident's FIFO queue (1-based).
    pub seq: i64,
    pub state: DeliveryState,
    /// Claims so far (each claim is one attempt).
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    /// An earlier attempt may have reached ServiceNow: read back before sending again.
    pub outcome_unknown: bool,
    pub delivered_at: Option<Timestamp>,
}

pub(super) const DELIVERY_COLUMNS: &str = "id, instance, tbl, sys_id, number, kind, payload, \
     anomaly_source, anomaly_id, created_at, seq, state, attempts, next_attempt_at, last_error, \
     lease_owner, lease_until, outcome_unknown, delivered_at";

pub(super) fn delivery_from_row(r: &Row<'_>) -> Result<Result<Delivery>> {
    let kind: String = r.get(5)?;
    let state: String = r.get(11)?;
    let source: Option<String> = r.get(7)?;
    let anomaly_id: Option<String> = r.get(8)?;
    let (created, next): (i64, i64) = (r.get(9)?, r.get(13)?);
    let (lease_until, delivered): (Option<i64>, Option<i64>) = (r.get(16)?, r.get(18)?);
    let (id, instance, table, sys_id, number, payload, seq, attempts, last_error, owner, unknown) = (
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(6)?,
        r.get(10)?,
        r.get::<_, i64>(12)?,
        r.get(14)?,
        r.get(15)?,
        r.get::<_, i64>(17)?,
    );
    Ok((|| {
        Ok(Delivery {
            id,
            instance,
            table,
            sys_id,
            number,
            kind: DeliveryKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox kind {kind:?}")))?,
            payload,
            anomaly: source.zip(anomaly_id).map(|(s, i)| AnomalyKey::new(s, i)),
            created_at: from_ms(created)?,
            seq,
            state: DeliveryState::parse(&state)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox state {state:?}")))?,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            next_attempt_at: from_ms(next)?,
            last_error,
            lease_owner: owner,
            lease_until: opt_from_ms(lease_until)?,
            outcome_unknown: unknown != 0,
            delivered_at: opt_from_ms(delivered)?,
        })
    })())
}
