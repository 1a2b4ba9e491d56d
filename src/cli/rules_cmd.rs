//! `snowlink rules [--json]` (each rule with its counts in its current intervals) and
//! `snowlink rules test [--rule NAME] [--since DURATION] [--json]` (a dry run over the store's
//! anomalies: nothing is written, ServiceNow is only read). Also where the CLI builds the rule
//! runner for `sync` and the dashboard (docs/rules.md, docs/json-output.md).

use crate::store::StoreLocation;
use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::Client;

use crate::config::{Config, Profile};
use crate::domain::AnomalyKey;
use crate::rules::engine::{Db, Evaluated, Outcome, PassReport, Runner, RunnerOptions};
use crate::rules::{RuleSet, format_duration, parse_duration};
use crate::store::RuleCounts;

use super::args::RulesCommand;
use super::context::{Globals, client_for};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::instances::{OtherInstance, other_instances};
use super::output::{self, outln};
use super::sync_cmd::store_error;

/// The compiled rules of `config`; a config error names every problem.
pub fn rule_set(config: &Config) -> CliResult<RuleSet> {
    config.rule_set().map_err(|errs| {
        let lines: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        CliError::usage(format!(
            "invalid [[rules]] ({}); `snowlink config check` lists them:\n  {}",
            lines.len(),
            lines.join("\n  ")
        ))
    })
}

/// The runner for `profile` (`None` when no rule is configured). Keys of rules routed to
/// `profile` are read back through `client`, those of rules routed elsewhere through the
/// other instances' clients.
pub async fn runner_for(
    db_path: &StoreLocation,
    config: &Config,
    profile: &Profile,
    client: Option<Client>,
    others: &[OtherInstance],
) -> CliResult<Option<Runner>> {
    runner_from(db_path, rule_set(config)?, profile, client, others).await
}

/// [`runner_for`] from rules already compiled.
pub async fn runner_from(
    db_path: &StoreLocation,
    rules: RuleSet,
    profile: &Profile,
    client: Option<Client>,
    others: &[OtherInstance],
) -> CliResult<Option<Runner>> {
    if rules.is_empty() {
        return Ok(None);
    }
    let db = Db::open(db_path)
        .await
        .map_err(|e| CliError::other(format!("rule runner: {e}")))?;
    let mut clients = HashMap::new();
    if let Some(c) = client {
        clients.insert(profile.name.clone(), c);
    }
    for r in others {
        clients.insert(r.profile.name.clone(), r.client.clone());
    }
    let opts = RunnerOptions {
        url_template: profile.anomaly_url_template.clone(),
        ..RunnerOptions::default()
    };
    Ok(Some(Runner::new(db, rules, clients, opts)))
}

/// One pass of `runner` now; failures become a warning (the outbox still delivers).
pub async fn pass(runner: &Runner) -> Option<PassReport> {
    match runner.run_pass(Timestamp::now()).await {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(error = %e, "rules pass failed");
            super::output::errln!("snowlink: warning: rules: {e}");
            None
        }
    }
}

#[derive(Debug, Serialize)]
struct RuleRow {
    name: String,
    action: &'static str,
    instance: String,
    table: String,
    flood_limit: u32,
    flood_interval: String,
    /// Start of the current flood window; `created` and `suppressed` count in it.
    window_start: Timestamp,
    created_in_window: u64,
    suppressed_in_window: u64,
    /// Since the start of the current `consolidation_interval`... counted over the flood window too.
    #[serde(flatten)]
    counts: RuleCounts,
}

pub async fn run(cmd: Option<RulesCommand>, globals: &Globals) -> CliResult<Exit> {
    let (_paths, config, location) = globals.load_store().await?;
    let rules = rule_set(&config)?;
    match cmd {
        None => list(&location, &rules, globals.json).await,
        Some(RulesCommand::Test { rule, since }) => {
            let profile = globals.profile(&config)?;
            test(&location, &config, &profile, rule, since, globals.json).await
        }
    }
}

