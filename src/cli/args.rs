//! clap definitions of the CLI contract (DESIGN.md §CLI contract). Parsing only: each command's
//! behaviour lives in its own file next to this one.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Triage anomalies and turn them into ServiceNow incidents. With no command, opens the dashboard.
#[derive(Debug, Parser)]
#[command(name = "snowlink", version, about, propagate_version = true)]
pub struct Cli {
    /// Config file to use instead of $XDG_CONFIG_HOME/snowlink/config.toml [env: SNOWLINK_CONFIG].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory holding the store, instead of $XDG_DATA_HOME/snowlink [env: SNOWLINK_DATA_DIR].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Instance profile from the config ([instances.NAME]); "default" otherwise.
    #[arg(long, global = true, value_name = "NAME")]
    pub instance: Option<String>,
    /// Machine-readable output (schema: docs/json-output.md).
    #[arg(long, global = true)]
    pub json: bool,
    /// Never colour the output (NO_COLOR is honoured too).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Read the configured sources into the store before the command (commands otherwise read
    /// the store as the ingester last filled it; docs/sources.md).
    #[arg(long, global = true)]
    pub refresh: bool,
    /// More detail in the log file (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the built-in ServiceNow emulator with sample data and open the dashboard on it.
    Demo,
    /// Run the local ServiceNow emulator until Ctrl-C.
    Emulator(EmulatorArgs),
    /// Check config, credentials, reachability, auth, roles and hibernation.
    Doctor,
    /// List anomalies.
    Anomalies(AnomaliesArgs),
    /// Show one anomaly with its links, comments and status history.
    Show {
        /// Anomaly id.
        id: String,
    },
    /// Create, link, unlink and search incidents.
    #[command(subcommand)]
    Ticket(TicketCommand),
    /// Send anomalies to Event Management instead of a ticket.
    #[command(subcommand)]
    Event(EventCommand),
    /// Acknowledge anomalies and tell their linked incidents.
    Ack {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Archive anomalies (with a reason) and tell their linked incidents.
    Archive {
        #[arg(required = true)]
        ids: Vec<String>,
        #[arg(long, value_enum, default_value_t = ArchiveReasonArg::Resolved)]
        reason: ArchiveReasonArg,
    },
    /// Comment on an anomaly; the comment goes to its linked incidents as a work note.
    Comment(CommentArgs),
    /// Deliver the outbox to ServiceNow.
    Sync(SyncArgs),
    /// Inspect and repair the outbox.
    Outbox(OutboxArgs),
    /// List the [[rules]] with their counts; `rules test` is a dry run over the store.
    Rules {
        #[command(subcommand)]
        action: Option<RulesCommand>,
    },
    /// List links and their last known incident state; `links refresh` re-reads them.
    Links {
        #[command(subcommand)]
        action: Option<LinksCommand>,
    },
    /// Export the store for humans (`export --json`: the output is JSON).
    Export,
    /// Move the store: `store migrate --to postgres://…` copies this SQLite store into an empty
    /// PostgreSQL database for team mode.
    Store {
        #[command(subcommand)]
        action: StoreCommand,
    },
    /// The writes made to ServiceNow, newest first, with the rule that caused each.
    Audit {
        /// How many entries (newest first).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Only the writes this rule caused.
        #[arg(long)]
        rule: Option<String>,
    },
    /// Write, locate and validate the config file.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Show each configured source's health: last success, last error with its fix, next read.
    Sources,
    /// Load anomalies from the configured sources (or a file) into the store.
    Load {
        /// A JSON or NDJSON anomaly file; default: every configured source.
        file: Option<PathBuf>,
        /// Source name recorded for anomalies from FILE.
        #[arg(long, default_value = "file")]
        source: String,
    },
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8089", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// Extra latency added to every request.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub latency_ms: u64,
    /// A fault to inject (grammar: docs/emulator.md); repeatable.
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<String>,
    /// JSON file with extra seed records (format: docs/emulator.md).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// An all-users inbound REST API rate limit rule: each user may make N requests per hour,
    /// then gets 429 with Retry-After (docs/emulator.md §Rate limits).
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u64>,
}

#[derive(Debug, Args)]
pub struct AnomaliesArgs {
    #[arg(long, value_enum)]
    pub status: Option<StatusArg>,
    #[arg(long, conflicts_with = "unlinked")]
    pub linked: bool,
    #[arg(long)]
    pub unlinked: bool,
}

#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Send one event for the anomaly (`POST /api/global/em/jsonv2`) and link it to the alert
    /// ServiceNow makes of it (`--instance` picks the instance).
    Send {
        /// Anomaly id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TicketCommand {
    /// Create an incident, problem or change request from an anomaly and link it.
    Create(Box<TicketCreateArgs>),
    /// Link an existing incident, problem or change request (the table comes from the number:
    /// INC…, PRB…, CHG…); appends the anomaly block to its description and adds a work note.
    Link { id: String, incident: String },
    /// Remove the link locally; notes already written stay on the record.
    Unlink { id: String, incident: String },
    /// Search incidents, problems and change requests by number or text.
    Search {
        text: String,
        /// Only this table: incident, problem or change_request (default: all three).
        #[arg(long)]
        table: Option<String>,
    },
    /// Show one incident: its fields and its work notes and comments, newest first.
    Show {
        /// Number (INC0010001) or sys_id.
        #[arg(value_name = "NUMBER|SYS_ID")]
        number: String,
        /// ServiceNow table (default: the profile's `table`, normally incident).
        #[arg(long)]
        table: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct TicketCreateArgs {
    pub id: String,
    /// ServiceNow table: incident, problem or change_request (default: the profile's `table`,
    /// normally incident).
    #[arg(long)]
    pub table: Option<String>,
    #[arg(long)]
    pub short_description: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub category: Option<String>,
    #[arg(long)]
    pub subcategory: Option<String>,
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub impact: Option<u8>,
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub urgency: Option<u8>,
    /// Group name or sys_id.
    #[arg(long, value_name = "NAME|SYS_ID")]
    pub assignment_group: Option<String>,
    /// User name or sys_id.
    #[arg(long, value_name = "USER")]
    pub assigned_to: Option<String>,
    /// User name or sys_id (incidents only; default: the configured caller or username).
    #[arg(long, value_name = "USER")]
    pub caller: Option<String>,
    /// Change requests: the change type, normal (the default) or emergency; standard changes
    /// come from a template and are refused.
    #[arg(long = "type", value_name = "TYPE")]
    pub change_type: Option<String>,
    /// Change requests: the risk, by value or label (High, Moderate, Low).
    #[arg(long, value_name = "RISK")]
    pub risk: Option<String>,
    /// Print the exact payload and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Create a second incident although the anomaly already has an open one.
    #[arg(long)]
    pub another: bool,
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    pub id: String,
    /// Comment text, or `-` for stdin.
    pub text: Option<String>,
    /// Read the comment from a file.
    #[arg(long, conflicts_with = "text")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Deliver until the outbox is empty or only waiting/dead items remain (the default).
    #[arg(long, conflicts_with = "watch")]
    pub once: bool,
    /// Keep delivering until Ctrl-C.
    #[arg(long)]
    pub watch: bool,
    /// `--once`: stop claiming after this many seconds and report what is left (default: the
    /// profile's `once_deadline_secs`, 300).
    #[arg(long, value_name = "SECS", conflicts_with = "watch", value_parser = clap::value_parser!(u64).range(1..))]
    pub deadline: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// What each rule would do with the anomalies in the store (nothing is written).
    Test {
        /// Only this rule.
        #[arg(long)]
        rule: Option<String>,
        /// Only anomalies first seen within this long (`90s`, `15m`, `1h`, `30d`).
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub action: Option<OutboxCommand>,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List deliveries (default).
    List {
        /// Include delivered items.
        #[arg(long)]
        all: bool,
    },
    /// Make failed or dead deliveries due again.
    Retry {
        #[arg(required_unless_present = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
    },
    /// Drop a delivery (it will never be sent).
    Drop { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy the SQLite store (links, history, comments, outbox, audit, rules, watermarks) into
    /// an empty PostgreSQL database, then set the old file aside as `<file>.migrated`. Refuses
    /// while a sync worker or dashboard uses the file. Afterwards set `[store] url` to the same
    /// URL (docs/postgres.md).
    Migrate(StoreMigrateArgs),
}

#[derive(Debug, Args)]
pub struct StoreMigrateArgs {
    /// The target: `postgres://user@host[:port]/db[?sslmode=…]`, no password in it.
    #[arg(long, value_name = "URL")]
    pub to: String,
    /// The SQLite file to copy (default: the data directory's store).
    #[arg(long, value_name = "FILE")]
    pub from: Option<std::path::PathBuf>,
    /// Run this command for the database password (default: `[store] password_command`).
    #[arg(long, value_name = "COMMAND")]
    pub password_command: Option<String>,
    /// Read the database password from this environment variable (default:
    /// `[store] password_env`).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// CA certificate(s), PEM, for `sslmode=verify-full` (default: `[store] ca_file`).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// Re-read state, priority, group and assignee of every linked incident.
    Refresh,
    /// Rebuild links from ServiceNow (correlation ids, description blocks, rule notes) on
    /// every configured instance, or only `--instance`; reads only, creates nothing.
    Rediscover(RediscoverArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct RediscoverArgs {
    /// Only records updated since then: a duration back from now (`90m`, `7d`) or a date
    /// (`2026-11-01`, `2026-11-01 08:00:00` UTC, RFC 3339).
    #[arg(long, value_name = "DURATION|DATE")]
    pub since: Option<String>,
    /// Read and report what would be added; add nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented config file.
    Init {
        #[arg(long)]
        force: bool,
    },
    /// Print the paths in use.
    Path,
    /// Validate the config, credentials, sources and rules.
    Check {
        /// Also look the rules' assignment groups, users and categories up on their instances.
        #[arg(long)]
        online: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Active,
    Acknowledged,
    Archived,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ArchiveReasonArg {
    Resolved,
    Invalid,
    Duplicate,
    Discarded,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
