//! One claimed delivery, start to finish, on its own task: the attempt runs under a lease that
//! is renewed while requests are in flight (so no other process reclaims a live delivery), then
//! the outcome is recorded in the store and reported back to the worker.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use servicenow_client::Client;

use crate::domain::IncidentRef;
use crate::store::{Delivery, NewAudit, OutboxId, StoreError};

use super::action::{Action, PauseCause, classify};
use super::backoff::Backoff;
use super::deliver::{Attempt, Landed, StepError};
use super::error::{Result, SyncError};
use super::store_handle::StoreHandle;

/// What a task needs; shared by every task of a worker.
#[derive(Debug)]
pub(crate) struct TaskCtx {
    /// Held while any task of the worker may hold a lease (docs/store.md §Worker liveness).
    pub _liveness: super::seat::Liveness,
    pub client: Client,
    pub store: StoreHandle,
    pub owner: String,
    pub user: String,
    pub lease: Duration,
    pub backoff: Backoff,
}

#[derive(Debug)]
pub(crate) enum Outcome {
    Delivered(Landed),
    Retry {
        next_attempt_at: Timestamp,
        error: String,
        /// A few words for the status bar when this turns into an outage.
        cause: String,
        instance_wide: bool,
        unreachable: bool,
    },
    Paused {
        cause: PauseCause,
        reason: String,
    },
    /// Nothing answered (refused, DNS, hibernating, connect timeout): the instance is recorded
    /// as down and the delivery put back without counting the attempt (docs/sync.md §Outages).
    Outage {
        cause: String,
        next_probe_at: Timestamp,
    },
    Failed(String),
    Dead(String),
    /// Another worker took the delivery over (our lease had expired); it reconciles.
    LeaseLost,
}

#[derive(Debug)]
pub(crate) struct TaskResult {
    pub delivery: Delivery,
    pub outcome: Outcome,
}

/// Sends a claimed run of one queue's deliveries in queue order. It goes on to the next only
/// while the previous was delivered and `go_on` holds (the worker clears it to stop, or when the
/// instance must rest: rate limit, outage, pause); rows it does not attempt are released at
/// once, so they keep their place and their attempt counts.
pub(crate) async fn run_batch(
    ctx: Arc<TaskCtx>,
    batch: Vec<Delivery>,
    go_on: Arc<AtomicBool>,
) -> Result<Vec<TaskResult>> {
    let mut results = Vec::with_capacity(batch.len());
    let ids: Vec<OutboxId> = batch.iter().map(|d| d.id).collect();
    for (i, d) in batch.into_iter().enumerate() {
        let carry_on = results
            .last()
            .is_none_or(|r: &TaskResult| matches!(r.outcome, Outcome::Delivered(_)))
            && (i == 0 || go_on.load(Ordering::Relaxed));
        if !carry_on {
            let rest = ids[i..].to_vec();
            let owner = ctx.owner.clone();
            ctx.store
                .call(move |s| s.release_claims(&rest, &owner))
                .await?;
            break;
        }
        results.push(run(&ctx, d, &ids[i..]).await?);
    }
    Ok(results)
}

/// One delivery of a run; `held` are the run's rows from this one on, whose leases are kept
/// alive together while it is in flight.
async fn run(ctx: &TaskCtx, d: Delivery, held: &[OutboxId]) -> Result<TaskResult> {
    let attempt = Attempt {
        client: &ctx.client,
        store: &ctx.store,
        owner: &ctx.owner,
    };
    let result = match with_lease(ctx, held, attempt.run(&d)).await {
        None => return Ok(lease_lost(d)),
        Some(r) => r,
    };
    let outcome = match record(ctx, &d, result).await {
        Err(SyncError::Store(StoreError::LeaseLost { .. })) => Outcome::LeaseLost,
        other => other?,
    };
    Ok(TaskResult {
        delivery: d,
        outcome,
    })
}

fn lease_lost(delivery: Delivery) -> TaskResult {
    tracing::warn!(
        id = delivery.id,
        "lease lost while delivering; another worker reconciles it"
    );
    TaskResult {
        delivery,
        outcome: Outcome::LeaseLost,
    }
}

