//! The ingester: feeds every configured source into the store, incrementally, so the store is
//! the one always-warm place commands and the dashboard read (docs/sources.md). Each source is
//! read on its own schedule by its own task — a slow or failing source never holds up another —
//! with backoff on failures, and its health (last success, last error with its cause and fix,
//! next poll) is recorded in the store. Only what changed is written.
//!
//! File reads and store writes block, so they run on blocking threads; HTTP polls are async.

mod alertmanager;
mod error;
mod file;
mod poll;
mod qualytics;

use crate::store::StoreLocation;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use tokio::sync::{Mutex, broadcast, watch};
use tokio::task::JoinHandle;

use crate::config::{SourceConfig, SourceKind};
use crate::store::{RawForm, SourceBatch, UpsertReport};

pub use error::IngestError;
pub use file::{BATCH_BYTES, FileCursor};
pub use poll::{MAX_BACKOFF, backoff};

use alertmanager::AlertmanagerDriver;
use qualytics::QualyticsDriver;

/// What one read of one source did (a success).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceRead {
    #[serde(flatten)]
    pub upsert: UpsertReport,
    /// One line per skipped record: `line 7: field "severity": …`.
    pub problems: Vec<String>,
    /// HTTP requests sent (API sources).
    pub requests: u32,
    /// Bytes parsed (file sources).
    pub bytes_read: u64,
}

/// The outcome of reading one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceOutcome {
    pub source: String,
    pub kind: &'static str,
    /// Where a file source reads from, or the API's URL.
    pub location: String,
    #[serde(flatten)]
    pub read: Option<SourceRead>,
    /// The cause and its fix, when the read failed (the store keeps what it had).
    pub error: Option<String>,
    /// When this source is read next (watch mode).
    pub next_poll_at: Timestamp,
}

impl SourceOutcome {
    /// Rows the read wrote (new or changed).
    pub fn changed(&self) -> usize {
        self.read.as_ref().map_or(0, |r| r.upsert.changed())
    }
}

/// One source with its (lazily built) client, shared by its task and on-demand refreshes so
/// the two never read the same source at once.
struct Slot {
    config: SourceConfig,
    driver: Mutex<Option<Driver>>,
}

enum Driver {
    File,
    Qualytics(QualyticsDriver),
    Alertmanager(AlertmanagerDriver),
}

/// Reads sources into one store.
#[derive(Clone)]
pub struct Ingester {
    location: StoreLocation,
    slots: Arc<Vec<Arc<Slot>>>,
    /// Counts the committed pieces that wrote rows: a reader waiting on it (the dashboard) sees
    /// a big first read fill in piece by piece, and never misses one (a counter, not events).
    written: Arc<watch::Sender<u64>>,
}

impl Ingester {
    pub fn new(location: &StoreLocation, sources: Vec<SourceConfig>) -> Ingester {
        let slots = sources
            .into_iter()
            .map(|config| {
                Arc::new(Slot {
                    config,
                    driver: Mutex::new(None),
                })
            })
            .collect();
        Ingester {
            location: location.clone(),
            slots: Arc::new(slots),
            written: Arc::new(watch::Sender::new(0)),
        }
    }

    /// Changes each time a read commits rows (a piece of a file, a poll of an API source).
    /// Counts a write made elsewhere (another engineer's process on a shared store), so what
    /// waits on [`Ingester::written`] refreshes as for a source read.
    pub fn note_write_elsewhere(&self) {
        self.written.send_modify(|n| *n += 1);
    }

