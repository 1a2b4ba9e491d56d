//! The dashboard's background work: the sync worker (woken when an action is queued, and on a
//! timer for retries and other processes' deliveries) and the periodic link-state poller.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::ops::Session;
use crate::sync::{LinkPoller, Worker, WorkerOptions};

use super::super::error::{CliError, CliResult};

/// How often the worker looks again without being woken (retries, other processes' items).
const SYNC_TICK: Duration = Duration::from_secs(5);
/// While the instance is paused (401/403), each run starts with one probe request: probe rarely,
/// so bad credentials are not retried every few seconds (an account could get locked). A user
/// action still wakes the worker at once.
const PAUSED_TICK: Duration = Duration::from_secs(120);

pub struct Background {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

pub fn start(session: &Session, wake: Arc<Notify>) -> CliResult<Background> {
    let client = session
        .client()
        .map_err(|e| CliError::other(e.to_string()))?
        .clone();
    let opts = WorkerOptions::for_profile(&session.profile, &session.user);
    let worker = Worker::new(
        &session.store_path,
        session.profile.name.clone(),
        client.clone(),
        opts,
    )
    .map_err(|e| CliError::other(format!("sync worker: {e}")))?;
    let poller = LinkPoller::new(&session.store_path, session.profile.name.clone(), client)
        .map_err(|e| CliError::other(format!("link poller: {e}")))?;
    let poll_every = session.profile.poll_interval;
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    let mut rx = stopped.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            // Failures are recorded on the deliveries themselves and shown by the status bar.
            let next = match worker.run_once().await {
                Ok(report) if report.paused.is_some() => PAUSED_TICK,
                Ok(_) => SYNC_TICK,
                Err(e) => {
                    tracing::warn!(error = %e, "sync run failed");
                    SYNC_TICK
                }
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(next) => {}
                _ = rx.changed() => break,
            }
        }
    }));
    if let Some(every) = poll_every {
        let mut rx = stopped;
        tasks.push(tokio::spawn(async move {
            loop {
                if let Err(e) = poller.refresh().await {
                    tracing::warn!(error = %e, "link refresh failed");
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = rx.changed() => break,
                }
            }
        }));
    }
    Ok(Background { stop, tasks })
}

impl Background {
    /// Stops both loops; a delivery in flight is abandoned and reconciled by the next run.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.abort();
            let _ = t.await;
        }
    }
}
