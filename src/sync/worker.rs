//! The outbox worker: claims due deliveries of one instance and runs them in parallel (one per
//! incident queue, up to `max_in_flight`), records outcomes, and decides when to stop. The same
//! worker serves `snowlink sync`, the CLI commands that write (`deliver`) and the dashboard
//! (`watch`). The client never spawns tasks; this worker does (a `JoinSet` per run).

use crate::store::StoreLocation;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use servicenow_client::Client;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use crate::store::{Delivery, DeliveryState, OutboxId};

use super::action::{Action, PauseCause, classify};
use super::error::{Result, SyncError};
use super::options::WorkerOptions;
use super::outage::Gate;
use super::report::{PausedInfo, SyncEvent, SyncReport};
use super::run_state::Run;
use super::task::{self, TaskCtx};
use super::wake::Wake;
use super::{remaining, sleep_until, ts_add};

/// Delivers one instance's outbox. Cheap to share (`&self` everywhere); runs may overlap (the
/// dashboard's `watch` and a `deliver` for an action): claims never hand a row out twice.
#[derive(Debug)]
pub struct Worker {
    pub(crate) ctx: Arc<TaskCtx>,
    pub(crate) instance: String,
    pub(crate) opts: WorkerOptions,
    wake: Wake,
}

/// How many deliveries of one incident queue a claim hands out together: they go one after
/// the other (FIFO) on one task, and the claim's durable commit is paid once for all of them.
const RUN_LEN: usize = 4;

/// In `watch`, how often a paused (401/403) instance is probed without a user action.
const PAUSED_PROBE_EVERY: Duration = Duration::from_secs(120);

/// What ends a run.
enum Mode<'a> {
    Once {
        deadline: tokio::time::Instant,
    },
    Until {
        ids: &'a [OutboxId],
        deadline: tokio::time::Instant,
    },
    Watch {
        shutdown: watch::Receiver<bool>,
    },
}

/// How often a worker looks for a dead worker's claims while others hold some (a claim
/// attempt: a few queries).
const TAKEOVER_CHECK: Duration = Duration::from_millis(250);

impl Worker {
    /// A worker for `instance` (the profile name deliveries carry), opening its own store
    /// connection at `location`.
    pub async fn new(
        location: &StoreLocation,
        instance: impl Into<String>,
        client: Client,
        opts: WorkerOptions,
    ) -> Result<Worker> {
        let super::seat::Seat {
            liveness,
            wake,
            store,
        } = super::seat::Seat::take(location, &opts.owner).await?;
        Ok(Worker {
            wake,
            ctx: Arc::new(TaskCtx {
                _liveness: liveness,
                client,
                store,
                owner: opts.owner.clone(),
                user: opts.user.clone(),
                lease: opts.lease,
                backoff: opts.backoff,
            }),
            instance: instance.into(),
            opts,
        })
    }

    pub fn options(&self) -> &WorkerOptions {
        &self.opts
    }

    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Wakes this worker when it waits for work (the dashboard calls it after queueing; other
    /// processes reach it through its wake-up socket).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.notifier()
    }

    /// Delivers until the instance's outbox is empty or only items remain that are waiting
    /// beyond `once_max_wait`, paused, failed or dead (`snowlink sync --once`). Stops early when
    /// the instance is unreachable.
    pub async fn run_once(&self) -> Result<SyncReport> {
        let deadline = tokio::time::Instant::now() + self.opts.once_deadline;
        self.pump(Mode::Once { deadline }, None).await
    }

    /// Delivers `ids` and whatever precedes them in their incident queues (those queues first),
    /// returning when each is final, waiting for a later retry, paused, or `deadline` passes.
    /// Used right after `ack`/`comment`/`ticket create` enqueue; the report's `waiting` says
    /// which are still pending and why, `created` which incidents were made.
    pub async fn deliver(
        &self,
        ids: &[OutboxId],
        deadline: std::time::Instant,
    ) -> Result<SyncReport> {
        let deadline = tokio::time::Instant::from_std(deadline);
        self.pump(Mode::Until { ids, deadline }, None).await
    }

