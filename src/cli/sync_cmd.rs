//! `snowlink sync [--once|--watch]`: deliver the outbox of the selected instance.
//! Exit codes (DESIGN §CLI contract): 0 all delivered; 3 paused for auth/permission; 4 paused
//! because the instance is not a usable ServiceNow API (TLS, SSO redirect, login page); 6
//! deliveries still pending (waiting, rate limited, unreachable for now, read-only); 1 when
//! only failed (404) or dead (400) deliveries remain.

use std::time::Duration;

use jiff::Timestamp;
use tokio::sync::{mpsc, watch};

use crate::config::{ProcessEnv, Profile};
use crate::store::StoreError;
use crate::sync::{
    ChangePoller, PauseCause, SyncError, SyncEvent, SyncReport, Worker, WorkerOptions,
};

use super::args::SyncArgs;
use super::context::{Globals, client_for};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::instances::other_instances;
use super::output::{self, errln, outln};
use super::source_wiring::{
    print_source_report, run_sources_once, source_workers, sources_exit, spawn_source_watchers,
    worse,
};
use super::sync_report::{cause_name, print_report};

pub async fn run(args: SyncArgs, globals: &Globals) -> CliResult<Exit> {
    let (_paths, config, location) = globals.load_store().await?;
    let profile = globals.profile(&config)?;
    let client = client_for(&profile).await?;
    let mut opts = WorkerOptions::for_profile(&profile, &config.user(&ProcessEnv, &profile));
    if let Some(secs) = args.deadline {
        opts.once_deadline = Duration::from_secs(secs);
    }
    let once_deadline = opts.once_deadline;
    let worker = Worker::new(&location, profile.name.clone(), client.clone(), opts)
        .await
        .map_err(sync_error)?;
    let sources = source_workers(&location, config.sources(&ProcessEnv), false).await;
    let (others, problems) = other_instances(&config, &profile.name).await;
    for p in &problems {
        errln!("snowlink: warning: {p}");
    }
    let rules =
        super::rules_cmd::runner_for(&location, &config, &profile, Some(client.clone()), &others)
            .await?;
    let poller = ChangePoller::new(&location, &profile, client.clone())
        .await
        .map_err(sync_error)?;
    // Every other configured instance delivers through its own worker and reads its own
    // changes (docs/sync.md §Several instances).
    let mut other_workers = Vec::new();
    for r in &others {
        let w = r
            .worker(&location, |o| o.once_deadline = once_deadline)
            .await
            .map_err(sync_error)?;
        let poller = r.poller(&location).await.map_err(sync_error)?;
        other_workers.push((w, poller, r.profile.poll_interval, r.profile.name.clone()));
    }
    if args.watch {
        let ingester = crate::ingest::Ingester::new(&location, config.sources(&ProcessEnv));
        return watch_until_signal(
            &worker,
            poller,
            other_workers,
            sources,
            ingester,
            rules,
            &profile,
            globals.json,
        )
        .await;
    }
    let mut other_changes = Vec::new();
    for (_, p, ..) in &other_workers {
        other_changes.push(p.pass().await.map_err(sync_error)?);
    }
    let other_workers: Vec<Worker> = other_workers.into_iter().map(|(w, ..)| w).collect();
    let deadline = std::time::Instant::now() + once_deadline;
    let mut rules_reports = Vec::new();
    if let Some(runner) = &rules {
        // Rules decide from the store: read the sources once first, so what they hold now is
        // decided and delivered by this one run.
        let ingester = crate::ingest::Ingester::new(&location, config.sources(&ProcessEnv));
        ingester.run_once().await;
        rules_reports.extend(super::rules_cmd::pass(runner).await);
    }
    // One change pass first, so what it applies (source write-backs) is delivered by this run.
    let changes = poller.pass().await.map_err(sync_error)?;
    let (report, source_reports, other_reports) = tokio::join!(
        worker.run_once(),
        run_sources_once(&sources, deadline),
        futures::future::join_all(other_workers.iter().map(|w| w.run_once()))
    );
    let mut report = report.map_err(sync_error)?;
    let mut other_reports = other_reports
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(sync_error)?;
    if let Some(runner) = &rules {
        // Creates have landed: due notes can be queued for them now; deliver those too.
        if let Some(r) = super::rules_cmd::pass(runner).await {
            if r.notes > 0 {
                report = worker.run_once().await.map_err(sync_error)?;
                for (w, rep) in other_workers.iter().zip(other_reports.iter_mut()) {
                    *rep = w.run_once().await.map_err(sync_error)?;
                }
            }
            rules_reports.push(r);
        }
    }
    if !globals.json {
        for r in &rules_reports {
            if !r.decisions.is_empty() || r.notes > 0 {
                outln!(
                    "rules: evaluated {}, decisions {:?}, notes {}",
                    r.evaluated,
                    r.decisions,
                    r.notes
                );
            }
            for e in &r.errors {
                outln!("rules: waiting: {e}");
            }
        }
    }
    if globals.json {
        // The ServiceNow report's fields as before, plus the change pass, the source
        // write-backs and the reports of the other configured instances.
        let mut v = serde_json::to_value(&report)
            .map_err(|e| CliError::other(format!("cannot encode the report: {e}")))?;
        if let Some(map) = v.as_object_mut() {
            map.insert(
                "changes".into(),
                serde_json::to_value(&changes).unwrap_or_default(),
            );
            if !other_reports.is_empty() {
                // Each other instance's report with its own change pass, as at the top level.
                let others: Vec<serde_json::Value> = other_reports
                    .iter()
                    .zip(&other_changes)
                    .map(|(r, c)| {
                        let mut v = serde_json::to_value(r).unwrap_or_default();
                        if let Some(m) = v.as_object_mut() {
                            m.insert(
                                "changes".into(),
                                serde_json::to_value(c).unwrap_or_default(),
                            );
                        }
                        v
                    })
                    .collect();
                map.insert("instances".into(), serde_json::Value::Array(others));
            }
            if !source_reports.is_empty() {
                map.insert(
                    "sources".into(),
                    serde_json::to_value(&source_reports).unwrap_or_default(),
                );
            }
        }
        output::json(&v);
    } else {
        super::sync_changes::print_changes(&changes);
        for c in &other_changes {
            super::sync_changes::print_changes(c);
        }
        print_report(&report);
        for r in &other_reports {
            print_report(r);
        }
        for r in &source_reports {
            print_source_report(r);
        }
    }
    let exit = other_reports
        .iter()
        .fold(exit_for(&report), |e, r| worse(e, exit_for(r)));
    Ok(worse(exit, sources_exit(&source_reports)))
}