/// Drives `fut`, extending the lease every third of its length. `None` when the lease was lost
/// (the attempt is dropped: whatever it sent, the new owner reads it back first).
async fn with_lease<F: Future>(ctx: &TaskCtx, held: &[OutboxId], fut: F) -> Option<F::Output> {
    let period = (ctx.lease / 3).max(Duration::from_millis(100));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Some(out),
            _ = tick.tick() => {
                let (owner, lease, ids) = (ctx.owner.clone(), ctx.lease, held.to_vec());
                let until = Timestamp::now() + lease;
                match ctx.store.call(move |s| s.extend_leases(&ids, &owner, until)).await {
                    Ok(()) => {}
                    Err(SyncError::Store(StoreError::LeaseLost { .. })) => return None,
                    // A busy store: the lease still has two thirds left; try again next tick.
                    Err(e) => tracing::warn!(ids = ?held, error = %e, "could not extend leases"),
                }
            }
        }
    }
}

/// Writes the outcome of an attempt to the store (state + audit entry).
async fn record(ctx: &TaskCtx, d: &Delivery, result: Result<Landed, StepError>) -> Result<Outcome> {
    let now = Timestamp::now();
    let (id, owner) = (d.id, ctx.owner.clone());
    let outcome = match result {
        Ok(landed) => {
            let created = landed.created.clone();
            let created_state = landed.created_state.clone();
            // A rule's create is linked by the rule (docs/rules.md), a person's by the user.
            let user = match d.kind {
                crate::store::DeliveryKind::Create => super::reopen::rule_linker(&d.payload),
                crate::store::DeliveryKind::Event => crate::domain::event_rule(&d.payload),
                _ => None,
            }
            .unwrap_or_else(|| ctx.user.clone());
            let outcome = Outcome::Delivered(landed);
            let entry = audit_entry(d, &outcome, now);
            // The outcome and its audit row in one transaction without waiting for the disk:
            // if a power loss takes it back, the row is still `in_flight` under an owner that
            // is gone, so it is reconciled (read back) before anything is resent. The claim
            // that let it go out was durable (docs/store.md §Durability).
            ctx.store
                .call(move |s| {
                    s.with_relaxed_sync(|s| {
                        let Some(inc) = &created else {
                            // The common case, a note or an update: one transaction.
                            return s.mark_delivered_audited(id, &owner, now, entry.as_ref());
                        };
                        s.complete_create(id, &owner, inc, &user, now)?;
                        // The link shows the new incident's state at once.
                        if let Some(state) = &created_state {
                            s.update_link_state(&inc.instance, &inc.sys_id, None, state, now)?;
                        }
                        if let Some(entry) = &entry {
                            s.record_audit(entry)?;
                        }
                        Ok(())
                    })
                })
                .await?;
            return Ok(outcome);
        }
        Err(StepError::Sync(e)) => {
            // The store failed mid-attempt: we cannot tell whether the write went out.
            let error = format!("local store error: {e}");
            let retry_at = now + ctx.backoff.delay(d.attempts, &mut rand::rng());
            let msg = error.clone();
            ctx.store
                .call(move |s| s.mark_retry(id, &owner, retry_at, &msg, true))
                .await
                .map_err(|_| e)?;
            Outcome::Retry {
                next_attempt_at: retry_at,
                cause: "local store error".into(),
                error,
                instance_wide: false,
                unreachable: false,
            }
        }
        Err(StepError::Retry(error)) => {
            // Landed, but not verified (a description append raced another writer): the next
            // attempt reads the record again before writing anything.
            let retry_at = now + ctx.backoff.delay(d.attempts, &mut rand::rng());
            let msg = error.clone();
            ctx.store
                .call(move |s| s.mark_retry(id, &owner, retry_at, &msg, false))
                .await?;
            Outcome::Retry {
                next_attempt_at: retry_at,
                cause: "description changed meanwhile".into(),
                error,
                instance_wide: false,
                unreachable: false,
            }
        }
        Err(StepError::Payload(msg)) => {
            let m = msg.clone();
            ctx.store.call(move |s| s.mark_dead(id, &owner, &m)).await?;
            Outcome::Dead(msg)
        }
        Err(StepError::Remote(e)) => remote_failure(ctx, d, &e, now).await?,
    };
    audit(ctx, d, &outcome, now).await;
    Ok(outcome)
}

