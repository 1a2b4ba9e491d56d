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
