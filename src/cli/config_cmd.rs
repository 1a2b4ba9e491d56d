//! `snowlink config init|path|check`.

use crate::config::{self, Level, ProcessEnv};

use super::args::ConfigCommand;
use super::context::{Globals, client_for};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};

pub async fn run(cmd: ConfigCommand, globals: &Globals) -> CliResult<Exit> {
    let paths = globals.paths()?;
    match cmd {
        ConfigCommand::Init { force } => {
            let outcome = config::init(&paths.config_file, force).map_err(CliError::from)?;
            if globals.json {
                output::json(&serde_json::json!({
                    "path": outcome.path,
                    "overwritten": outcome.overwritten,
                }));
            } else {
                outln!(
                    "wrote {} (mode 0600){}; edit [instances.default] and run `snowlink config check`",
                    outcome.path.display(),
                    if outcome.overwritten {
                        ", replacing the old file"
                    } else {
                        ""
                    }
                );
            }
            Ok(Exit::Ok)
        }
        ConfigCommand::Path => {
            let report = paths.report();
            if globals.json {
                output::json(&report);
            } else {
                let line = |name: &str, s: &config::PathStatus| {
                    outln!(
                        "{name:<12} {}{}",
                        s.path.display(),
                        if s.exists { "" } else { "  (not created yet)" }
                    );
                };
                line("config file", &report.config_file);
                line("data dir", &report.data_dir);
                line("database", &report.db_path);
                line("log dir", &report.log_dir);
            }
            Ok(Exit::Ok)
        }
        ConfigCommand::Check { online } => {
            let mut report = config::check(&paths, globals.instance.as_deref(), &ProcessEnv);
            keymap_findings(&paths, &mut report);
            if online {
                store_online(&paths, &mut report).await;
                rules_online(&paths, &mut report).await;
            }
            if globals.json {
                output::json(&report);
            } else {
                for f in &report.findings {
                    output::finding(f.level, &f.subject, &f.message);
                }
            }
            Ok(if report.has_errors() {
                Exit::UsageOrConfig
            } else {
                Exit::Ok
            })
        }
    }
}

/// The `[keys]` table is validated by the dashboard's keymap (unknown actions, bad keys, clashes).
fn keymap_findings(paths: &config::Paths, report: &mut config::CheckReport) {
    let Ok(cfg) = config::Config::load(paths) else {
        return; // the parse error is already a finding
    };
    if cfg.file.keys.is_empty() {
        return;
    }
    let (level, message) = match crate::tui::Keymap::from_config(&cfg.file.keys) {
        Ok(_) => (Level::Ok, "[keys] bindings are valid".to_string()),
        Err(errors) => (Level::Error, errors.to_string().replace('\n', "; ")),
    };
    report.findings.push(config::Finding {
        level,
        subject: "keys".into(),
        message,
    });
}

/// `--online` with `[store] url`: connect to the database as the configured role and say what
/// it found (docs/postgres.md §Connecting). Creates and migrates nothing.
async fn store_online(paths: &config::Paths, report: &mut config::CheckReport) {
    let Ok(cfg) = config::Config::load(paths) else {
        return;
    };
    let Ok(location) = super::context::store_location(paths, &cfg).await else {
        return; // a [store] the offline checks already reported
    };
    if !location.is_postgres() {
        return;
    }
    let probe = tokio::task::spawn_blocking(move || location.probe_postgres()).await;
    let mut push = |level, message: String| {
        report.findings.push(config::Finding {
            level,
            subject: "store".into(),
            message,
        })
    };
    let p = match probe {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => return push(Level::Error, e.to_string()),
        Err(e) => return push(Level::Error, format!("the check stopped unexpectedly: {e}")),
    };
    let schema = match p.schema_version {
        None => "no snowlink schema yet: it is created on first use".to_string(),
        Some(v) if v == p.supported => format!("schema version {v}, current"),
        Some(v) if v < p.supported => format!(
            "schema version {v}; this build migrates it to {} on first use",
            p.supported
        ),
        Some(v) => {
            return push(
                Level::Error,
                format!(
                    "database {} is at schema version {v}, newer than this build's {}: upgrade snowlink on this machine",
                    p.database, p.supported
                ),
            );
        }
    };
    push(
        Level::Ok,
        format!(
            "connected to PostgreSQL {} as {} (database {}); {schema}",
            p.server_version, p.user, p.database
        ),
    );
    if p.superuser {
        push(
            Level::Warn,
            format!(
                "{} is a superuser; a normal role that owns the database is all snowlink needs (docs/postgres.md)",
                p.user
            ),
        );
    }
}

/// `--online`: each instance a rule routes to is asked about the rule's groups, users and
/// choices. Skipped when the rules themselves do not compile (those errors are findings already).
async fn rules_online(paths: &config::Paths, report: &mut config::CheckReport) {
    let Ok(cfg) = config::Config::load(paths) else {
        return;
    };
    let Ok(set) = cfg.rule_set() else {
        return;
    };
    let mut instances: Vec<&str> = set.rules().iter().map(|r| r.instance.as_str()).collect();
    instances.sort_unstable();
    instances.dedup();
    for name in instances {
        let client = match cfg.profile(Some(name), &ProcessEnv) {
            Ok(profile) => client_for(&profile).await,
            Err(e) => Err(e.into()),
        };
        match client {
            Ok(client) => config::check_rules_online(&set, name, &client, report).await,
            Err(e) => report.findings.push(config::Finding {
                level: Level::Error,
                subject: format!("instance {name}"),
                message: format!("cannot check the rules online: {}", e.message),
            }),
        }
    }
}
