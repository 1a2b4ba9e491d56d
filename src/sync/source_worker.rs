//! The source delivery worker (docs/sync.md §Source deliveries): delivers the outbox rows of one
//! anomaly source (`instance = source:<name>`) to its API with the same claim, lease and owner
//! machinery as the ServiceNow worker — a row is claimed durably before it is sent, FIFO per
//! anomaly, a dead worker's claims are handed out `outcome_unknown` and read back before any
//! resend — and, for Alertmanager, keeps the acknowledge silences alive (renewal runs in this
//! worker's loop).

use crate::store::StoreLocation;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::config::{Env, SourceConfig, SourceKind};
use crate::source::alertmanager::{AlertmanagerAuth, AlertmanagerClient, AlertmanagerConfig};
use crate::source::qualytics::{QualyticsClient, QualyticsClientConfig};
use crate::store::{
    Delivery, DeliveryKind, DeliveryState, NewAudit, OutboxFilter, OutboxId, StoreError,
    source_instance,
};

use super::backoff::Backoff;
use super::error::{Result, SyncError};
use super::source_deliver::alertmanager::{RenewalReport, renew_due};
use super::source_deliver::{SourceClient, SourceFailure, SourceLanded, Verdict};
use super::store_handle::StoreHandle;
use super::wake::Wake;
use super::{new_owner_id, sleep_until, ts_add};

/// How many anomalies' deliveries run at once (each anomaly's in order).
const MAX_IN_FLIGHT: usize = 4;
/// `run_once` sleeps for retries due within this, and leaves later ones for the next run.
const ONCE_MAX_WAIT: Duration = Duration::from_secs(30);

/// Options of a source worker.
#[derive(Debug, Clone)]
pub struct SourceWorkerOptions {
    pub owner: String,
    /// The request timeout of the source's client; the lease covers a few requests of it.
    pub timeout: Duration,
    pub backoff: Backoff,
    /// In `watch`, how often to look again without being woken (and to check renewals).
    pub poll_interval: Duration,
}

impl SourceWorkerOptions {
    pub fn new(timeout: Duration) -> SourceWorkerOptions {
        SourceWorkerOptions {
            owner: new_owner_id(),
            timeout,
            backoff: Backoff::default(),
            poll_interval: Duration::from_secs(30),
        }
    }

    /// A delivery may take a few requests (an acknowledge lists silences, then creates one).
    fn lease(&self) -> Duration {
        self.timeout
            .saturating_mul(4)
            .saturating_add(Duration::from_secs(2))
    }
}

/// One pending source delivery in a report.
#[derive(Debug, Clone, Serialize)]
pub struct SourcePending {
    pub id: OutboxId,
    pub anomaly_id: Option<String>,
    pub kind: DeliveryKind,
    pub state: DeliveryState,
    pub why: String,
    pub next_attempt_at: Option<Timestamp>,
}

/// What a source worker run did, and what is left.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceReport {
    pub source: String,
    pub delivered: Vec<OutboxId>,
    /// Found already done at the source (read back, or an existing silence adopted).
    pub reconciled: Vec<OutboxId>,
    pub retried: usize,
    /// Alertmanager: silences renewed in this run.
    pub renewal: RenewalReport,
    pub waiting: Vec<SourcePending>,
    pub failed: Vec<SourcePending>,
    pub dead: Vec<SourcePending>,
    /// The source is paused (401/403, a login wall): the cause, with its fix.
    pub paused: Option<String>,
    pub deadline_reached: bool,
}

impl SourceReport {
    pub fn settled(&self, id: OutboxId) -> bool {
        self.delivered.contains(&id) || self.reconciled.contains(&id)
    }
}

struct Inner {
    _liveness: super::seat::Liveness,
    source: String,
    instance: String,
    client: SourceClient,
    store: StoreHandle,
    opts: SourceWorkerOptions,
}

/// Delivers one source's write-backs.
pub struct SourceWorker {
    inner: Arc<Inner>,
    wake: Wake,
}

enum Mode<'a> {
    Once,
    Until(&'a [OutboxId]),
    Watch(watch::Receiver<bool>),
}

