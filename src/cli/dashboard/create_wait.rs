//! The dashboard's create: queued for the target instance, then waited for on the embedded
//! sync worker of that instance, which makes the incident.
//! The dashboard must not run a second worker on the same delivery (the two would race for its
//! lease), so it listens to the worker's progress: the store row is read once at the start and
//! again only when the worker reports something about this delivery (or its instance).

use std::time::Duration;

use tokio::sync::broadcast;

use crate::domain::{AnomalyKey, IncidentRef, TicketDraft};
use crate::ops::{self, Session};
use crate::store::{Delivery, DeliveryState as S, OutboxId};
use crate::sync::SyncEvent;
use crate::tui::backend::CreateOutcome;

/// How long the form waits before leaving the create to the background worker.
const DEADLINE: Duration = Duration::from_secs(30);

/// What came of waiting for a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    Created(IncidentRef),
    /// Still queued (nothing is lost): why it is not made yet.
    Queued(String),
}

/// Creates a ticket for `key` on `target`'s instance: a create still queued for the anomaly
/// there is resumed rather than doubled (the form asked before a second ticket), else the
/// draft is planned (from the lookup cache when ServiceNow is unreachable) and queued;
/// `queued` wakes the worker. Then waits for the worker, unless the plan was made offline.
/// `events` must be subscribed before the call, so no outcome is missed.
pub async fn create(
    target: &Session,
    key: &AnomalyKey,
    draft: &TicketDraft,
    also: &[AnomalyKey],
    events: broadcast::Receiver<SyncEvent>,
    queued: impl FnOnce(),
) -> Result<CreateOutcome, String> {
    let err = |e: ops::OpsError| e.to_string();
    let k = key.clone();
    let start = target
        .off_runtime(move |s| ops::start_create(s, &k, true))
        .await
        .map_err(err)?;
    let (id, offline) = match start {
        ops::CreateStart::Resume(id) => (id, None),
        ops::CreateStart::New => {
            let k = key.clone();
            let stored = target
                .off_runtime(move |s| ops::load_anomaly_by_key(s, &k))
                .await
                .map_err(err)?;
            let plan = ops::plan_create(target, &stored, draft)
                .await
                .map_err(err)?;
            let offline = plan.offline.clone();
            let (table, also) = (draft.table.clone(), also.to_vec());
            let id = target
                .off_runtime(move |s| ops::enqueue_create(s, &table, &plan, &also))
                .await
                .map_err(err)?;
            (id, offline)
        }
    };
    queued();
    if offline.is_some() {
        // Planned offline: waiting for the worker would only hold the form open; the links
        // pane shows the pending create, and the incident's number when it is made.
        return Ok(CreateOutcome::Queued {
            id,
            why: "ServiceNow unreachable".to_owned(),
        });
    }
    match await_create(target, id, events).await? {
        // The worker stored the new incident's state from the create answer (the links
        // pane shows it at once; src/sync/deliver.rs `created_state`).
        Waited::Created(inc) => Ok(CreateOutcome::Created(inc)),
        Waited::Queued(why) => Ok(CreateOutcome::Queued { id, why }),
    }
}

/// The incident made for create delivery `id`, or why it is not there yet (`Waited::Queued`);
/// an error is a create that failed for good.
pub async fn await_create(
    session: &Session,
    id: OutboxId,
    mut events: broadcast::Receiver<SyncEvent>,
) -> Result<Waited, String> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(done) = settled(read(session, id).await?, id) {
            return done;
        }
        loop {
            let event = tokio::select! {
                ev = events.recv() => ev,
                _ = tokio::time::sleep_until(deadline) => {
                    return Ok(Waited::Queued("ServiceNow is slow to answer".to_owned()));
                }
            };
            match event {
                Ok(ev) if concerns(&ev, id) => break,
                Ok(_) => {}
                // Missed events: the row tells what happened.
                Err(broadcast::error::RecvError::Lagged(_)) => break,
                Err(broadcast::error::RecvError::Closed) => {
                    return Ok(Waited::Queued("the background sync stopped".to_owned()));
                }
            }
        }
    }
}

async fn read(session: &Session, id: OutboxId) -> Result<Delivery, String> {
    session
        .off_runtime(move |s| Ok(s.open_store()?.outbox_get(id)?))
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("create #{id} is no longer in the outbox"))
}

/// The final answer for the form, or `None` while the create is still on its way.
fn settled(d: Delivery, id: OutboxId) -> Option<Result<Waited, String>> {
    let queued = |why: Option<String>, default: &str| {
        Some(Ok(Waited::Queued(
            why.unwrap_or_else(|| default.to_owned()),
        )))
    };
    match d.state {
        S::Delivered => match (d.sys_id, d.number) {
            (Some(sys_id), Some(number)) => Some(Ok(Waited::Created(IncidentRef {
                instance: d.instance,
                table: d.table,
                sys_id,
                number,
            }))),
            _ => Some(Err(format!(
                "create #{id} is delivered but names no record"
            ))),
        },
        S::Failed | S::Dead => Some(Err(format!(
            "create failed: {}",
            d.last_error.unwrap_or_else(|| d.state.to_string())
        ))),
        S::Dropped => Some(Err(format!("create #{id} was dropped"))),
        S::Paused => queued(d.last_error, "instance paused"),
        // An attempt failed (or met an outage, which uncounts it but records why): the worker
        // retries on its own; the form need not wait for it.
        S::Pending if d.attempts > 0 || d.last_error.is_some() => queued(d.last_error, "retrying"),
        S::Pending | S::InFlight => None,
    }
}

/// Whether an event may have changed the create's row.
fn concerns(ev: &SyncEvent, id: OutboxId) -> bool {
    match ev {
        SyncEvent::Delivered { id: i, .. }
        | SyncEvent::Created { id: i, .. }
        | SyncEvent::Retrying { id: i, .. }
        | SyncEvent::Failed { id: i, .. }
        | SyncEvent::Dead { id: i, .. } => *i == id,
        SyncEvent::Paused { .. } | SyncEvent::Down { .. } => true,
        SyncEvent::Resumed { .. } | SyncEvent::Idle { .. } | SyncEvent::Error { .. } => false,
    }
}
