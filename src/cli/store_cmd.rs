//! `snowlink load` (read anomaly files into the store) and `snowlink export --json`.

use std::path::PathBuf;

use jiff::Timestamp;

use crate::ingest::Ingester;

use super::context::{Globals, report_outcome, report_problems, session, session_only};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};

pub async fn load(file: Option<PathBuf>, source: &str, globals: &Globals) -> CliResult<Exit> {
    let Some(path) = file else {
        return load_configured(globals).await;
    };
    let (_paths, _config, location) = globals.load_store().await?;
    let mut store = location.open()?;
    let load = crate::ops::load_file(&mut store, source, &path)?;
    report_problems(&load.path, &load.problems);
    if globals.json {
        output::json(&serde_json::json!({ "sources": [load] }));
    } else {
        outln!(
            "{}: {} anomalies from {} ({} new, {} updated, {} unchanged, {} skipped)",
            load.source,
            load.loaded,
            load.path,
            load.upsert.inserted,
            load.upsert.updated,
            load.upsert.unchanged,
            load.problems.len()
        );
    }
    Ok(Exit::Ok)
}

/// Reads every configured source now (what the ingester does on its schedule), incrementally:
/// only what changed since the last read is parsed and written.
async fn load_configured(globals: &Globals) -> CliResult<Exit> {
    let (session, config) = session_only(globals, false).await?;
    let sources = config.sources(&crate::config::ProcessEnv);
    if sources.is_empty() {
        return Err(CliError::usage(
            "no [[sources]] in the config: add one, or give a file: `snowlink load FILE`",
        ));
    }
    let outcomes = Ingester::new(&session.store, sources).run_once().await;
    for o in &outcomes {
        report_outcome(o);
    }
    if globals.json {
        output::json(&serde_json::json!({ "sources": outcomes }));
    } else {
        for o in &outcomes {
            match &o.read {
                Some(r) => outln!(
                    "{}: {} anomalies read from {} ({} new, {} updated, {} unchanged, {} skipped)",
                    o.source,
                    r.upsert.inserted + r.upsert.updated + r.upsert.unchanged,
                    o.location,
                    r.upsert.inserted,
                    r.upsert.updated,
                    r.upsert.unchanged,
                    r.problems.len()
                ),
                None => outln!("{}: not read (see the warning above)", o.source),
            }
        }
    }
    if outcomes.iter().all(|o| o.error.is_some()) {
        return Err(CliError::usage(
            "no configured source could be read (see the warnings above); fix their [[sources]] tables",
        ));
    }
    Ok(Exit::Ok)
}

pub async fn export(globals: &Globals) -> CliResult<Exit> {
    if !globals.json {
        return Err(CliError::usage(
            "export writes JSON: run `snowlink export --json > snowlink-export.json`",
        ));
    }
    let session = session(globals, false).await?;
    let store = session.open_store()?;
    output::json(&store.export_json(Timestamp::now())?);
    Ok(Exit::Ok)
}
