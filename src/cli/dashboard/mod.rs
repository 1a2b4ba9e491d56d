//! `snowlink` (no command) and `snowlink demo`: the dashboard over the configured instance, or
//! over the built-in emulator with the sample anomalies in a throwaway data dir. The sync
//! worker and the link poller run in the background of the same process.

mod backend;
mod background;
mod create_wait;
mod demo;

use crate::config::Config;
use crate::ops::Session;
use crate::tui::{DashboardOptions, run_dashboard};

use super::context::{Globals, session};
use super::error::{CliError, CliResult};
use super::exit::Exit;

pub use backend::LiveBackend;

/// Opens the dashboard on the configured instance.
pub async fn open(globals: &Globals) -> CliResult<Exit> {
    refuse_without_terminal()?;
    let (_, config) = globals.load_config()?;
    let session = session(globals, true).await?;
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
    let mut background = background::start(&session).await?;
    background
        .start_sources(
            &session.store_path,
            config.sources(&crate::config::ProcessEnv),
        )
        .await;
    let backend = LiveBackend::new(
        session,
        background.wake.clone(),
        background.events.clone(),
        demo,
    );
    let options = DashboardOptions {
        theme: config.file.ui.theme,
        keys: config.file.keys.clone(),
        no_color: globals.no_color || DashboardOptions::no_color_from_env(),
        banner,
    };
    let result = run_dashboard(backend, options).await;
    background.stop().await;
    result.map_err(|e| CliError::other(format!("dashboard: {e}")))?;
    Ok(Exit::Ok)
}