/// The exit code a report stands for (also right for `ack`/`comment`/`ticket create`).
pub fn exit_for(report: &SyncReport) -> Exit {
    match &report.paused {
        Some(p) if matches!(p.cause, PauseCause::Auth | PauseCause::Permission) => {
            Exit::AuthOrPermission
        }
        Some(_) => Exit::Unreachable,
        None if !report.waiting.is_empty() => Exit::Pending,
        None if !report.failed.is_empty() || !report.dead.is_empty() => Exit::Error,
        None => Exit::Ok,
    }
}

/// Maps worker/store failures to the CLI's exit codes.
pub fn sync_error(e: SyncError) -> CliError {
    match e {
        SyncError::Store(s) => store_error(s),
        other => CliError::other(other.to_string()),
    }
}

pub(super) fn store_error(e: StoreError) -> CliError {
    match e {
        StoreError::DeliveryNotFound(_) | StoreError::AnomalyNotFound(_) => {
            CliError::not_found(e.to_string())
        }
        StoreError::SchemaTooNew { .. } => CliError::usage(e.to_string()),
        other => CliError::other(other.to_string()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn watch_until_signal(
    worker: &Worker,
    poller: ChangePoller,
    others: Vec<(Worker, ChangePoller, Option<Duration>, String)>,
    sources: Vec<crate::sync::SourceWorker>,
    ingester: crate::ingest::Ingester,
    rules: Option<crate::rules::engine::Runner>,
    profile: &Profile,
    json: bool,
) -> CliResult<Exit> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let rules_task = rules.map(|runner| {
        let (written, stop) = (ingester.written(), stop_rx.clone());
        tokio::spawn(async move { runner.watch(Some(written), stop).await })
    });
    let source_tasks = spawn_source_watchers(sources, &stop_rx);
    let signals = tokio::spawn(async move {
        wait_for_signal().await;
        let _ = stop_tx.send(true);
    });
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let printer = tokio::spawn(print_events(events_rx, json, !others.is_empty()));
    let links = profile
        .poll_interval
        .map(|every| tokio::spawn(crate::sync::poll_changes(poller, every, stop_rx.clone())));
    let ingest_tasks = ingest_in_background(&ingester, stop_rx.clone(), json);
    let (mut other_workers, mut other_pollers) = (Vec::new(), Vec::new());
    for (w, p, every, name) in others {
        let (stop, events) = (stop_rx.clone(), tagged(name, &events_tx));
        if let Some(every) = every {
            other_pollers.push(tokio::spawn(crate::sync::poll_changes(
                p,
                every,
                stop_rx.clone(),
            )));
        }
        other_workers.push(tokio::spawn(async move {
            if let Err(e) = w.watch(stop, Some(events)).await {
                tracing::warn!(error = %e, "sync worker stopped");
            }
        }));
    }
    let mine = tagged(profile.name.clone(), &events_tx);
    drop(events_tx);
    let report = worker.watch(stop_rx, Some(mine)).await;
    signals.abort();
    if let Some(t) = links {
        t.abort();
    }
    for t in other_pollers {
        t.abort();
    }
    for t in other_workers {
        // They saw the stop: a delivery in flight finishes first.
        let _ = t.await;
    }
    if let Some(t) = rules_task {
        // It saw the stop: a batch being recorded commits (or not) as one transaction.
        let _ = t.await;
    }
    for t in ingest_tasks {
        t.abort();
    }
    for t in source_tasks {
        // They saw the stop too: running write-backs finish first.
        let _ = t.await;
    }
    let _ = printer.await;
    let report = report.map_err(sync_error)?;
    if json {
        outln!(
            "{}",
            serde_json::json!({"event": "stopped", "report": report})
        );
    } else {
        errln!("stopped");
        print_report(&report);
    }
    Ok(Exit::Ok)
}

/// Reads every configured source on its own schedule (docs/sources.md); each read that changed
/// something, and each failure, is one line on stderr (one JSON event per line with `--json`).
fn ingest_in_background(
    ingester: &crate::ingest::Ingester,
    stop: watch::Receiver<bool>,
    json: bool,
) -> Vec<tokio::task::JoinHandle<()>> {
    if ingester.is_empty() {
        return Vec::new();
    }
    let (tx, mut rx) = tokio::sync::broadcast::channel(256);
    let mut tasks = ingester.watch(stop, tx);
    tasks.push(tokio::spawn(async move {
        while let Ok(o) = rx.recv().await {
            if o.error.is_none() && o.changed() == 0 {
                continue;
            }
            if json {
                outln!("{}", serde_json::json!({"event": "source", "outcome": o}));
            } else if let Some(e) = &o.error {
                errln!("source {}: failed: {e}", o.source);
            } else {
                errln!("source {}: {} new or changed", o.source, o.changed());
            }
        }
    }));
    tasks
}

/// Ctrl-C or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A sender for one instance's worker whose events reach the printer tagged with the
/// instance (the forwarder ends when the worker drops its sender).
fn tagged(
    instance: String,
    out: &mpsc::UnboundedSender<(String, SyncEvent)>,
) -> mpsc::UnboundedSender<SyncEvent> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let out = out.clone();
    tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            if out.send((instance.clone(), ev)).is_err() {
                return;
            }
        }
    });
    tx
}

