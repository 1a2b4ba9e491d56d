//! `snowlink links rediscover [--since DURATION|DATE] [--instance NAME] [--dry-run]`: rebuild
//! the links from ServiceNow on every configured instance (or only `--instance`), each through
//! its own profile; one instance failing never stops the others (docs/store.md §Rediscovery,
//! docs/json-output.md). Reads only.

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::ErrorCategory;

use crate::config::{Config, ProcessEnv};
use crate::ops::{InstanceReport, ReadBounds, RediscoverOptions, rediscover_instance};

use super::args::RediscoverArgs;
use super::context::{Globals, client_for, session};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, errln, outln};
use super::source_wiring::worse;

#[derive(Debug, Serialize)]
struct Output<'a> {
    dry_run: bool,
    since: Option<Timestamp>,
    instances: &'a [InstanceReport],
}

pub async fn run(args: &RediscoverArgs, globals: &Globals, config: &Config) -> CliResult<Exit> {
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, Timestamp::now()))
        .transpose()?;
    let rules = super::rules_cmd::rule_set(config)?;
    // Reads the sources on their first use, so anomalies are known before links are matched.
    let session = session(globals, false).await?;
    let names = match &globals.instance {
        Some(one) => vec![one.clone()],
        None => {
            let mut all = config.instance_names();
            if all.is_empty() {
                all.push(session.profile.name.clone());
            }
            all
        }
    };
    let opts = RediscoverOptions {
        store: session.store.clone(),
        since,
        dry_run: args.dry_run,
        user: session.user.clone(),
        sources: config
            .sources(&ProcessEnv)
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        url_template: session.url_template.clone(),
        rules,
        bounds: ReadBounds::default(),
    };
    let mut exit = Exit::Ok;
    let mut reports = Vec::new();
    for name in &names {
        let report = match instance(name, config, &opts).await {
            Ok(r) => {
                exit = worse(exit, exit_of(&r));
                r
            }
            Err(e) => {
                exit = worse(exit, e.exit);
                InstanceReport {
                    instance: name.clone(),
                    error: Some(e.message.clone()),
                    ..InstanceReport::default()
                }
            }
        };
        if !globals.json {
            print_report(&report, args.dry_run);
        }
        reports.push(report);
    }
    if globals.json {
        output::json(&Output {
            dry_run: args.dry_run,
            since,
            instances: &reports,
        });
    }
    Ok(exit)
}

async fn instance(
    name: &str,
    config: &Config,
    opts: &RediscoverOptions,
) -> CliResult<InstanceReport> {
    let profile = config.profile(Some(name), &ProcessEnv)?;
    let client = client_for(&profile).await?;
    rediscover_instance(&client, &profile.name, opts)
        .await
        .map_err(|e| CliError::other(format!("instance {name}: {e}")))
}

/// The exit code an instance's report asks for (docs/json-output.md §Exit codes).
fn exit_of(r: &InstanceReport) -> Exit {
    match r.worst() {
        None => Exit::Ok,
        Some(ErrorCategory::Auth | ErrorCategory::Permission) => Exit::AuthOrPermission,
        Some(ErrorCategory::Unavailable | ErrorCategory::RateLimited) => Exit::Unreachable,
        Some(ErrorCategory::Config) => Exit::UsageOrConfig,
        Some(ErrorCategory::NotFound | ErrorCategory::Invalid) => Exit::Error,
    }
}

fn print_report(r: &InstanceReport, dry_run: bool) {
    if let Some(e) = &r.error {
        errln!(
            "snowlink: {}: {e} (the other instances are still read)",
            r.instance
        );
        return;
    }
    let verb = if dry_run { "would add" } else { "added" };
    for t in &r.tables {
        if let Some(why) = &t.skipped {
            outln!("{}: {}: skipped: {why}", r.instance, t.table);
            continue;
        }
        if let Some(e) = &t.error {
            errln!("snowlink: {}: {}: {e}", r.instance, t.table);
            continue;
        }
        let hidden = if t.hidden > 0 {
            format!(", {} hidden by ACLs", t.hidden)
        } else {
            String::new()
        };
        let placeholders = if t.placeholders > 0 {
            format!(" ({} for anomalies no source lists yet)", t.placeholders)
        } else {
            String::new()
        };
        outln!(
            "{}: {}: {} records read{hidden}, {} links found: {verb} {}{placeholders}, {} already present, {} unparseable",
            r.instance,
            t.table,
            t.records,
            t.found,
            t.added,
            t.already_present,
            t.unparseable.len()
        );
        for u in &t.unparseable {
            outln!("  {}: unparseable: {}", u.number, u.reason);
        }
        if let Some(c) = &t.capped {
            errln!("snowlink: {}: {c}", r.instance);
        }
    }
    if r.rule_keys_added > 0 || r.rule_decisions_added > 0 {
        let verb = if dry_run { "would restore" } else { "restored" };
        outln!(
            "{}: rules: {verb} {} key(s) and {} decision(s), so the rules runner joins these records",
            r.instance,
            r.rule_keys_added,
            r.rule_decisions_added
        );
    }
}

/// `--since`: a duration back from `now` (`90m`, `7d`, `1h30m`) or a time: `YYYY-MM-DD`
/// (midnight UTC), `YYYY-MM-DD HH:MM:SS` (UTC, ServiceNow's form) or RFC 3339.
pub fn parse_since(text: &str, now: Timestamp) -> CliResult<Timestamp> {
    let t = text.trim();
    if let Ok(d) = crate::rules::parse_duration(t) {
        return now
            .checked_sub(d)
            .map_err(|e| CliError::usage(format!("--since {t}: {e}")));
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(ts);
    }
    let civil = t.parse::<jiff::civil::DateTime>().or_else(|_| {
        t.parse::<jiff::civil::Date>()
            .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
    });
    civil
        .ok()
        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            CliError::usage(format!(
                "--since {t:?}: expected a duration (90m, 7d) or a date (2026-11-01, \
                 2026-11-01 08:00:00 UTC, RFC 3339)"
            ))
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn since_takes_durations_and_dates() {
        let now: Timestamp = "2026-12-01T12:00:00Z".parse().unwrap();
        let at = |s: &str| parse_since(s, now).unwrap().to_string();
        assert_eq!(at("90m"), "2026-12-01T10:30:00Z");
        assert_eq!(at("7d"), "2026-11-24T12:00:00Z");
        assert_eq!(at("2026-11-01"), "2026-11-01T00:00:00Z");
        assert_eq!(at("2026-11-01 08:00:00"), "2026-11-01T08:00:00Z");
        assert_eq!(at("2026-11-01T08:00:00+02:00"), "2026-11-01T06:00:00Z");
        assert!(parse_since("yesterday", now).is_err());
    }
}
