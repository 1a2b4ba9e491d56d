//! Where the CLI runs the source write-back workers (docs/sources.md §Write-back): right after
//! `ack`/`archive`/`comment` (bounded by a deadline; what fails stays queued), in `sync --once` /
//! `--watch`, and in the dashboard's background. Kept apart from the ServiceNow wiring so the
//! ingester can be added next to it.

use crate::store::StoreLocation;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{ProcessEnv, SourceConfig, SourceKind};
use crate::store::{OutboxId, source_of_instance};
use crate::sync::{SourceReport, SourceWorker};

use super::exit::Exit;
use super::output::{errln, outln};

/// How long a command waits for its source deliveries before leaving them queued.
const DEADLINE: Duration = Duration::from_secs(20);

/// What happened to the source deliveries a command queued.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SourceDelivered {
    pub queued: usize,
    pub delivered: usize,
    /// Still in the outbox, with why; `snowlink sync` delivers the waiting ones.
    pub pending: Vec<super::deliver::PendingItem>,
}

impl SourceDelivered {
    pub fn exit(&self) -> Exit {
        super::deliver::exit_for_pending(&self.pending)
    }

    pub fn print_human(&self) {
        super::deliver::print_report(
            self.queued,
            self.delivered,
            &self.pending,
            super::deliver::Target::Source,
        );
    }
}

/// The configured sources that take write-backs (qualytics, alertmanager).
fn writeback_sources(sources: Vec<SourceConfig>) -> Vec<SourceConfig> {
    sources
        .into_iter()
        .filter(|s| s.kind != SourceKind::File)
        .collect()
}

/// A worker per configured qualytics/alertmanager source. A source that cannot start (a
/// missing token) is reported (on stderr, or only in the log when `quiet`: the dashboard owns
/// the terminal) and skipped: its deliveries stay queued.
pub async fn source_workers(
    location: &StoreLocation,
    sources: Vec<SourceConfig>,
    quiet: bool,
) -> Vec<SourceWorker> {
    let warn = |m: String| {
        tracing::warn!("{m}");
        if !quiet {
            errln!("snowlink: warning: {m}");
        }
    };
    let mut workers = Vec::new();
    for cfg in writeback_sources(sources) {
        let name = cfg.name.clone();
        // Secrets may come from a command: off the async workers.
        let client = tokio::task::spawn_blocking(move || {
            crate::sync::client_for_source(&cfg, &ProcessEnv).map(|c| (c, cfg))
        })
        .await;
        let (client, cfg) = match client {
            Ok(Ok((Some(c), cfg))) => (c, cfg),
            Ok(Ok((None, _))) => continue,
            Ok(Err(e)) => {
                warn(format!("{e}; its write-backs stay queued"));
                continue;
            }
            Err(e) => {
                warn(format!("source {name}: {e}"));
                continue;
            }
        };
        let opts = crate::sync::SourceWorkerOptions::new(Duration::from_secs(cfg.timeout_secs));
        match SourceWorker::new(location, &cfg.name, client, opts).await {
            Ok(w) => workers.push(w),
            Err(e) => warn(format!("source {name}: {e}; its write-backs stay queued")),
        }
    }
    workers
}

/// Delivers the source rows `ids` a command queued, each through its source's worker, before
/// the command returns (at most [`DEADLINE`]).
pub async fn deliver_sources(
    location: &StoreLocation,
    sources: Vec<SourceConfig>,
    ids: &[OutboxId],
) -> SourceDelivered {
    let mut out = SourceDelivered {
        queued: ids.len(),
        ..SourceDelivered::default()
    };
    if ids.is_empty() {
        return out;
    }
    let by_source = match group_by_source(location, ids).await {
        Ok(g) => g,
        Err(e) => {
            out.pending = ids
                .iter()
                .map(|id| pending(*id, "queued", format!("not attempted: {e}")))
                .collect();
            return out;
        }
    };
    let deadline = Instant::now() + DEADLINE;
    let names: Vec<String> = by_source.iter().map(|(n, _)| n.clone()).collect();
    let wanted: Vec<SourceConfig> = sources
        .into_iter()
        .filter(|s| names.contains(&s.name))
        .collect();
    let workers = source_workers(location, wanted, false).await;
    for (name, ids) in by_source {
        let Some(worker) = workers.iter().find(|w| w.source() == name) else {
            for id in ids {
                out.pending.push(pending(
                    id,
                    "queued",
                    format!("source {name} is not configured for write-back here (a [[sources]] entry of kind qualytics or alertmanager); it stays queued"),
                ));
            }
            continue;
        };
        match worker.deliver(&ids, deadline).await {
            Ok(report) => absorb(&mut out, &ids, &report),
            Err(e) => {
                for id in ids {
                    out.pending
                        .push(pending(id, "queued", format!("not attempted: {e}")));
                }
            }
        }
    }
    out
}