    pub fn written(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Reads every source once, all at once; one outcome per source, in config order.
    pub async fn run_once(&self) -> Vec<SourceOutcome> {
        let tasks: Vec<_> = self
            .slots
            .iter()
            .map(|slot| {
                let (me, slot) = (self.clone(), slot.clone());
                tokio::spawn(async move { me.read(&slot).await })
            })
            .collect();
        let mut out = Vec::with_capacity(tasks.len());
        for (t, slot) in tasks.into_iter().zip(self.slots.iter()) {
            out.push(match t.await {
                Ok(o) => o,
                Err(e) => failed(&slot.config, format!("internal: the read stopped ({e})")),
            });
        }
        out
    }

    /// Reads only the named sources once (those with no recorded state, for a first use).
    pub async fn run_sources(&self, names: &[String]) -> Vec<SourceOutcome> {
        let picked = Ingester {
            written: self.written.clone(),
            location: self.location.clone(),
            slots: Arc::new(
                self.slots
                    .iter()
                    .filter(|s| names.contains(&s.config.name))
                    .cloned()
                    .collect(),
            ),
        };
        picked.run_once().await
    }

    /// Reads each source on its own schedule until `shutdown` turns true; each outcome is sent
    /// on `events` (nobody listening is fine).
    pub fn watch(
        &self,
        shutdown: watch::Receiver<bool>,
        events: broadcast::Sender<SourceOutcome>,
    ) -> Vec<JoinHandle<()>> {
        self.slots
            .iter()
            .map(|slot| {
                let (me, slot, events) = (self.clone(), slot.clone(), events.clone());
                let mut shutdown = shutdown.clone();
                tokio::spawn(async move {
                    loop {
                        let outcome = me.read(&slot).await;
                        let wait = outcome
                            .next_poll_at
                            .duration_since(Timestamp::now())
                            .try_into()
                            .unwrap_or(Duration::ZERO);
                        let _ = events.send(outcome);
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            r = shutdown.changed() => if r.is_err() || *shutdown.borrow() { break },
                        }
                    }
                })
            })
            .collect()
    }

    /// Reads one source and records the outcome (data and cursor, or the failure) in the store.
    async fn read(&self, slot: &Slot) -> SourceOutcome {
        let mut driver = slot.driver.lock().await;
        let src = &slot.config;
        let period = src.poll_every();
        let result = self.read_locked(src, &mut driver, period).await;
        match result {
            Ok((read, next)) => SourceOutcome {
                source: src.name.clone(),
                kind: src.kind.as_str(),
                location: location(src),
                read: Some(read),
                error: None,
                next_poll_at: next,
            },
            Err(e) => {
                if !e.transient() {
                    // Rebuilt next time: the user may have fixed the settings, or the token
                    // command may print a rotated token (a 401 is not transient).
                    *driver = None;
                }
                let message = e.to_string();
                let (path, name, kind) = (self.location.clone(), src.name.clone(), src.kind);
                let msg = message.clone();
                let recorded = blocking(move || {
                    let mut store = path.open()?;
                    let failures = store
                        .source_state(&name)?
                        .map_or(0, |s| s.failures)
                        .saturating_add(1);
                    let next = after(backoff(period, failures, &e));
                    store.record_source_failure(
                        &name,
                        kind.as_str(),
                        &msg,
                        next,
                        Timestamp::now(),
                    )?;
                    Ok(next)
                })
                .await;
                let next = recorded.unwrap_or_else(|_| after(period));
                SourceOutcome {
                    source: src.name.clone(),
                    kind: src.kind.as_str(),
                    location: location(src),
                    read: None,
                    error: Some(message),
                    next_poll_at: next,
                }
            }
        }
    }