/// Builds the write-back client of a configured qualytics or alertmanager source (secrets
/// resolved now); `None` for a file source.
pub fn client_for_source(cfg: &SourceConfig, env: &dyn Env) -> Result<Option<SourceClient>> {
    let timeout = Duration::from_secs(cfg.timeout_secs);
    let err = |message: String| SyncError::Source {
        source_name: cfg.name.clone(),
        message,
    };
    let url = || {
        cfg.url
            .clone()
            .ok_or_else(|| err("no url; set url in its [[sources]] table".into()))
    };
    match cfg.kind {
        SourceKind::File => Ok(None),
        SourceKind::Qualytics => {
            let token = cfg
                .token(env, crate::config::HELPER_TIMEOUT)
                .map_err(|e| err(e.to_string()))?
                .ok_or_else(|| {
                    err("no API token; set token_command, token_env or keyring".into())
                })?;
            let mut c = QualyticsClientConfig::new(url()?, token);
            c.timeout = timeout;
            let client = QualyticsClient::new(c).map_err(|e| err(e.to_string()))?;
            Ok(Some(SourceClient::Qualytics(client)))
        }
        SourceKind::Alertmanager => {
            let mut c = AlertmanagerConfig::new(url()?);
            c.timeout = timeout;
            c.filters = cfg.filter.clone();
            c.receiver = cfg.receiver.clone();
            let password = cfg
                .password(env, crate::config::HELPER_TIMEOUT)
                .map_err(|e| err(e.to_string()))?;
            c.auth = match (&cfg.username, password) {
                (Some(username), Some(password)) => AlertmanagerAuth::Basic {
                    username: username.clone(),
                    password,
                },
                _ => match cfg
                    .token(env, crate::config::HELPER_TIMEOUT)
                    .map_err(|e| err(e.to_string()))?
                {
                    Some(t) => AlertmanagerAuth::Bearer(t),
                    None => AlertmanagerAuth::None,
                },
            };
            let client = AlertmanagerClient::new(c).map_err(|e| err(e.to_string()))?;
            Ok(Some(SourceClient::Alertmanager {
                client,
                ack_ttl: Duration::from_secs(cfg.ack_ttl_secs),
            }))
        }
    }
}

impl SourceWorker {
    /// A worker for the configured source `cfg` (`None` for a file source, which takes no
    /// write-back).
    pub async fn for_config(
        location: &StoreLocation,
        cfg: &SourceConfig,
        env: &dyn Env,
    ) -> Result<Option<SourceWorker>> {
        let Some(client) = client_for_source(cfg, env)? else {
            return Ok(None);
        };
        let opts = SourceWorkerOptions::new(Duration::from_secs(cfg.timeout_secs));
        SourceWorker::new(location, &cfg.name, client, opts)
            .await
            .map(Some)
    }

    /// A worker for source `source` over `client`, opening its own store connection.
    pub async fn new(
        location: &StoreLocation,
        source: &str,
        client: SourceClient,
        opts: SourceWorkerOptions,
    ) -> Result<SourceWorker> {
        let super::seat::Seat {
            liveness,
            wake,
            store,
        } = super::seat::Seat::take(location, &opts.owner).await?;
        Ok(SourceWorker {
            inner: Arc::new(Inner {
                _liveness: liveness,
                source: source.to_owned(),
                instance: source_instance(source),
                client,
                store,
                opts,
            }),
            wake,
        })
    }

    pub fn source(&self) -> &str {
        &self.inner.source
    }

    pub fn waker(&self) -> Arc<Notify> {
        self.wake.notifier()
    }

    /// Delivers until the source's outbox is empty or only rows remain that wait beyond 30 s,
    /// are paused, failed or dead, or `deadline` passes; renews due silences once.
    pub async fn run_once(&self, deadline: std::time::Instant) -> Result<SourceReport> {
        let mut report = self.report();
        report.renewal = self.renew(Timestamp::now()).await?;
        self.pump(Mode::Once, deadline.into(), &mut report).await?;
        Ok(report)
    }

    /// Delivers `ids` (and what precedes them in their anomalies' queues); returns when each is
    /// final, waiting for a later retry, paused, or `deadline` passes.
    pub async fn deliver(
        &self,
        ids: &[OutboxId],
        deadline: std::time::Instant,
    ) -> Result<SourceReport> {
        let mut report = self.report();
        if !ids.is_empty() {
            self.pump(Mode::Until(ids), deadline.into(), &mut report)
                .await?;
        }
        Ok(report)
    }

