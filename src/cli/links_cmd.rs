//! `snowlink links` (every link, of every instance, with its last known incident state: the
//! selected instance is only the default target, it never hides another instance's links) and
//! `snowlink links refresh` (re-read them all, each instance through its own credentials:
//! ⌈N/100⌉ requests per instance).

use serde::Serialize;

use crate::config::ProcessEnv;
use crate::domain::{Link, table_label};
use crate::sync::LinkPoller;

use super::args::LinksCommand;
use super::context::{Globals, client_for};
use super::error::CliResult;
use super::exit::Exit;
use super::output::{self, outln};
use super::source_wiring::worse;
use super::sync_cmd::{store_error, sync_error};

#[derive(Debug, Serialize)]
struct LinkRow<'a> {
    #[serde(flatten)]
    link: &'a Link,
    /// What a human sees in the state column: the state, `unknown (<reason>)` after a failed
    /// read, `never read`.
    shown_state: String,
}

#[derive(Debug, Serialize)]
struct LinksOutput<'a> {
    instance: &'a str,
    links: Vec<LinkRow<'a>>,
}

pub async fn run(action: Option<LinksCommand>, globals: &Globals) -> CliResult<Exit> {
    let (_paths, config, location) = globals.load_store().await?;
    let profile = globals.profile(&config)?;
    if let Some(LinksCommand::Rediscover(args)) = action {
        return super::rediscover_cmd::run(&args, globals, &config).await;
    }
    let mut exit = Exit::Ok;
    if let Some(LinksCommand::Refresh) = action {
        let store = location.open().map_err(store_error)?;
        let mut instances: Vec<String> = store
            .all_links()
            .map_err(store_error)?
            .into_iter()
            .map(|l| l.incident.instance)
            .collect();
        instances.dedup();
        if !instances.contains(&profile.name) {
            instances.insert(0, profile.name.clone());
        }
        let mut reports = Vec::new();
        for name in &instances {
            let p = if *name == profile.name {
                profile.clone()
            } else {
                match config.profile(Some(name), &ProcessEnv) {
                    Ok(p) => p,
                    Err(e) => {
                        super::output::errln!(
                            "snowlink: warning: links on instance {name} not refreshed: {e}"
                        );
                        exit = worse(exit, Exit::UsageOrConfig);
                        continue;
                    }
                }
            };
            let client = client_for(&p).await?;
            let poller = LinkPoller::new(&location, p.name.clone(), client)
                .await
                .map_err(sync_error)?;
            let report = poller.refresh().await.map_err(sync_error)?;
            if let Some(category) = report.error_category {
                exit = worse(
                    exit,
                    match category.exit_code() {
                        3 => Exit::AuthOrPermission,
                        2 => Exit::UsageOrConfig,
                        _ => Exit::Unreachable,
                    },
                );
            }
            reports.push(report);
        }
        if globals.json {
            // One instance: its report as before; several: `{"instances": [report, …]}`.
            match reports.as_slice() {
                [one] => output::json(one),
                all => output::json(&serde_json::json!({ "instances": all })),
            }
            return Ok(exit);
        }
        for report in &reports {
            outln!(
                "{}: read {} of {} linked records in {} requests{}",
                report.instance,
                report.updated,
                report.records,
                report.requests,
                report
                    .read_at
                    .map(|t| format!(" at {t}"))
                    .unwrap_or_default()
            );
            for n in &report.not_found {
                outln!("{n}: not found or hidden; its links are marked broken");
            }
            if let Some(e) = &report.error {
                outln!(
                    "{} records not read (last known state kept): {e}",
                    report.unread
                );
            }
        }
    }
    let store = location.open().map_err(store_error)?;
    let links = store.all_links().map_err(store_error)?;
    // The instance column appears as soon as a link is not on the selected instance.
    let several = links.iter().any(|l| l.incident.instance != profile.name);
    let rows: Vec<LinkRow<'_>> = links
        .iter()
        .map(|link| LinkRow {
            link,
            shown_state: shown_state(link),
        })
        .collect();
    if globals.json {
        output::json(&LinksOutput {
            instance: &profile.name,
            links: rows,
        });
        return Ok(exit);
    }
    if rows.is_empty() {
        outln!("no links (selected instance: {})", profile.name);
        return Ok(exit);
    }
    let instance_col = |name: &str| {
        if several {
            format!("{name:<12} ")
        } else {
            String::new()
        }
    };
    outln!(
        "{}{:<14} {:<11} {:<20} {:<24} {:<14} {:<16} {:<16} READ",
        instance_col("INSTANCE"),
        "TABLE",
        "NUMBER",
        "ANOMALY",
        "STATE",
        "PRIORITY",
        "GROUP",
        "ASSIGNEE"
    );
    for r in &rows {
        let l = r.link;
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        outln!(
            "{}{:<14} {:<11} {:<20} {:<24} {:<14} {:<16} {:<16} {}",
            instance_col(&l.incident.instance),
            table_label(&l.incident.table),
            format!(
                "{}{}",
                l.incident.number,
                if l.broken { " BROKEN" } else { "" }
            ),
            l.anomaly.to_string(),
            r.shown_state,
            dash(&l.last.priority),
            dash(&l.last.assignment_group),
            dash(&l.last.assigned_to),
            l.read_at
                .map_or_else(|| "never".to_string(), |t| t.to_string())
        );
    }
    for line in sharing_summary(rows.iter().map(|r| r.link)) {
        outln!("{line}");
    }
    Ok(exit)
}

/// "INC0000005 is linked to 2 anomalies: …" and "A-1001 is linked to 2 incidents: …", so
/// many-to-many links are said, not left to be spotted in the table.
fn sharing_summary<'a>(links: impl Iterator<Item = &'a Link>) -> Vec<String> {
    use std::collections::BTreeMap;
    let mut by_incident: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut by_anomaly: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for l in links {
        by_incident
            .entry(l.incident.number.as_str())
            .or_default()
            .push(l.anomaly.id.clone());
        by_anomaly
            .entry(l.anomaly.id.clone())
            .or_default()
            .push(l.incident.number.as_str());
    }
    let mut out = Vec::new();
    for (number, anomalies) in by_incident.iter().filter(|(_, a)| a.len() > 1) {
        out.push(format!(
            "{number} is linked to {} anomalies: {}",
            anomalies.len(),
            anomalies.join(", ")
        ));
    }
    for (id, incidents) in by_anomaly.iter().filter(|(_, i)| i.len() > 1) {
        out.push(format!(
            "{id} is linked to {} incidents: {}",
            incidents.len(),
            incidents.join(", ")
        ));
    }
    out
}

fn shown_state(l: &Link) -> String {
    match (&l.read_error, &l.last.state, l.read_at) {
        (Some(e), _, _) => format!("unknown ({e})"),
        (None, Some(s), _) => s.clone(),
        (None, None, Some(_)) => "-".into(),
        (None, None, None) => "never read".into(),
    }
}