fn absorb(out: &mut SourceDelivered, ids: &[OutboxId], report: &SourceReport) {
    out.delivered += ids.iter().filter(|id| report.settled(**id)).count();
    for (list, label) in [
        (&report.waiting, "waiting"),
        (&report.failed, "failed"),
        (&report.dead, "dead"),
    ] {
        for p in list.iter().filter(|p| ids.contains(&p.id)) {
            out.pending.push(pending(p.id, label, p.why.clone()));
        }
    }
}

fn pending(id: OutboxId, state: &str, reason: String) -> super::deliver::PendingItem {
    super::deliver::PendingItem {
        id,
        state: state.to_string(),
        reason: Some(reason),
    }
}

async fn group_by_source(
    location: &StoreLocation,
    ids: &[OutboxId],
) -> Result<Vec<(String, Vec<OutboxId>)>, String> {
    let (path, ids) = (location.to_owned(), ids.to_vec());
    tokio::task::spawn_blocking(move || {
        let store = path.open().map_err(|e| e.to_string())?;
        let mut groups: Vec<(String, Vec<OutboxId>)> = Vec::new();
        for id in ids {
            let Some(d) = store.outbox_get(id).map_err(|e| e.to_string())? else {
                continue;
            };
            let Some(name) = source_of_instance(&d.instance) else {
                continue;
            };
            match groups.iter_mut().find(|(n, _)| n == name) {
                Some((_, list)) => list.push(id),
                None => groups.push((name.to_owned(), vec![id])),
            }
        }
        Ok(groups)
    })
    .await
    .map_err(|e| e.to_string())?
}

/// `sync --once`: every source worker's run, in parallel, bounded by `deadline`.
pub async fn run_sources_once(workers: &[SourceWorker], deadline: Instant) -> Vec<SourceReport> {
    let runs = workers.iter().map(|w| async move {
        match w.run_once(deadline).await {
            Ok(r) => r,
            Err(e) => {
                errln!("snowlink: warning: source {}: {e}", w.source());
                SourceReport {
                    source: w.source().to_owned(),
                    ..SourceReport::default()
                }
            }
        }
    });
    futures::future::join_all(runs).await
}

/// `sync --watch` and the dashboard: each source worker watches until `stop` turns true.
pub fn spawn_source_watchers(
    workers: Vec<SourceWorker>,
    stop: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    workers
        .into_iter()
        .map(|w| {
            let stop = stop.clone();
            tokio::spawn(async move {
                if let Err(e) = w.watch(stop).await {
                    tracing::warn!(source = %w.source(), error = %e, "source worker stopped");
                }
            })
        })
        .collect()
}

/// Human lines for `sync --once`.
pub fn print_source_report(r: &SourceReport) {
    outln!(
        "source {}: written back {}, already there {}, retried {}, silences renewed {}",
        r.source,
        r.delivered.len(),
        r.reconciled.len(),
        r.retried,
        r.renewal.renewed.len()
    );
    if let Some(p) = &r.paused {
        outln!("  PAUSED: {p}");
        outln!("  fix the cause, then `snowlink outbox retry --all`");
    }
    for e in &r.renewal.errors {
        outln!("  renewal: {e}");
    }
    for (name, items) in [
        ("waiting", &r.waiting),
        ("failed", &r.failed),
        ("dead", &r.dead),
    ] {
        for p in items.iter() {
            outln!(
                "  {name} #{} {} {}: {}",
                p.id,
                p.anomaly_id.as_deref().unwrap_or("?"),
                p.kind.code(),
                p.why
            );
        }
    }
}

/// The exit code source reports add to `sync --once`'s: pending → 6, paused → 3, only
/// failed/dead → 1.
pub fn sources_exit(reports: &[SourceReport]) -> Exit {
    if reports.iter().any(|r| r.paused.is_some()) {
        Exit::AuthOrPermission
    } else if reports.iter().any(|r| !r.waiting.is_empty()) {
        Exit::Pending
    } else if reports
        .iter()
        .any(|r| !r.failed.is_empty() || !r.dead.is_empty())
    {
        Exit::Error
    } else {
        Exit::Ok
    }
}

/// The worse of two exit codes (0 < 1 < 6 < 4 < 3 in how much it asks of the user).
pub fn worse(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Ok => 0,
        Exit::Error => 1,
        Exit::Pending => 2,
        Exit::Unreachable => 3,
        Exit::AuthOrPermission => 4,
        Exit::NotFound => 1,
        Exit::UsageOrConfig => 5,
    };
    if rank(b) > rank(a) { b } else { a }
}
