//! The dashboard's background work: the ingester reading every source on its schedule, the
//! sync worker in `watch` mode (woken at once when an
//! action is queued, here or in another process, and on its own schedule for retries, probes of
//! a down instance and other processes' deliveries) and the periodic change poller (link
//! state and back-sync). The
//! worker's progress is broadcast so the backend can wait for a create without polling.

use crate::store::StoreLocation;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::SourceConfig;
use crate::ingest::Ingester;
use crate::ops::Session;
use crate::sync::{ChangePoller, SyncEvent, Worker, WorkerOptions};

use super::super::error::{CliError, CliResult};
use super::super::instances::OtherInstance;

/// How often the worker looks again without being woken (other processes on hosts without
/// wake-up sockets, clock-based retries are scheduled exactly anyway).
const SYNC_TICK: Duration = Duration::from_secs(5);

pub struct Background {
    stop: watch::Sender<bool>,
    /// Reads the configured sources on their schedules; `r` asks it for a read now.
    pub ingester: Ingester,
    tasks: Vec<JoinHandle<()>>,
    /// Wakes the worker (after the dashboard queued something).
    pub wake: Arc<Notify>,
    /// The worker's progress, for whoever waits on a delivery.
    pub events: broadcast::Sender<SyncEvent>,
}

pub async fn start(session: &Session, sources: Vec<SourceConfig>) -> CliResult<Background> {
    let client = session
        .client()
        .map_err(|e| CliError::other(e.to_string()))?
        .clone();
    let mut opts = WorkerOptions::for_profile(&session.profile, &session.user);
    opts.poll_interval = SYNC_TICK;
    let worker = Worker::new(
        &session.store,
        session.profile.name.clone(),
        client.clone(),
        opts,
    )
    .await
    .map_err(|e| CliError::other(format!("sync worker: {e}")))?;
    let poller = ChangePoller::new(&session.store, &session.profile, client)
        .await
        .map_err(|e| CliError::other(format!("change poller: {e}")))?;
    let poll_every = session.profile.poll_interval;
    let (stop, stopped) = watch::channel(false);
    let (events, _) = broadcast::channel(1024);
    let wake = worker.waker();
    let mut tasks = Vec::new();
    let (progress, mut progress_rx) = mpsc::unbounded_channel();
    let relay = events.clone();
    tasks.push(tokio::spawn(async move {
        while let Some(ev) = progress_rx.recv().await {
            // Nobody listening is fine: the store has the outcome anyway.
            let _ = relay.send(ev);
        }
    }));
    let shutdown = stopped.clone();
    tasks.push(tokio::spawn(async move {
        // Failures are recorded on the deliveries themselves and shown by the status bar;
        // `watch` reports its own errors as events and keeps going.
        if let Err(e) = worker.watch(shutdown, Some(progress)).await {
            tracing::warn!(error = %e, "sync worker stopped");
        }
    }));
    if let Some(every) = poll_every {
        // Change detection is the link refresh too: one read feeds both (docs/sync.md).
        tasks.push(tokio::spawn(crate::sync::poll_changes(
            poller, every, stopped,
        )));
    }
    let ingester = Ingester::new(&session.store, sources);
    // Nobody needs the outcomes one by one: health is in the store, writes are counted.
    let (source_events, _) = broadcast::channel(16);
    tasks.extend(ingester.watch(stop.subscribe(), source_events));
    Ok(Background {
        stop,
        ingester,
        tasks,
        wake,
        events,
    })
}

impl Background {
    /// Runs the write-back worker of every configured qualytics/alertmanager source in the
    /// background too (docs/sources.md §Write-back); they stop with the rest.
    pub async fn start_sources(
        &mut self,
        location: &StoreLocation,
        sources: Vec<crate::config::SourceConfig>,
    ) {
        let workers = super::super::source_wiring::source_workers(location, sources, true).await;
        let stop = self.stop.subscribe();
        self.tasks
            .extend(super::super::source_wiring::spawn_source_watchers(
                workers, &stop,
            ));
    }

    /// Connects to every other configured instance and runs its sync worker and change
    /// poller (docs/sync.md §Several instances), then the rule runner with every instance's
    /// client — all in the background, so credentials (a password command) never delay the
    /// first frame. `connected` receives the clients for the backend's reads. They stop with
    /// the rest.
    pub fn start_others_and_rules(&mut self, later: Later) {
        let (stop, written) = (self.stop.subscribe(), self.ingester.written());
        let events = self.events.clone();
        self.tasks.push(tokio::spawn(async move {
            let (others, problems) = super::super::instances::connect(later.profiles).await;
            for p in problems {
                tracing::warn!(problem = %p, "instance not started");
            }
            (later.connected)(&others);
            for r in &others {
                start_other(&later.location, r, &stop, &events).await;
            }
            let runner = super::super::rules_cmd::runner_from(
                &later.location,
                later.rules,
                &later.profile,
                later.client,
                &others,
            )
            .await;
            match runner {
                Ok(Some(runner)) => runner.watch(Some(written), stop).await,
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "rules not started"),
            }
        }));
    }

    /// Stops the worker and the poller; a delivery in flight is abandoned and reconciled by
    /// the next run (its owner lock goes with this process, so that is at once).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.abort();
            let _ = t.await;
        }
    }
}

/// What [`Background::start_others_and_rules`] needs, computed before the first frame.
pub struct Later {
    pub location: StoreLocation,
    pub profiles: Vec<Result<(crate::config::Profile, String), String>>,
    pub profile: crate::config::Profile,
    pub client: Option<servicenow_client::Client>,
    /// The compiled rules (empty: none run).
    pub rules: crate::rules::RuleSet,
    /// Called once the other instances are connected.
    pub connected: Connected,
}

/// What hears of the other instances once they are connected (the backend, for its reads).
pub type Connected = Box<dyn FnOnce(&[OtherInstance]) + Send>;

/// One other instance's worker and change poller; they end when `stop` says so. The worker's
/// progress goes to the same `events` as the selected instance's, so a create the form queued
/// for this instance is awaited like any other.
async fn start_other(
    location: &StoreLocation,
    r: &OtherInstance,
    stop: &watch::Receiver<bool>,
    events: &broadcast::Sender<SyncEvent>,
) {
    match r.worker(location, |o| o.poll_interval = SYNC_TICK).await {
        Ok(worker) => {
            let shutdown = stop.clone();
            let (progress, mut progress_rx) = mpsc::unbounded_channel();
            let relay = events.clone();
            tokio::spawn(async move {
                while let Some(ev) = progress_rx.recv().await {
                    let _ = relay.send(ev);
                }
            });
            tokio::spawn(async move {
                if let Err(e) = worker.watch(shutdown, Some(progress)).await {
                    tracing::warn!(error = %e, "sync worker stopped");
                }
            });
        }
        Err(e) => {
            tracing::warn!(instance = %r.profile.name, error = %e, "sync worker not started");
        }
    }
    match (r.profile.poll_interval, r.poller(location).await) {
        (None, _) => {}
        (Some(every), Ok(p)) => {
            tokio::spawn(crate::sync::poll_changes(p, every, stop.clone()));
        }
        (_, Err(e)) => tracing::warn!(error = %e, "change poller not started"),
    }
}