/// One line per event: NDJSON on stdout with `--json` (with the event's `instance`), else text
/// on stderr (prefixed with the instance when several run). Idle events are printed only when
/// an instance's counts change.
async fn print_events(
    mut rx: mpsc::UnboundedReceiver<(String, SyncEvent)>,
    json: bool,
    several: bool,
) {
    let mut last_idle = std::collections::HashMap::new();
    while let Some((instance, ev)) = rx.recv().await {
        if let SyncEvent::Idle { counts, .. } = &ev {
            if last_idle.get(&instance) == Some(counts) {
                continue;
            }
            last_idle.insert(instance.clone(), *counts);
        }
        if json {
            match serde_json::to_value(&ev) {
                Ok(mut v) => {
                    if let Some(map) = v.as_object_mut() {
                        map.entry("instance")
                            .or_insert(serde_json::Value::String(instance));
                    }
                    outln!("{v}");
                }
                Err(e) => errln!("snowlink: cannot encode event: {e}"),
            }
        } else {
            let who = if several {
                format!("{instance}: ")
            } else {
                String::new()
            };
            errln!(
                "{} {who}{}",
                Timestamp::now().strftime("%H:%M:%S"),
                describe(&ev)
            );
        }
    }
}

fn describe(ev: &SyncEvent) -> String {
    let num = |n: &Option<String>| n.clone().unwrap_or_else(|| "(new)".into());
    match ev {
        SyncEvent::Delivered {
            id,
            kind,
            number,
            reconciled,
        } => format!(
            "#{id} {} {}: {}",
            num(number),
            kind.code(),
            if *reconciled {
                "already present"
            } else {
                "delivered"
            }
        ),
        SyncEvent::Created { id, incident } => format!("#{id} created {}", incident.number),
        SyncEvent::Retrying {
            id,
            number,
            next_attempt_at,
            error,
        } => {
            format!("#{id} {}: retry at {next_attempt_at}: {error}", num(number))
        }
        SyncEvent::Failed { id, number, error } => format!("#{id} {} FAILED: {error}", num(number)),
        SyncEvent::Dead { id, number, error } => format!("#{id} {} DEAD: {error}", num(number)),
        SyncEvent::Down {
            instance,
            cause,
            next_probe_at,
        } => format!("{instance} is down ({cause}); next probe at {next_probe_at}"),
        SyncEvent::Paused {
            instance,
            cause,
            reason,
        } => {
            format!("{instance} PAUSED ({}): {reason}", cause_name(*cause))
        }
        SyncEvent::Resumed { instance } => format!("{instance} resumed"),
        SyncEvent::Idle {
            instance,
            counts,
            next_due_at,
        } => format!(
            "{instance}: idle; pending {}, waiting {}, paused {}, failed {}, dead {}{}",
            counts.pending,
            counts.waiting,
            counts.paused,
            counts.failed,
            counts.dead,
            next_due_at
                .map(|t| format!(", next at {t}"))
                .unwrap_or_default()
        ),
        SyncEvent::Error { message } => format!("error: {message}"),
    }
}
