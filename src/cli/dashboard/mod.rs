//! `snowlink` (no command) and `snowlink demo`: the dashboard over the configured instance, or
//! over the built-in emulator with the sample anomalies in a throwaway data dir. The sync
//! worker and the link poller run in the background of the same process.

mod backend;
mod backend_instances;
mod backend_outbox;
mod background;
mod create_wait;
mod demo;
mod demo_sources;

use std::sync::Arc;

use crate::config::Config;
use crate::ingest::Ingester;
use crate::ops::Session;
use crate::tui::{DashboardOptions, run_dashboard};

use super::context::{Globals, session_only};
use super::error::{CliError, CliResult};
use super::exit::Exit;

pub use backend::{LiveBackend, SourceRefresh};
pub use demo::demo_emulator_config;

/// Opens the dashboard on the configured instance.
pub async fn open(globals: &Globals) -> CliResult<Exit> {
    refuse_without_terminal()?;
    // The sources are read by the background ingester, not before the first frame: the list
    // shows what the store has at once and fills in as reads land.
    let (session, config) = session_only(globals, true).await?;
    run(session, &config, globals, None, false).await
}

pub async fn demo(globals: &Globals) -> CliResult<Exit> {
    demo::run(globals).await
}

fn refuse_without_terminal() -> CliResult<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "the dashboard needs a terminal (stdin and stdout are not a tty); use the headless commands (`snowlink --help`) in scripts",
        ));
    }
    Ok(())
}

async fn run(
    session: Session,
    config: &Config,
    globals: &Globals,
    banner: Option<String>,
    demo: bool,
) -> CliResult<Exit> {
    let location = session.store.clone();
    let sources = config.sources(&crate::config::ProcessEnv);
    // The list read overlaps the background start (the first frame waits for it).
    let prefetch = backend::prefetch_list(&session);
    let mut background = background::start(&session, sources.clone()).await?;
    let sources_for_ui = sources.clone();
    background.start_sources(&session.store, sources).await;
    let backend = LiveBackend::new(
        session.clone(),
        background.wake.clone(),
        background.events.clone(),
        demo,
    );
    // Every other configured instance (its client, worker and change poller) and the rules,
    // which read every instance, start in the background: resolving credentials (a password
    // command) must not delay the first frame (docs/sync.md §Several instances). A bad rule
    // is logged (the dashboard owns the terminal; `snowlink config check` shows it).
    let slot = backend.other_clients_slot();
    background.start_others_and_rules(background::Later {
        location: location.clone(),
        profiles: super::instances::other_profiles(config, &session.profile.name),
        profile: session.profile.clone(),
        client: session.client().ok().cloned(),
        rules: match super::rules_cmd::rule_set(config) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "rules not started");
                crate::rules::RuleSet::default()
            }
        },
        connected: Box::new(move |others| LiveBackend::fill_other_clients(&slot, others)),
    });
    // `r` reads every source now through the background ingester (serialized with its
    // scheduled reads); each scheduled read that writes rows updates the list at once.
    let ingester = background.ingester.clone();
    let refresh: SourceRefresh = Arc::new(move || {
        let ingester = ingester.clone();
        Box::pin(async move { refresh_all(&ingester).await })
    });
    // A config whose rules do not compile runs no rules (logged above); the popup says why.
    let rules = super::rules_cmd::rule_set(config).map_err(|e| e.to_string());
    let backend = backend
        .with_instances(config.instance_names())
        .with_rules(rules)
        .with_source_configs(&sources_for_ui)
        .with_source_refresh(refresh)
        .with_source_writes(background.ingester.written())
        .with_prefetch(prefetch);
    let options = DashboardOptions {
        theme: config.file.ui.theme,
        keys: config.file.keys.clone(),
        no_color: globals.no_color || DashboardOptions::no_color_from_env(),
        banner,
        ticket_defaults: config.file.ui.severity_impact_urgency,
        columns: config.file.ui.columns.clone(),
    };
    // On a shared (PostgreSQL) store another engineer's change arrives as a notification and
    // counts as a write: the list refreshes within a second (docs/store.md §Wake-ups).
    let elsewhere = background.ingester.clone();
    let _changes = crate::store::listen(&session.store, crate::store::CHANGES_CHANNEL, move || {
        elsewhere.note_write_elsewhere();
    });
    let result = run_dashboard(backend, options).await;
    background.stop().await;
    result.map_err(|e| CliError::other(format!("dashboard: {e}")))?;
    // The terminal is restored: say what is still waiting in the outbox (not lost).
    let queued = tokio::task::spawn_blocking(move || {
        location
            .open()
            .and_then(|s| s.outbox_counts(jiff::Timestamp::now()))
            .map(|c| c.pending + c.in_flight + c.paused)
    })
    .await;
    if let Ok(Ok(n)) = queued
        && let Some(line) = crate::tui::text::queued_on_quit(n)
    {
        super::output::errln!("snowlink: {line}");
    }
    Ok(Exit::Ok)
}

/// Reads every source once; the rows written, or every failing source's cause and fix.
async fn refresh_all(ingester: &Ingester) -> Result<usize, String> {
    let outcomes = ingester.run_once().await;
    let changed = outcomes.iter().map(|o| o.changed()).sum();
    let failed: Vec<&str> = outcomes.iter().filter_map(|o| o.error.as_deref()).collect();
    if failed.is_empty() {
        Ok(changed)
    } else {
        Err(format!(
            "{} ({changed} rows new or changed from the others)",
            failed.join("; ")
        ))
    }
}
