//! `snowlink load` (read anomaly files into the store) and `snowlink export --json`.

use std::path::PathBuf;

use jiff::Timestamp;

use super::context::{Globals, load_sources, report_problems, session};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output;

pub async fn load(file: Option<PathBuf>, source: &str, globals: &Globals) -> CliResult<Exit> {
    let loads = match file {
        Some(path) => {
            let (paths, config) = globals.load_config()?;
            let _ = config;
            let store_path = paths.db_path;
            let mut store = crate::store::Store::open(&store_path)?;
            let load = crate::ops::load_file(&mut store, source, &path)?;
            report_problems(&load, globals);
            vec![load]
        }
        None => {
            // `session` already loads every configured source; load them explicitly to report.
            let (_, config) = globals.load_config()?;
            let session = session_without_autoload(globals).await?;
            let loads = load_sources(&session, &config, globals)?;
            if loads.is_empty() {
                return Err(CliError::usage(
                    "no [[sources]] in the config: add one, or give a file: `snowlink load FILE`",
                ));
            }
            loads
        }
    };
    if globals.json {
        output::json(&serde_json::json!({ "sources": loads }));
    } else {
        for l in &loads {
            println!(
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

async fn session_without_autoload(globals: &Globals) -> CliResult<crate::ops::Session> {
    let (paths, config) = globals.load_config()?;
    let profile = globals.profile(&config)?;
    Ok(crate::ops::Session {
        store_path: paths.db_path,
        profile,
        user: config.user(&crate::config::ProcessEnv),
        url_template: config.file.anomaly_url_template.clone(),
        client: None,
    })
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
