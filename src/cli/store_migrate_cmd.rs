//! `snowlink store migrate --to postgres://…`: one engineer's SQLite store moved up into an
//! empty PostgreSQL database for team mode (docs/postgres.md §Moving a SQLite store up).

use std::path::PathBuf;

use serde::Serialize;

use crate::config::{ProcessEnv, StoreConfig};
use crate::store::{CopyReport, Store, StoreLocation};

use super::args::{StoreCommand, StoreMigrateArgs};
use super::context::Globals;
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};

pub async fn run(action: StoreCommand, globals: &Globals) -> CliResult<Exit> {
    match action {
        StoreCommand::Migrate(args) => migrate(args, globals).await,
    }
}

#[derive(Serialize)]
struct MigrateOutput {
    from: String,
    to: String,
    /// Where the old file now is.
    retired_to: String,
    #[serde(flatten)]
    copied: CopyReport,
}

async fn migrate(args: StoreMigrateArgs, globals: &Globals) -> CliResult<Exit> {
    let (paths, config) = globals.load_config()?;
    let from = args.from.clone().unwrap_or_else(|| paths.db_path.clone());
    let configured = &config.file.store;
    let target = StoreConfig {
        url: Some(args.to.clone()),
        password_command: args
            .password_command
            .clone()
            .or_else(|| configured.password_command.clone()),
        password_env: args
            .password_env
            .clone()
            .or_else(|| configured.password_env.clone()),
        ca_file: args.ca_file.clone().or_else(|| configured.ca_file.clone()),
        connect_timeout_secs: configured.connect_timeout_secs,
    };
    let outcome = tokio::task::spawn_blocking(move || copy(from, target))
        .await
        .map_err(|e| CliError::other(format!("store migrate stopped unexpectedly: {e}")))??;
    if globals.json {
        output::json(&outcome);
    } else {
        let rows: Vec<String> = outcome
            .copied
            .tables
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(t, n)| format!("{n} {t}"))
            .collect();
        outln!(
            "copied {} into {}: {}",
            outcome.from,
            outcome.to,
            if rows.is_empty() {
                "nothing (the store was empty)".to_string()
            } else {
                rows.join(", ")
            }
        );
        outln!(
            "{} deliveries still to be made are queued there",
            outcome.copied.pending
        );
        outln!("the old file is kept as {}", outcome.retired_to);
        outln!(
            "next: set [store] url = \"{}\" in the config of every engineer and worker",
            outcome.to
        );
    }
    Ok(Exit::Ok)
}

/// Blocking: opens both stores, copies, closes them, retires the old file.
fn copy(from: PathBuf, target: StoreConfig) -> CliResult<MigrateOutput> {
    if !from.is_file() {
        return Err(CliError::usage(format!(
            "no SQLite store at {}: give the file to copy with --from",
            from.display()
        )));
    }
    let pg = target
        .postgres(&ProcessEnv, crate::config::HELPER_TIMEOUT)
        .map_err(CliError::from)?
        .ok_or_else(|| CliError::usage("--to must be a postgres:// URL"))?;
    let label = pg.url.clone();
    let mut source = Store::open(&from)?;
    let mut target = StoreLocation::postgres(pg).open()?;
    let copied = source.copy_into(&mut target, &label)?;
    drop(target);
    drop(source);
    let retired = crate::store::retire_sqlite_file(&from).map_err(|e| {
        CliError::other(format!(
            "the copy into {label} is complete, but {} could not be set aside: {e}; move it away \
             by hand before anything else uses it, so its queue is not delivered twice",
            from.display()
        ))
    })?;
    Ok(MigrateOutput {
        from: from.display().to_string(),
        to: label,
        retired_to: retired.display().to_string(),
        copied,
    })
}