    async fn read_locked(
        &self,
        src: &SourceConfig,
        driver: &mut Option<Driver>,
        period: Duration,
    ) -> Result<(SourceRead, Timestamp), IngestError> {
        if driver.is_none() {
            let owned = src.clone();
            *driver = Some(
                tokio::task::spawn_blocking(move || build_driver(&owned))
                    .await
                    .map_err(|e| IngestError::Internal(e.to_string()))??,
            );
        }
        let next = after(period);
        let path = self.location.clone();
        let Some(d) = driver.as_ref() else {
            return Err(IngestError::Internal("no driver".into()));
        };
        match d {
            Driver::File => {
                let src = src.clone();
                let written = self.written.clone();
                let read = blocking(move || {
                    let mut store = path.open()?;
                    // A first read of a big file writes 100k rows into several B-trees: keep
                    // their pages in memory for this connection (freed when it closes).
                    store.set_cache_kib(16 * 1024)?;
                    file::read_file_source(&mut store, &src, next, &|| {
                        written.send_modify(|n| *n += 1);
                    })
                })
                .await?;
                Ok((
                    SourceRead {
                        upsert: read.report,
                        problems: read.problems.iter().map(|p| p.to_string()).collect(),
                        requests: 0,
                        bytes_read: read.bytes_read,
                    },
                    next,
                ))
            }
            Driver::Qualytics(q) => {
                let (name, p) = (src.name.clone(), path.clone());
                let cursor = blocking(move || Ok(p.open()?.source_state(&name)?))
                    .await?
                    .and_then(|s| s.cursor);
                let polled = q.poll(cursor.as_deref()).await?;
                self.apply(src, polled, next).await
            }
            Driver::Alertmanager(am) => {
                let (name, p) = (src.name.clone(), path.clone());
                let open = blocking(move || Ok(p.open()?.open_source_ids(&name)?)).await?;
                let polled = am.poll(&open).await?;
                self.apply(src, polled, next).await
            }
        }
    }

    /// Stores an API poll: anomalies, resolutions, cursor and health in one transaction.
    async fn apply(
        &self,
        src: &SourceConfig,
        polled: poll::Polled,
        next: Timestamp,
    ) -> Result<(SourceRead, Timestamp), IngestError> {
        let path = self.location.clone();
        let (name, kind) = (src.name.clone(), src.kind.as_str());
        let requests = polled.result.requests;
        let problems = polled.result.problems;
        let written = self.written.clone();
        let upsert = blocking(move || {
            let mut store = path.open()?;
            let cursor = (!polled.cursor.is_empty()).then_some(polled.cursor.as_str());
            Ok(store.apply_source_batch(
                &SourceBatch {
                    source: &name,
                    kind,
                    anomalies: &polled.result.anomalies,
                    form: RawForm::Payload,
                    resolved: &polled.result.resolved,
                    cursor,
                    capabilities: &polled.capabilities,
                    problems,
                    last: true,
                    next_poll_at: Some(next),
                },
                Timestamp::now(),
            )?)
        })
        .await?;
        if upsert.changed() > 0 {
            written.send_modify(|n| *n += 1);
        }
        Ok((
            SourceRead {
                upsert,
                problems: if problems > 0 {
                    vec![format!("{problems} malformed records skipped")]
                } else {
                    Vec::new()
                },
                requests,
                bytes_read: 0,
            },
            next,
        ))
    }
}

fn build_driver(src: &SourceConfig) -> Result<Driver, IngestError> {
    Ok(match src.kind {
        SourceKind::File => Driver::File,
        SourceKind::Qualytics => Driver::Qualytics(QualyticsDriver::new(src)?),
        SourceKind::Alertmanager => Driver::Alertmanager(AlertmanagerDriver::new(src)?),
    })
}

fn location(src: &SourceConfig) -> String {
    match src.kind {
        SourceKind::File => src.path.display().to_string(),
        _ => src.url.clone().unwrap_or_default(),
    }
}

fn failed(src: &SourceConfig, error: String) -> SourceOutcome {
    SourceOutcome {
        source: src.name.clone(),
        kind: src.kind.as_str(),
        location: location(src),
        read: None,
        error: Some(error),
        next_poll_at: after(src.poll_every()),
    }
}

fn after(d: Duration) -> Timestamp {
    let now = Timestamp::now();
    jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| now.checked_add(d).ok())
        .unwrap_or(now)
}

/// Runs blocking store or file work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, IngestError> + Send + 'static,
) -> Result<T, IngestError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| IngestError::Internal(format!("a blocking task stopped: {e}")))?
}