    /// Runs until `shutdown` becomes true: claims when due, sleeps until the next due time or
    /// `poll_interval` (other processes enqueue), re-probes a paused instance every
    /// `poll_interval`, and reports progress on `progress`. Store errors are reported as
    /// [`SyncEvent::Error`] and retried; it never returns early on them. On shutdown it stops
    /// claiming, lets running deliveries finish, and returns what it did.
    pub async fn watch(
        &self,
        shutdown: watch::Receiver<bool>,
        progress: Option<mpsc::UnboundedSender<SyncEvent>>,
    ) -> Result<SyncReport> {
        self.pump(Mode::Watch { shutdown }, progress).await
    }

    async fn pump(
        &self,
        mut mode: Mode<'_>,
        events: Option<mpsc::UnboundedSender<SyncEvent>>,
    ) -> Result<SyncReport> {
        let mut run = Run {
            report: SyncReport {
                instance: self.instance.clone(),
                read_only: self.opts.read_only,
                ..SyncReport::default()
            },
            tasks: JoinSet::new(),
            hold_until: None,
            unreachable: None,
            paused: None,
            outage: None,
            server_failures: 0,
            last_server_error: None,
            probed: false,
            go_on: Arc::new(AtomicBool::new(true)),
            paused_checked: std::time::Instant::now(),
            stopping: false,
            events,
        };
        if !self.opts.read_only {
            self.check_paused(&mut run).await?;
            self.load_outage(&mut run).await?;
        }
        loop {
            match self.step(&mut mode, &mut run).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => match &mut mode {
                    Mode::Watch { shutdown } => {
                        run.emit(SyncEvent::Error {
                            message: e.to_string(),
                        });
                        tracing::warn!(error = %e, "sync worker error; retrying");
                        let pause = self.opts.poll_interval.min(Duration::from_secs(5));
                        tokio::select! {
                            _ = tokio::time::sleep(pause) => {}
                            _ = changed(Some(shutdown)) => {}
                        }
                    }
                    // Dropping the JoinSet aborts running deliveries; their leases expire and
                    // the next run reconciles them.
                    _ => return Err(e),
                },
            }
        }
        let ids = match &mode {
            Mode::Until { ids, .. } => Some(*ids),
            _ => None,
        };
        let paused = run.paused.take();
        let mut report = run.report;
        report.unreachable = match &run.outage {
            Some(o) => Some(format!(
                "{} ({})",
                super::outage::describe(o, Timestamp::now()),
                self.ctx.client.base_url()
            )),
            None => run.unreachable,
        };
        remaining::fill(
            &self.ctx.store,
            &self.instance,
            ids,
            paused,
            run.outage.as_ref(),
            &mut report,
        )
        .await?;
        report.outage = run.outage;
        Ok(report)
    }

    /// One turn of the loop; `false` ends the run.
    async fn step(&self, mode: &mut Mode<'_>, run: &mut Run) -> Result<bool> {
        match mode {
            Mode::Until { deadline, ids } => {
                if tokio::time::Instant::now() >= *deadline || self.targets_settled(ids).await? {
                    run.stopping = true;
                }
            }
            Mode::Watch { shutdown } => run.stopping |= *shutdown.borrow(),
            Mode::Once { deadline } => {
                if tokio::time::Instant::now() >= *deadline && !run.stopping {
                    run.stopping = true;
                    run.report.deadline_reached = true;
                }
            }
        }
        let once_like = !matches!(mode, Mode::Watch { .. });
        // Outcomes that are in are folded in before deciding to claim: a claim must never
        // race a result it has not seen (an outage, a rate limit).
        while let Some(joined) = run.tasks.try_join_next() {
            for result in joined.map_err(|e| SyncError::Task(e.to_string()))?? {
                run.absorb(result);
            }
        }
        self.note_server_failures(run).await?;
        let gate = if run.stopping || self.opts.read_only || run.paused.is_some() {
            Gate::Open
        } else {
            // A `once`/`deliver` run probes a down instance once, right away: the user asked.
            self.outage_gate(run, once_like).await?
        };
        let now = Timestamp::now();
        let may_claim = !run.stopping
            && !self.opts.read_only
            && run.paused.is_none()
            && gate == Gate::Open
            && run.hold_until.is_none_or(|h| h <= now)
            && !(once_like && run.unreachable.is_some());
        let free = self.opts.max_in_flight.saturating_sub(run.tasks.len());
        // Runs already claimed stop after their current delivery when claims stop.
        run.go_on.store(may_claim, Ordering::Relaxed);
        if may_claim && free > 0 {
            for batch in self.claim(mode, now, free).await? {
                run.tasks
                    .spawn(task::run_batch(self.ctx.clone(), batch, run.go_on.clone()));
            }
        }
        if !run.tasks.is_empty() {
            let free = self.opts.max_in_flight.saturating_sub(run.tasks.len());
            // With slots free, also wake when the next delivery becomes due. Not for `deliver`:
            // its claims are scoped to the targets' queues, and a due row elsewhere would wake
            // it over and over.
            let scoped = matches!(mode, Mode::Until { .. });
            let mut wake = if may_claim && free > 0 && !scoped {
                self.wake_at(run).await?
            } else {
                None
            };
            let shutdown = match mode {
                Mode::Watch { shutdown } if !run.stopping => Some(shutdown),
                _ => None,
            };
            if shutdown.is_some() && may_claim && free > 0 {
                wake = self.watch_wake(wake).await?;
            }
            tokio::select! {
                // Results first: a due time and a result at once must not claim before the
                // result is seen.
                biased;
                Some(joined) = run.tasks.join_next() => {
                    for result in joined.map_err(|e| SyncError::Task(e.to_string()))?? {
                        run.absorb(result);
                    }
                    // Others that finished meanwhile: their slots are refilled by one claim.
                    while let Some(joined) = run.tasks.try_join_next() {
                        for result in joined.map_err(|e| SyncError::Task(e.to_string()))?? {
                            run.absorb(result);
                        }
                    }
                }
                _ = sleep_until(wake), if wake.is_some() => {}
                _ = self.wake.woken(), if may_claim && free > 0 && !scoped => {}
                _ = changed(shutdown) => {}
            }
            return Ok(true);
        }
        if run.stopping {
            return Ok(false);
        }
        match mode {
            Mode::Until { .. } => Ok(false),
            Mode::Once { deadline } => {
                if run.paused.is_some()
                    || run.unreachable.is_some()
                    || run.outage.is_some()
                    || self.opts.read_only
                {
                    return Ok(false);
                }
                let latest = ts_add(now, self.opts.once_max_wait);
                match self.wake_at(run).await? {
                    Some(t) if t <= latest => {
                        tokio::select! {
                            _ = sleep_until(Some(t)) => {}
                            _ = tokio::time::sleep_until(*deadline) => {}
                        }
                        Ok(true)
                    }
                    _ => Ok(false),
                }
            }
            Mode::Watch { shutdown } => {
                let next = self.wake_at(run).await?;
                let counts = {
                    let now = Timestamp::now();
                    self.ctx.store.call(move |s| s.outbox_counts(now)).await?
                };
                run.emit(SyncEvent::Idle {
                    instance: self.instance.clone(),
                    counts,
                    next_due_at: next,
                });
                let poll = ts_add(Timestamp::now(), self.opts.poll_interval);
                let due = match gate {
                    Gate::Closed(probe_at) => Some(probe_at),
                    Gate::Open => next.filter(|_| run.paused.is_none()),
                };
                let wake = due.map_or(poll, |n| n.min(poll));
                let wake = match gate {
                    Gate::Open if run.paused.is_none() => {
                        self.watch_wake(Some(wake)).await?.unwrap_or(wake)
                    }
                    _ => wake,
                };
                let poked = tokio::select! {
                    _ = sleep_until(Some(wake)) => false,
                    _ = self.wake.woken() => true,
                    _ = changed(Some(shutdown)) => false,
                };
                if *shutdown.borrow() {
                    return Ok(true);
                }
                // A paused instance (401/403) is probed when someone acts (a poke), else
                // rarely: repeated bad logins can lock an account.
                if run.paused.is_some()
                    && (poked || run.paused_checked.elapsed() >= PAUSED_PROBE_EVERY)
                {
                    run.paused = None;
                    self.check_paused(run).await?;
                }
                // Another process may have recorded or cleared an outage meanwhile.
                self.load_outage(run).await?;
                Ok(true)
            }
        }
    }

    /// Claims up to `max` queue runs (docs/store.md §Claims): one durable commit for each
    /// batch of heads and the due rows right behind them.
    async fn claim(
        &self,
        mode: &Mode<'_>,
        now: Timestamp,
        max: usize,
    ) -> Result<Vec<Vec<Delivery>>> {
        let (instance, owner, lease) = (
            self.instance.clone(),
            self.opts.owner.clone(),
            self.opts.lease,
        );
        let scope = match mode {
            Mode::Until { ids, .. } => Some(ids.to_vec()),
            _ => None,
        };
        self.ctx
            .store
            .call(move |s| {
                s.claim_runs_for(
                    &instance,
                    scope.as_deref(),
                    &owner,
                    now,
                    lease,
                    max,
                    RUN_LEN,
                )
            })
            .await
    }

    /// When something may next be claimable: the next due time, not before the hold.
    async fn wake_at(&self, run: &Run) -> Result<Option<Timestamp>> {
        let instance = self.instance.clone();
        let next = self
            .ctx
            .store
            .call(move |s| s.next_due_at_for(&instance))
            .await?;
        Ok(next.map(|n| run.hold_until.map_or(n, |h| n.max(h))))
    }

    /// For a watching worker: `wake`, or [`TAKEOVER_CHECK`] from now if that is sooner while
    /// another worker holds claims. If that worker dies its rows are free at once (docs/store.md
    /// §Worker liveness), but nothing would wake this one: the dead send no notice, and their
    /// leases' end or the poll interval may be minutes away.
    async fn watch_wake(&self, wake: Option<Timestamp>) -> Result<Option<Timestamp>> {
        let (instance, owner) = (self.instance.clone(), self.opts.owner.clone());
        let others = self
            .ctx
            .store
            .call(move |s| s.in_flight_elsewhere(&instance, &owner))
            .await?;
        if !others {
            return Ok(wake);
        }
        let check = ts_add(Timestamp::now(), TAKEOVER_CHECK);
        Ok(Some(wake.map_or(check, |w| w.min(check))))
    }

    /// Every target is delivered, dropped, failed, dead or paused.
    async fn targets_settled(&self, ids: &[OutboxId]) -> Result<bool> {
        let ids = ids.to_vec();
        self.ctx
            .store
            .call(move |s| {
                for id in ids {
                    match s.outbox_get(id)? {
                        Some(d)
                            if matches!(
                                d.state,
                                DeliveryState::Pending | DeliveryState::InFlight
                            ) =>
                        {
                            return Ok(false);
                        }
                        _ => {}
                    }
                }
                Ok(true)
            })
            .await
    }

    /// A paused instance is probed (one read); it resumes when the probe succeeds. Otherwise
    /// the run reports it paused with the probe's cause.
    pub(crate) async fn check_paused(&self, run: &mut Run) -> Result<()> {
        run.paused_checked = std::time::Instant::now();
        let paused = self.ctx.store.call(|s| s.paused_instances()).await?;
        let Some(p) = paused.into_iter().find(|p| p.instance == self.instance) else {
            return Ok(());
        };
        let probe = self.ctx.client.probe().await;
        match probe.error {
            None => {
                let (instance, now) = (self.instance.clone(), Timestamp::now());
                self.ctx
                    .store
                    .call(move |s| s.resume_instance(&instance, now))
                    .await?;
                tracing::info!(instance = %self.instance, "probe succeeded; deliveries resumed");
                run.emit(SyncEvent::Resumed {
                    instance: self.instance.clone(),
                });
            }
            Some(e) => {
                let cause = match classify(&e, 1, &self.opts.backoff, &mut rand::rng()) {
                    Action::Pause(cause) => cause,
                    _ => PauseCause::Unreachable,
                };
                let info = PausedInfo {
                    instance: self.instance.clone(),
                    cause,
                    reason: p.reason,
                };
                run.emit(SyncEvent::Paused {
                    instance: info.instance.clone(),
                    cause,
                    reason: info.reason.clone(),
                });
                run.paused = Some(info);
            }
        }
        Ok(())
    }
}

/// Resolves when the shutdown flag changes; never when there is none.
async fn changed(rx: Option<&mut watch::Receiver<bool>>) {
    match rx {
        Some(rx) => {
            if rx.changed().await.is_err() {
                // The sender is gone: nobody can ask us to stop any more; keep running.
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}