async fn list(db_path: &StoreLocation, rules: &RuleSet, json: bool) -> CliResult<Exit> {
    let now = Timestamp::now();
    let path = db_path.clone();
    let rules = rules.clone();
    let rows =
        tokio::task::spawn_blocking(move || -> Result<Vec<RuleRow>, crate::store::StoreError> {
            let s = path.open()?;
            Ok(crate::rules::engine::summaries(&s, &rules, now)?
                .into_iter()
                .map(|sum| {
                    let (r, start, counts) = (sum.rule, sum.window_start, sum.counts);
                    RuleRow {
                        name: r.name.clone(),
                        action: match r.action {
                            crate::rules::RuleAction::Create => "create",
                            crate::rules::RuleAction::Link => "link",
                        },
                        instance: r.instance.clone(),
                        table: r.table.clone(),
                        flood_limit: r.flood.flood_limit,
                        flood_interval: format_duration(r.flood.flood_interval),
                        window_start: start,
                        created_in_window: counts.created,
                        suppressed_in_window: counts.suppressed,
                        counts,
                    }
                })
                .collect())
        })
        .await
        .map_err(|e| CliError::other(e.to_string()))?
        .map_err(store_error)?;
    if json {
        output::json(&serde_json::json!({ "rules": rows }));
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        outln!("no [[rules]] configured (docs/rules.md)");
    }
    for r in &rows {
        outln!(
            "{} ({} → {}/{}): since {} — created {} of {}, linked {}, merged {}, suppressed {}, delayed {}, reopened {}, skipped {}",
            r.name,
            r.action,
            r.instance,
            r.table,
            r.window_start.strftime("%Y-%m-%d %H:%M UTC"),
            r.counts.created,
            r.flood_limit,
            r.counts.linked,
            r.counts.merged,
            r.counts.suppressed,
            r.counts.delayed,
            r.counts.reopened,
            r.counts.skipped
        );
    }
    Ok(Exit::Ok)
}

async fn test(
    db_path: &StoreLocation,
    config: &Config,
    profile: &Profile,
    only: Option<String>,
    since: Option<String>,
    json: bool,
) -> CliResult<Exit> {
    let now = Timestamp::now();
    let since = match since.as_deref() {
        Some(s) => {
            let d = parse_duration(s).map_err(|e| {
                CliError::usage(format!("--since {s}: {e} (e.g. 90s, 15m, 1h, 30d)"))
            })?;
            Some(now.checked_sub(d).unwrap_or(Timestamp::MIN))
        }
        None => None,
    };
    if let Some(name) = &only
        && rule_set(config)?.get(name).is_none()
    {
        return Err(CliError::usage(format!(
            "no rule named {name}; `snowlink rules` lists them"
        )));
    }
    // ServiceNow is read (keys, states) when reachable; a dry run never writes.
    let client = client_for(profile).await.ok();
    let (others, _) = other_instances(config, &profile.name).await;
    let Some(runner) = runner_for(db_path, config, profile, client, &others).await? else {
        if json {
            output::json(&serde_json::json!({ "results": [], "errors": [] }));
        } else {
            outln!("no [[rules]] configured (docs/rules.md)");
        }
        return Ok(Exit::Ok);
    };
    let path = db_path.clone();
    let keys = tokio::task::spawn_blocking(
        move || -> Result<Vec<AnomalyKey>, crate::store::StoreError> {
            let s = path.open()?;
            let mut out = Vec::new();
            for row in s.list_anomalies(&Default::default())? {
                if let Some(since) = since {
                    match s.get_anomaly(&row.key)? {
                        Some(a) if a.first_seen_at >= since => {}
                        _ => continue,
                    }
                }
                out.push(row.key);
            }
            Ok(out)
        },
    )
    .await
    .map_err(|e| CliError::other(e.to_string()))?
    .map_err(store_error)?;
    let (mut results, report) = runner
        .dry_run(keys, now)
        .await
        .map_err(|e| CliError::other(e.to_string()))?;
    if let Some(name) = &only {
        results.retain(|e| &e.rule == name);
    }
    if json {
        output::json(&serde_json::json!({ "results": results, "errors": report.errors }));
        return Ok(Exit::Ok);
    }
    for e in &report.errors {
        outln!("warning: {e} (decided from the store alone)");
    }
    if results.is_empty() {
        outln!("no anomaly matches a rule");
    }
    for e in &results {
        outln!("{}", human(e));
    }
    Ok(Exit::Ok)
}

fn human(e: &Evaluated) -> String {
    let what = match &e.outcome {
        Outcome::Create {
            correlation_id,
            payload,
        } => format!(
            "create {correlation_id}\n    {}",
            serde_json::to_string(payload).unwrap_or_default()
        ),
        Outcome::Link {
            number,
            reopen,
            merge,
        } => {
            let n = if number.is_empty() {
                "the incident being created".to_string()
            } else {
                number.clone()
            };
            match (reopen, merge) {
                (true, _) => format!("link to {n} and reopen it"),
                (false, true) => format!("merge into {n} (consolidated note)"),
                (false, false) => format!("link to {n}"),
            }
        }
        Outcome::Overflow {
            correlation_id,
            payload: Some(_),
        } => format!("overflow: create the window's overflow incident {correlation_id}"),
        Outcome::Overflow { correlation_id, .. } => {
            format!("overflow: listed on {correlation_id}")
        }
        Outcome::Delay { due_at } => format!("delay until {due_at}"),
        Outcome::Nothing => "nothing".to_string(),
    };
    format!(
        "{} [{}] key {}: {} — {}",
        e.anomaly, e.rule, e.key, what, e.why
    )
}