    /// Runs until `shutdown` is true: delivers when work is due or committed (woken by any
    /// process), renews silences, and retries store errors.
    pub async fn watch(&self, shutdown: watch::Receiver<bool>) -> Result<SourceReport> {
        let mut report = self.report();
        let far = tokio::time::Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600);
        self.pump(Mode::Watch(shutdown), far, &mut report).await?;
        Ok(report)
    }

    /// One renewal pass at `now` (Alertmanager; nothing for other kinds).
    pub async fn renew(&self, now: Timestamp) -> Result<RenewalReport> {
        match &self.inner.client {
            SourceClient::Alertmanager { client, ack_ttl } => {
                renew_due(client, *ack_ttl, &self.inner.store, &self.inner.source, now).await
            }
            SourceClient::Qualytics(_) => Ok(RenewalReport::default()),
        }
    }

    fn report(&self) -> SourceReport {
        SourceReport {
            source: self.inner.source.clone(),
            ..SourceReport::default()
        }
    }

    async fn pump(
        &self,
        mut mode: Mode<'_>,
        deadline: tokio::time::Instant,
        report: &mut SourceReport,
    ) -> Result<()> {
        let mut last_renewal = std::time::Instant::now();
        loop {
            let stop = match &mode {
                Mode::Watch(shutdown) => *shutdown.borrow(),
                _ => tokio::time::Instant::now() >= deadline,
            };
            if stop {
                report.deadline_reached = !matches!(mode, Mode::Watch(_));
                break;
            }
            let step = self.step(&mode, report).await;
            let claimed = match step {
                Ok(n) => n,
                Err(e) => match &mut mode {
                    Mode::Watch(shutdown) => {
                        tracing::warn!(source = %self.inner.source, error = %e, "source worker error; retrying");
                        tokio::select! {
                            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                            _ = shutdown.changed() => {}
                        }
                        continue;
                    }
                    _ => return Err(e),
                },
            };
            if claimed > 0 {
                continue;
            }
            let next = self.next_due().await?;
            match &mut mode {
                Mode::Until(_) => break,
                Mode::Once => {
                    let latest = ts_add(Timestamp::now(), ONCE_MAX_WAIT);
                    match next {
                        Some(t) if t <= latest && report.paused.is_none() => {
                            tokio::select! {
                                _ = sleep_until(Some(t)) => {}
                                _ = tokio::time::sleep_until(deadline) => {}
                            }
                        }
                        _ => break,
                    }
                }
                Mode::Watch(shutdown) => {
                    let poll = self.inner.opts.poll_interval;
                    if last_renewal.elapsed() >= poll {
                        last_renewal = std::time::Instant::now();
                        match self.renew(Timestamp::now()).await {
                            Ok(r) => {
                                if !r.renewed.is_empty() || !r.errors.is_empty() {
                                    tracing::info!(source = %self.inner.source, renewed = ?r.renewed, errors = ?r.errors, "silences renewed");
                                }
                                report.renewal.renewed.extend(r.renewed);
                                report.renewal.errors.extend(r.errors);
                            }
                            Err(e) => tracing::warn!(error = %e, "silence renewal failed"),
                        }
                    }
                    let wake = ts_add(Timestamp::now(), poll);
                    let wake = next
                        .filter(|_| report.paused.is_none())
                        .map_or(wake, |n| n.min(wake));
                    tokio::select! {
                        _ = sleep_until(Some(wake)) => {}
                        _ = self.wake.woken() => { report.paused = None; }
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
        self.fill_remaining(&mode, report).await
    }

    /// Claims due heads (up to [`MAX_IN_FLIGHT`] anomalies) and delivers them in parallel, each
    /// anomaly's in order. Returns how many were claimed.
    async fn step(&self, mode: &Mode<'_>, report: &mut SourceReport) -> Result<usize> {
        let paused = self.paused_reason().await?;
        if let Some(reason) = paused {
            report.paused = Some(reason);
            return Ok(0);
        }
        report.paused = None;
        let (instance, owner, lease) = (
            self.inner.instance.clone(),
            self.inner.opts.owner.clone(),
            self.inner.opts.lease(),
        );
        let scope = match mode {
            Mode::Until(ids) => Some(ids.to_vec()),
            _ => None,
        };
        let now = Timestamp::now();
        let runs = self
            .inner
            .store
            .call(move |s| {
                s.claim_runs_for(
                    &instance,
                    scope.as_deref(),
                    &owner,
                    now,
                    lease,
                    MAX_IN_FLIGHT,
                    1,
                )
            })
            .await?;
        let claimed: Vec<Delivery> = runs.into_iter().flatten().collect();
        let n = claimed.len();
        let mut tasks = JoinSet::new();
        for d in claimed {
            let inner = self.inner.clone();
            tasks.spawn(async move { run_one(&inner, d).await });
        }
        while let Some(joined) = tasks.join_next().await {
            let (id, outcome) = joined.map_err(|e| SyncError::Task(e.to_string()))??;
            match outcome {
                Done::Delivered { sent: true } => report.delivered.push(id),
                Done::Delivered { sent: false } => report.reconciled.push(id),
                Done::Retry => report.retried += 1,
                Done::Paused(reason) => report.paused = Some(reason),
                Done::Failed | Done::Dead | Done::LeaseLost => {}
            }
        }
        Ok(n)
    }

    async fn paused_reason(&self) -> Result<Option<String>> {
        let instance = self.inner.instance.clone();
        let paused = self.inner.store.call(|s| s.paused_instances()).await?;
        Ok(paused
            .into_iter()
            .find(|p| p.instance == instance)
            .map(|p| p.reason))
    }

    async fn next_due(&self) -> Result<Option<Timestamp>> {
        let instance = self.inner.instance.clone();
        self.inner
            .store
            .call(move |s| s.next_due_at_for(&instance))
            .await
    }

    /// Lists what is left in scope (the ids of `deliver`, else every row of the source).
    async fn fill_remaining(&self, mode: &Mode<'_>, report: &mut SourceReport) -> Result<()> {
        let instance = self.inner.instance.clone();
        let rows = self
            .inner
            .store
            .call(move |s| {
                s.outbox_list(&OutboxFilter {
                    instance: Some(instance),
                    states: vec![
                        DeliveryState::Pending,
                        DeliveryState::InFlight,
                        DeliveryState::Paused,
                        DeliveryState::Failed,
                        DeliveryState::Dead,
                    ],
                    ..OutboxFilter::default()
                })
            })
            .await?;
        let scope = match mode {
            Mode::Until(ids) => Some(*ids),
            _ => None,
        };
        for d in rows {
            if scope.is_some_and(|ids| !ids.contains(&d.id)) {
                continue;
            }
            let why = match d.state {
                DeliveryState::Paused => format!(
                    "source paused: {}",
                    report
                        .paused
                        .clone()
                        .unwrap_or_else(|| "see `snowlink outbox`".into())
                ),
                DeliveryState::InFlight => format!(
                    "in flight: lease held by {} until {}",
                    d.lease_owner.clone().unwrap_or_default(),
                    d.lease_until.map(|t| t.to_string()).unwrap_or_default()
                ),
                DeliveryState::Pending => match &d.last_error {
                    Some(e) => format!("retry at {}: {e}", d.next_attempt_at),
                    None => format!("queued (due {})", d.next_attempt_at),
                },
                _ => d.last_error.clone().unwrap_or_default(),
            };
            let item = SourcePending {
                id: d.id,
                anomaly_id: d.anomaly.as_ref().map(|k| k.id.clone()),
                kind: d.kind,
                state: d.state,
                why,
                next_attempt_at: (d.state == DeliveryState::Pending).then_some(d.next_attempt_at),
            };
            match d.state {
                DeliveryState::Failed => report.failed.push(item),
                DeliveryState::Dead => report.dead.push(item),
                _ => report.waiting.push(item),
            }
        }
        Ok(())
    }
}

enum Done {
    Delivered { sent: bool },
    Retry,
    Paused(String),
    Failed,
    Dead,
    LeaseLost,
}

/// One claimed delivery: attempt it under a lease kept alive, then record the outcome.
async fn run_one(inner: &Inner, d: Delivery) -> Result<(OutboxId, Done)> {
    let attempt = async {
        match &inner.client {
            SourceClient::Qualytics(c) => super::source_deliver::qualytics::deliver(c, &d).await,
            SourceClient::Alertmanager { client, ack_ttl } => {
                super::source_deliver::alertmanager::deliver(client, *ack_ttl, &inner.store, &d)
                    .await
            }
        }
    };
    let Some(result) = with_lease(inner, d.id, attempt).await else {
        tracing::warn!(
            id = d.id,
            "lease lost while delivering to the source; another worker reads it back"
        );
        return Ok((d.id, Done::LeaseLost));
    };
    let done = match record(inner, &d, result).await {
        Err(SyncError::Store(StoreError::LeaseLost { .. })) => Done::LeaseLost,
        other => other?,
    };
    Ok((d.id, done))
}

async fn with_lease<F: std::future::Future>(
    inner: &Inner,
    id: OutboxId,
    fut: F,
) -> Option<F::Output> {
    let lease = inner.opts.lease();
    let period = (lease / 3).max(Duration::from_millis(100));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return Some(out),
            _ = tick.tick() => {
                let owner = inner.opts.owner.clone();
                let until = Timestamp::now() + lease;
                match inner.store.call(move |s| s.extend_lease(id, &owner, until)).await {
                    Ok(()) => {}
                    Err(SyncError::Store(StoreError::LeaseLost { .. })) => return None,
                    Err(e) => tracing::warn!(id, error = %e, "could not extend the lease"),
                }
            }
        }
    }
}

async fn record(
    inner: &Inner,
    d: &Delivery,
    result: std::result::Result<SourceLanded, SourceFailure>,
) -> Result<Done> {
    let now = Timestamp::now();
    let (id, owner) = (d.id, inner.opts.owner.clone());
    let (done, outcome_text) = match result {
        Ok(landed) => {
            let change = landed.change.clone();
            inner
                .store
                .call(move |s| s.complete_source_delivery(id, &owner, &change, now))
                .await?;
            let text = if landed.sent {
                format!("ok: {}", landed.note)
            } else {
                format!("already present: {}", landed.note)
            };
            (Done::Delivered { sent: landed.sent }, text)
        }
        Err(f) => {
            let msg = f.message.clone();
            match f.verdict {
                Verdict::Retry {
                    after,
                    outcome_unknown,
                } => {
                    let after = after
                        .unwrap_or_else(|| inner.opts.backoff.delay(d.attempts, &mut rand::rng()))
                        .min(super::MAX_SERVER_WAIT);
                    let at = ts_add(now, after);
                    inner
                        .store
                        .call(move |s| s.mark_retry(id, &owner, at, &msg, outcome_unknown))
                        .await?;
                    (Done::Retry, format!("retry: {}", f.message))
                }
                Verdict::Pause => {
                    let instance = inner.instance.clone();
                    inner
                        .store
                        .call(move |s| {
                            s.pause_instance(&instance, &msg, now)?;
                            s.mark_retry(id, &owner, now, &msg, false)
                        })
                        .await?;
                    (
                        Done::Paused(f.message.clone()),
                        format!("paused: {}", f.message),
                    )
                }
                Verdict::Failed => {
                    inner
                        .store
                        .call(move |s| s.mark_failed(id, &owner, &msg))
                        .await?;
                    (Done::Failed, format!("failed: {}", f.message))
                }
                Verdict::Dead => {
                    inner
                        .store
                        .call(move |s| s.mark_dead(id, &owner, &msg))
                        .await?;
                    (Done::Dead, format!("dead: {}", f.message))
                }
            }
        }
    };
    let entry = NewAudit {
        at: now,
        instance: d.instance.clone(),
        table: d.table.clone(),
        sys_id: d.sys_id.clone(),
        number: None,
        action: d.kind.code().to_string(),
        summary: d
            .payload
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(120)
            .collect(),
        outcome: outcome_text,
        outbox_id: Some(d.id),
    };
    if let Err(e) = inner.store.call(move |s| s.record_audit(&entry)).await {
        tracing::warn!(id = d.id, error = %e, "could not write the audit entry");
    }
    Ok(done)
}
