//! The headless commands of the CLI contract. `run` dispatches one parsed command; each command
//! lives in its own file and returns the exit code it ends with.

mod anomalies_cmd;
pub mod args;
mod audit_cmd;
mod config_cmd;
pub mod context;
pub mod dashboard;
mod deliver;
mod doctor_cmd;
mod emulator;
pub mod error;
mod event_cmd;
pub mod exit;
mod instances;
mod links_cmd;
mod logging;
mod outbox_cmd;
mod output;
mod rediscover_cmd;
mod rules_cmd;
mod source_wiring;
mod sources_cmd;
mod store_cmd;
mod store_migrate_cmd;
mod sync_changes;
pub mod sync_cmd;
mod sync_report;
mod ticket_cmd;
mod ticket_show_cmd;
mod triage_cmd;

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
        refresh: cli.refresh,
    };
    let _log_guard = globals
        .paths()
        .ok()
        .and_then(|p| logging::init(&p, globals.verbose));
    match cli.command {
        Some(Command::Emulator(args)) => emulator::run(args, globals.json).await,
        Some(Command::Config(cmd)) => config_cmd::run(cmd, &globals).await,
        Some(Command::Anomalies(args)) => anomalies_cmd::list(args, &globals).await,
        Some(Command::Show { id }) => anomalies_cmd::show(&id, &globals).await,
        Some(Command::Load { file, source }) => store_cmd::load(file, &source, &globals).await,
        Some(Command::Sources) => sources_cmd::run(&globals).await,
        Some(Command::Export) => store_cmd::export(&globals).await,
        Some(Command::Store { action }) => store_migrate_cmd::run(action, &globals).await,
        Some(Command::Audit { limit, rule }) => audit_cmd::run(limit, rule, &globals).await,
        Some(Command::Doctor) => doctor_cmd::run(&globals).await,
        Some(Command::Ticket(cmd)) => ticket_cmd::run(cmd, &globals).await,
        Some(Command::Event(cmd)) => event_cmd::run(cmd, &globals).await,
        Some(Command::Ack { ids }) => triage_cmd::ack(&ids, &globals).await,
        Some(Command::Archive { ids, reason }) => triage_cmd::archive(&ids, reason, &globals).await,
        Some(Command::Comment(args)) => triage_cmd::comment(args, &globals).await,
        Some(Command::Sync(args)) => sync_cmd::run(args, &globals).await,
        Some(Command::Outbox(args)) => outbox_cmd::run(args, &globals).await,
        Some(Command::Rules { action }) => rules_cmd::run(action, &globals).await,
        Some(Command::Links { action }) => links_cmd::run(action, &globals).await,
        Some(Command::Demo) => dashboard::demo(&globals).await,
        None => dashboard::open(&globals).await,
    }
}
