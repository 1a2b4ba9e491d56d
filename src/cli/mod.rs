//! The headless commands of the CLI contract. `run` dispatches one parsed command; each command
//! lives in its own file and returns the exit code it ends with.

pub mod args;
mod config_cmd;
pub mod context;
mod emulator;
pub mod error;
pub mod exit;
mod links_cmd;
mod outbox_cmd;
mod output;
pub mod sync_cmd;

pub use args::Cli;
use args::Command;
pub use context::Globals;
pub use error::{CliError, CliResult};
pub use exit::Exit;

/// Runs one parsed command line to completion.
pub async fn run(cli: Cli) -> CliResult<Exit> {
    let globals = Globals {
        config: cli.config,
        data_dir: cli.data_dir,
        instance: cli.instance,
        json: cli.json,
        no_color: cli.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        verbose: cli.verbose,
    };
    match cli.command {
        Some(Command::Emulator(args)) => emulator::run(args, globals.json).await,
        Some(Command::Config(cmd)) => config_cmd::run(cmd, &globals),
        Some(Command::Sync(args)) => sync_cmd::run(args, &globals).await,
        Some(Command::Outbox(args)) => outbox_cmd::run(args, &globals),
        Some(Command::Links { action }) => links_cmd::run(action, &globals).await,
        _ => Err(CliError::usage(
            "this command is not available in this build yet",
        )),
    }
}
