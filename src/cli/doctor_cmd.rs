//! `snowlink doctor`: config, credentials, reachability, auth, roles, hibernation — one
//! actionable line per finding, most useful first.

use serde::Serialize;
use servicenow_client::ProbeFinding;

use crate::config::{self, Level, ProcessEnv};

use super::context::{Globals, client_for};
use super::error::CliResult;
use super::exit::Exit;
use super::output;

#[derive(Debug, Serialize)]
struct Finding {
    level: Level,
    subject: String,
    message: String,
}

/// Roles that may create and update incidents (reference §8, §10).
const WRITE_ROLES: &[&str] = &["itil", "admin", "sn_incident_write"];

pub async fn run(globals: &Globals) -> CliResult<Exit> {
    let paths = globals.paths()?;
    let report = config::check(&paths, globals.instance.as_deref(), &ProcessEnv);
    let mut findings: Vec<Finding> = report
        .findings
        .iter()
        .map(|f| Finding {
            level: f.level,
            subject: f.subject.clone(),
            message: f.message.clone(),
        })
        .collect();
    let mut exit = if report.has_errors() {
        Exit::UsageOrConfig
    } else {
        Exit::Ok
    };
    if !report.has_errors() {
        let (_, config) = globals.load_config()?;
        let profile = globals.profile(&config)?;
        let subject = format!("instance {}", profile.name);
        match client_for(&profile).await {
            Err(e) => {
                findings.push(Finding {
                    level: Level::Error,
                    subject: subject.clone(),
                    message: e.message,
                });
                exit = e.exit;
            }
            Ok(client) => {
                let probe = client.probe().await;
                let level = if probe.is_ok() {
                    Level::Ok
                } else {
                    Level::Error
                };
                let message = match probe.finding {
                    ProbeFinding::NotServiceNow => format!(
                        "this URL does not answer as a ServiceNow instance (no Table API JSON); check `url`: {}",
                        probe.line()
                    ),
                    _ => probe.line(),
                };
                findings.push(Finding {
                    level,
                    subject: subject.clone(),
                    message,
                });
                exit = match probe.finding {
                    ProbeFinding::Ok => Exit::Ok,
                    ProbeFinding::Unauthorized | ProbeFinding::MissingRole => {
                        Exit::AuthOrPermission
                    }
                    _ => Exit::Unreachable,
                };
                if probe.is_ok() {
                    let (f, code) = roles_finding(&client, &subject).await;
                    findings.push(f);
                    if code != Exit::Ok {
                        exit = code;
                    }
                    findings.extend(data_policy_findings(&client, &subject).await);
                }
            }
        }
    }
    if globals.json {
        output::json(&serde_json::json!({"findings": findings, "ok": exit == Exit::Ok}));
    } else {
        for f in &findings {
            output::finding(f.level, &f.subject, &f.message);
        }
    }
    Ok(exit)
}

async fn roles_finding(client: &servicenow_client::Client, subject: &str) -> (Finding, Exit) {
    let finding = |level, message: String| Finding {
        level,
        subject: subject.to_string(),
        message,
    };
    match client.describe_self().await {
        Ok(identity) => match identity.roles {
            Some(roles) if roles.iter().any(|r| WRITE_ROLES.contains(&r.as_str())) => (
                finding(Level::Ok, format!("roles: {} (can create and update incidents)", roles.join(", "))),
                Exit::Ok,
            ),
            Some(roles) => (
                finding(
                    Level::Error,
                    format!(
                        "403 ahead: the user has {} but not itil: creating incidents and adding work notes will be refused (ACL). Ask a ServiceNow admin to grant the itil role to this account",
                        if roles.is_empty() { "no roles".to_string() } else { format!("roles [{}]", roles.join(", ")) }
                    ),
                ),
                Exit::AuthOrPermission,
            ),
            None => (
                finding(
                    Level::Warn,
                    "roles not readable (sys_user_has_role): cannot confirm the itil role; if creates fail with 403, ask an admin to grant itil".into(),
                ),
                Exit::Ok,
            ),
        },
        Err(e) => (
            finding(Level::Warn, format!("could not read the user's roles: {e}")),
            Exit::Ok,
        ),
    }
}

/// Data policies on incident: a create or resolve missing a mandatory field is refused with a
/// 403 "Data Policy Exception". Reads `sys_data_policy2`/`sys_data_policy_rule` where the
/// instance lets this user; otherwise says what is known to be required.
async fn data_policy_findings(client: &servicenow_client::Client, subject: &str) -> Vec<Finding> {
    let finding = |level, message: String| Finding {
        level,
        subject: subject.to_string(),
        message,
    };
    match crate::ops::incident_data_policies(client).await {
        Ok(Some(policies)) if policies.is_empty() => vec![finding(
            Level::Ok,
            "no active data policy makes incident fields mandatory".into(),
        )],
        Ok(Some(policies)) => policies
            .into_iter()
            .map(|p| {
                let fields = p.mandatory.join(", ");
                if p.conditions.trim().is_empty() {
                    finding(
                        Level::Warn,
                        format!(
                            "data policy {:?} makes {fields} mandatory on every incident: give them on `ticket create` (e.g. --category) or creates are refused with 403",
                            p.name
                        ),
                    )
                } else {
                    finding(
                        Level::Info,
                        format!(
                            "data policy {:?} makes {fields} mandatory when {}; snowlink never changes incident state, so its notes are not affected",
                            p.name, p.conditions
                        ),
                    )
                }
            })
            .collect(),
        Ok(None) | Err(_) => vec![finding(
            Level::Info,
            "data policies are not readable by this user; resolving incidents usually needs close_code and close_notes (snowlink never changes incident state)".into(),
        )],
    }
}
