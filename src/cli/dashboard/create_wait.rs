//! Waiting for the embedded sync worker to make the incident of a create the dashboard queued.
//! The dashboard must not run a second worker on the same delivery (the two would race for its
//! lease), so it listens to the worker's progress: the store row is read once at the start and
//! again only when the worker reports something about this delivery (or its instance).

use std::time::Duration;

use tokio::sync::broadcast;

use crate::domain::IncidentRef;
use crate::ops::Session;
use crate::store::{Delivery, DeliveryState as S, OutboxId};
use crate::sync::SyncEvent;

/// How long the form waits before leaving the create to the background worker.
const DEADLINE: Duration = Duration::from_secs(30);

/// What came of waiting for a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited {
    Created(IncidentRef),
    /// Still queued (nothing is lost): why it is not made yet.
    Queued(String),
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