async fn remote_failure(
    ctx: &TaskCtx,
    d: &Delivery,
    e: &servicenow_client::Error,
    now: Timestamp,
) -> Result<Outcome> {
    let (id, owner, error) = (d.id, ctx.owner.clone(), e.to_string());
    let msg = error.clone();
    // Decided before any await: the thread-local RNG must not live across one.
    let action = classify(e, d.attempts, &ctx.backoff, &mut rand::rng());
    Ok(match action {
        Action::Retry {
            outcome_unknown,
            unreachable: true,
            ..
        } => {
            let probe_at = now + ctx.backoff.delay(1, &mut rand::rng());
            let cause = super::outage::short_cause(e);
            let c = cause.clone();
            ctx.store
                .call(move |s| {
                    s.requeue_for_outage(id, &owner, &msg, &c, outcome_unknown, now, probe_at)
                })
                .await?;
            Outcome::Outage {
                cause,
                next_probe_at: probe_at,
            }
        }
        Action::Retry {
            after,
            outcome_unknown,
            instance_wide,
            unreachable,
        } => {
            let at = now + after;
            ctx.store
                .call(move |s| s.mark_retry(id, &owner, at, &msg, outcome_unknown))
                .await?;
            Outcome::Retry {
                next_attempt_at: at,
                cause: super::outage::short_cause(e),
                error,
                instance_wide,
                unreachable,
            }
        }
        Action::Pause(cause) => {
            let instance = d.instance.clone();
            // Pause first, so the row goes back as `paused`, not `pending`; nothing else is
            // attempted on this instance until a probe succeeds or the user retries.
            ctx.store
                .call(move |s| {
                    s.pause_instance(&instance, &msg, now)?;
                    s.mark_retry(id, &owner, now, &msg, false)
                })
                .await?;
            Outcome::Paused {
                cause,
                reason: error,
            }
        }
        Action::Failed => {
            ctx.store
                .call(move |s| s.mark_failed(id, &owner, &msg))
                .await?;
            Outcome::Failed(error)
        }
        Action::Dead => {
            ctx.store
                .call(move |s| s.mark_dead(id, &owner, &msg))
                .await?;
            Outcome::Dead(error)
        }
    })
}

/// One audit row per attempt. Losing an audit row must not undo a delivery, so a failure here
/// is logged, not returned.
async fn audit(ctx: &TaskCtx, d: &Delivery, outcome: &Outcome, at: Timestamp) {
    let Some(entry) = audit_entry(d, outcome, at) else {
        return;
    };
    if let Err(e) = ctx.store.call(move |s| s.record_audit(&entry)).await {
        tracing::warn!(id = d.id, error = %e, "could not write the audit entry");
    }
}

/// The audit row for an attempt's outcome (none when the lease was lost: the new owner
/// records it).
fn audit_entry(d: &Delivery, outcome: &Outcome, at: Timestamp) -> Option<NewAudit> {
    let (outcome_text, created): (String, Option<&IncidentRef>) = match outcome {
        Outcome::Delivered(l) if l.sent => ("ok".into(), l.created.as_ref()),
        Outcome::Delivered(l) => ("already present".into(), l.created.as_ref()),
        Outcome::Retry { error, .. } => (format!("retry: {error}"), None),
        Outcome::Paused { reason, .. } => (format!("paused: {reason}"), None),
        Outcome::Outage { cause, .. } => (format!("instance down: {cause}"), None),
        Outcome::Failed(e) => (format!("failed: {e}"), None),
        Outcome::Dead(e) => (format!("dead: {e}"), None),
        Outcome::LeaseLost => return None,
    };
    Some(NewAudit {
        at,
        instance: d.instance.clone(),
        table: d.table.clone(),
        sys_id: created
            .map(|c| c.sys_id.clone())
            .or_else(|| d.sys_id.clone()),
        number: created
            .map(|c| c.number.clone())
            .or_else(|| d.number.clone()),
        action: d.kind.code().to_string(),
        summary: summary(&d.payload),
        outcome: outcome_text,
        outbox_id: Some(d.id),
    })
}

/// The first line of a payload, at most 120 characters.
fn summary(payload: &str) -> String {
    let line = payload.lines().next().unwrap_or("");
    let mut s: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        s.push('…');
    }
    s
}
