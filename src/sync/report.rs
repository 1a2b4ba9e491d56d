//! What a sync run did and what is left (`--json` schema: docs/json-output.md "sync"), and the
//! progress events the dashboard's status bar listens to.

use jiff::Timestamp;
use serde::Serialize;

use crate::domain::IncidentRef;
use crate::store::{Delivery, DeliveryKind, DeliveryState, OutboxCounts, OutboxId};

use super::action::PauseCause;

/// A delivery not yet delivered at the end of a run, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingItem {
    pub id: OutboxId,
    pub kind: DeliveryKind,
    pub state: DeliveryState,
    pub number: Option<String>,
    pub sys_id: Option<String>,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    /// One line for humans: "retry at …", "instance paused: …", "behind #12", …
    pub why: String,
}

impl PendingItem {
    pub(crate) fn new(d: &Delivery, why: String) -> PendingItem {
        PendingItem {
            id: d.id,
            kind: d.kind,
            state: d.state,
            number: d.number.clone(),
            sys_id: d.sys_id.clone(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_error: d.last_error.clone(),
            why,
        }
    }
}

/// The instance's deliveries are stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PausedInfo {
    pub instance: String,
    pub cause: PauseCause,
    /// The exact cause, as the client reported it (status, ServiceNow's words, the fix).
    pub reason: String,
}

/// An incident created by a `Create` delivery (or the alert an `Event` delivery became).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created {
    pub id: OutboxId,
    /// The table it was created in (the outbox row's): `incident`, `problem`, `change_request`,
    /// or `em_alert` for an event.
    pub table: String,
    pub number: String,
    pub sys_id: String,
    /// True when it was found by its correlation id (an earlier attempt had created it).
    pub found_existing: bool,
}

/// Result of [`super::Worker::run_once`], [`super::Worker::deliver`] or a finished
/// [`super::Worker::watch`]. The first four lists say what this run did; `waiting`, `failed`,
/// `dead` and `paused` describe what is left in scope afterwards (the whole instance, or the
/// ids passed to `deliver`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub instance: String,
    /// Sent and acknowledged by ServiceNow.
    pub delivered: Vec<OutboxId>,
    /// Found already present on ServiceNow when reconciling (an earlier attempt had landed);
    /// marked delivered without sending again.
    pub reconciled: Vec<OutboxId>,
    /// Failed attempts rescheduled during this run (one entry per attempt).
    pub retried: usize,
    pub created: Vec<Created>,
    /// Not yet delivered: pending (backing off, rate limited, behind another), in flight in
    /// another process, or paused.
    pub waiting: Vec<PendingItem>,
    /// 404: the record is gone or hidden (its links are marked broken).
    pub failed: Vec<PendingItem>,
    /// Rejected by ServiceNow (400, data policy), with its message.
    pub dead: Vec<PendingItem>,
    pub paused: Option<PausedInfo>,
    /// The profile is read-only: nothing was sent.
    pub read_only: bool,
    /// Set when the instance could not be reached during this run (the last such error).
    pub unreachable: Option<String>,
    /// The instance is down (docs/sync.md §Outages): its cause and when it is probed next.
    pub outage: Option<crate::store::Outage>,
    /// `--once` stopped at its overall deadline; `waiting` lists what it left.
    pub deadline_reached: bool,
}

impl SyncReport {
    /// Nothing left in scope: everything delivered (or dropped).
    pub fn all_delivered(&self) -> bool {
        self.waiting.is_empty() && self.failed.is_empty() && self.dead.is_empty()
    }

    /// Whether `id` is still waiting (not final, not failed or dead).
    pub fn is_waiting(&self, id: OutboxId) -> bool {
        self.waiting.iter().any(|p| p.id == id)
    }

    /// The incident a create delivery made, if this run made or found it.
    pub fn created_for(&self, id: OutboxId) -> Option<&Created> {
        self.created.iter().find(|c| c.id == id)
    }
}

/// Progress of a running worker, for a status bar (sent on the `progress` channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncEvent {
    Delivered {
        id: OutboxId,
        kind: DeliveryKind,
        number: Option<String>,
        /// Found already present (not sent again).
        reconciled: bool,
    },
    Created {
        id: OutboxId,
        incident: IncidentRef,
    },
    Retrying {
        id: OutboxId,
        number: Option<String>,
        next_attempt_at: Timestamp,
        error: String,
    },
    Failed {
        id: OutboxId,
        number: Option<String>,
        error: String,
    },
    Dead {
        id: OutboxId,
        number: Option<String>,
        error: String,
    },
    Paused {
        instance: String,
        cause: PauseCause,
        reason: String,
    },
    Resumed {
        instance: String,
    },
    /// The instance is down: nothing is sent but one probe at `next_probe_at`.
    Down {
        instance: String,
        cause: String,
        next_probe_at: Timestamp,
    },
    /// Nothing to send right now.
    Idle {
        instance: String,
        counts: OutboxCounts,
        next_due_at: Option<Timestamp>,
    },
    /// The worker itself hit a problem (store busy, …); it keeps running.
    Error {
        message: String,
    },
}
