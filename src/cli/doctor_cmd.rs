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
                    let (f, code, roles) = roles_finding(&client, &subject).await;
                    findings.push(f);
                    if code != Exit::Ok {
                        exit = code;
                    }
                    let rules = event_rules(&config, &profile.name);
                    if let Some((f, code)) = events_finding(roles.as_deref(), &rules, &subject) {
                        findings.push(f);
                        if code != Exit::Ok && exit == Exit::Ok {
                            exit = code;
                        }
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

/// The user's roles as `sys_user_has_role` lists them (`None`: not readable), with the finding
/// about the incident roles.
async fn roles_finding(
    client: &servicenow_client::Client,
    subject: &str,
) -> (Finding, Exit, Option<Vec<String>>) {
    let finding = |level, message: String| Finding {
        level,
        subject: subject.to_string(),
        message,
    };
    let (f, exit, roles) = match client.describe_self().await {
        Ok(identity) => {
            let roles = identity.roles.clone();
            let (f, e) = incident_roles(identity.roles, &finding);
            (f, e, roles)
        }
        Err(e) => (
            finding(Level::Warn, format!("could not read the user's roles: {e}")),
            Exit::Ok,
            None,
        ),
    };
    (f, exit, roles)
}

fn incident_roles(
    roles: Option<Vec<String>>,
    finding: &impl Fn(Level, String) -> Finding,
) -> (Finding, Exit) {
    {
        match roles {
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
        }
    }
}

/// The rules that send events to `instance` (a rule without `instance` goes to the default).
fn event_rules(config: &config::Config, instance: &str) -> Vec<String> {
    let default = config
        .rule_instances()
        .into_iter()
        .next()
        .unwrap_or_default();
    config
        .file
        .rules
        .iter()
        .filter(|r| r.target == crate::rules::RuleTarget::Event)
        .filter(|r| r.instance.as_deref().unwrap_or(&default) == instance)
        .map(|r| r.name.clone())
        .collect()
}

/// Whether the user may send events (`POST /api/global/em/jsonv2` needs `evt_mgmt_integration`
/// or admin; docs/rules.md §Events). An error when a rule sends events to this instance, a
/// warning otherwise (`event send` would be refused); `None` when the roles are not readable
/// (the roles line says so already).
fn events_finding(
    roles: Option<&[String]>,
    event_rules: &[String],
    subject: &str,
) -> Option<(Finding, Exit)> {
    const EVENT_ROLE: &str = "evt_mgmt_integration";
    let roles = roles?;
    let can = roles.iter().any(|r| r == EVENT_ROLE || r == "admin");
    let finding = |level, message: String| Finding {
        level,
        subject: subject.to_string(),
        message,
    };
    Some(if can {
        (
            finding(
                Level::Ok,
                format!("can send events to Event Management ({EVENT_ROLE})"),
            ),
            Exit::Ok,
        )
    } else if event_rules.is_empty() {
        (
            finding(
                Level::Warn,
                format!(
                    "cannot send events: the user lacks the {EVENT_ROLE} role, so `event send` is refused with 403; if you use Event Management, ask a ServiceNow admin to grant {EVENT_ROLE} to this account"
                ),
            ),
            Exit::Ok,
        )
    } else {
        (
            finding(
                Level::Error,
                format!(
                    "403 ahead: rule(s) {} send events here but the user lacks the {EVENT_ROLE} role (POST /api/global/em/jsonv2 is refused). Ask a ServiceNow admin to grant {EVENT_ROLE} to this account",
                    event_rules.join(", ")
                ),
            ),
            Exit::AuthOrPermission,
        )
    })
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
