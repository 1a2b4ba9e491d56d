//! The headless commands of the CLI contract. `run` dispatches one parsed command; each command
//! lives in its own file and returns the exit code it ends with.

pub mod args;
mod emulator;
pub mod error;
pub mod exit;

pub use args::Cli;
use args::Command;
pub use error::{CliError, CliResult};
pub use exit::Exit;

/// Runs one parsed command line to completion.
pub async fn run(cli: Cli) -> CliResult<Exit> {
    let json = cli.json;
    match cli.command {
        Some(Command::Emulator(args)) => emulator::run(args, json).await,
        _ => Err(CliError::usage(
            "this command is not available in this build yet",
        )),
    }
}
