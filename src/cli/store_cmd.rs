//! `snowlink load` (read anomaly files into the store) and `snowlink export --json`.

use std::path::PathBuf;

use jiff::Timestamp;

use super::context::{Globals, load_sources, report_problems, session, session_only};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};

pub async fn load(file: Option<PathBuf>, source: &str, globals: &Globals) -> CliResult<Exit> {
    let loads = match file {
        Some(path) => {
            let paths = globals.paths()?;
            let mut store = crate::store::Store::open(&paths.db_path)?;
            let load = crate::ops::load_file(&mut store, source, &path)?;
            report_problems(&load);
            vec![load]
        }
        None => {
            let (session, config) = session_only(globals, false).await?;
            if config.sources(&crate::config::ProcessEnv).is_empty() {
                return Err(CliError::usage(
                    "no [[sources]] in the config: add one, or give a file: `snowlink load FILE`",
                ));
            }
            let loads = load_sources(&session, &config)?;
            if loads.is_empty() {
                return Err(CliError::usage(
                    "no configured source could be read (see the warnings above); fix their [[sources]] tables",
                ));
            }
            loads
        }
    };
    if globals.json {
        output::json(&serde_json::json!({ "sources": loads }));
    } else {
        for l in &loads {
            outln!(
                "{}: {} anomalies from {} ({} new, {} updated, {} unchanged, {} skipped)",
                l.source,
                l.loaded,
                l.path,
                l.upsert.inserted,
                l.upsert.updated,
                l.upsert.unchanged,
                l.problems.len()
            );
        }
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
