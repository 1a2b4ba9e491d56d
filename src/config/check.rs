//! `snowlink config check`: validate everything a command would need, without printing a secret.
//! Each finding is one line that names the problem and the fix.

use std::time::Duration;

use serde::Serialize;

use super::command::DEFAULT_TIMEOUT;
use super::env::Env;
use super::load::Config;
use super::paths::Paths;
use super::profile::Credentials;
use super::schema::AuthKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    Info,
    Warn,
    Error,
}

/// One result line. `subject` is what it is about (`config`, `instance prod`, `source dq`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub level: Level,
    pub subject: String,
    pub message: String,
}

/// All findings, in check order (stable `--json` shape).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub findings: Vec<Finding>,
}

impl CheckReport {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.level == Level::Error)
    }

    pub(super) fn push(
        &mut self,
        level: Level,
        subject: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.findings.push(Finding {
            level,
            subject: subject.into(),
            message: message.into(),
        });
    }
}

/// Hides the `SNOWLINK_*` overrides so other profiles are checked as the file defines them.
struct WithoutOverrides<'a>(&'a dyn Env);

impl Env for WithoutOverrides<'_> {
    fn var(&self, key: &str) -> Option<String> {
        match key {
            "SNOWLINK_URL" | "SNOWLINK_USERNAME" | "SNOWLINK_PASSWORD" => None,
            _ => self.0.var(key),
        }
    }
}

/// Checks the config at `paths` for `--instance cli_instance`.
pub fn check(paths: &Paths, cli_instance: Option<&str>, env: &dyn Env) -> CheckReport {
    check_with_timeout(paths, cli_instance, env, DEFAULT_TIMEOUT)
}

/// [`check`] with a custom deadline for credential helpers.
pub fn check_with_timeout(
    paths: &Paths,
    cli_instance: Option<&str>,
    env: &dyn Env,
    timeout: Duration,
) -> CheckReport {
    let mut r = CheckReport::default();
    let cfg = match Config::load(paths) {
        Ok(cfg) => cfg,
        Err(e) => {
            r.push(Level::Error, "config", e.to_string());
            return r;
        }
    };
    check_file(&cfg, paths, env, &mut r);
    check_instances(&cfg, cli_instance, env, timeout, &mut r);
    check_sources(&cfg, env, &mut r);
    check_rules(&cfg, &mut r);
    super::check_store::check_store(&cfg, env, timeout, &mut r);
    let data = &paths.data_dir;
    if data.is_dir() {
        r.push(Level::Ok, "data", format!("data dir {}", data.display()));
    } else {
        r.push(
            Level::Info,
            "data",
            format!("data dir {} will be created on first use", data.display()),
        );
    }
    r
}

fn check_file(cfg: &Config, paths: &Paths, env: &dyn Env, r: &mut CheckReport) {
    let Some(path) = &cfg.path else {
        let (level, how) = if env.non_empty("SNOWLINK_URL").is_some() {
            (
                Level::Info,
                "using SNOWLINK_URL and the other SNOWLINK_* variables",
            )
        } else {
            (
                Level::Error,
                "run `snowlink config init` and edit it, or set SNOWLINK_URL",
            )
        };
        r.push(
            level,
            "config",
            format!("no config file at {}; {how}", paths.config_file.display()),
        );
        return;
    };
    r.push(Level::Ok, "config", format!("{} parses", path.display()));
    if let Some(mode) = cfg.mode.filter(|m| m & 0o077 != 0) {
        let has_plain = cfg
            .file
            .instances
            .values()
            .any(|i| i.password.is_some() || i.client_secret.is_some());
        let (level, why) = if has_plain {
            (Level::Error, "it holds a plain secret that others can read")
        } else {
            (Level::Warn, "keep it private")
        };
        r.push(
            level,
            "config",
            format!(
                "{} has mode {mode:04o}; {why}: run `chmod 600 {}`",
                path.display(),
                path.display()
            ),
        );
    }
}

fn check_instances(
    cfg: &Config,
    cli_instance: Option<&str>,
    env: &dyn Env,
    timeout: Duration,
    r: &mut CheckReport,
) {
    let (selected, _) = cfg.instance_name(cli_instance);
    for name in cfg.instance_names().iter().filter(|n| *n != selected) {
        if let Err(e) = cfg.profile(Some(name), &WithoutOverrides(env)) {
            r.push(Level::Error, format!("instance {name}"), e.to_string());
        }
    }
    let subject = format!("instance {selected}");
    let profile = match cfg.profile(cli_instance, env) {
        Ok(p) => p,
        Err(e) => {
            r.push(Level::Error, subject, e.to_string());
            return;
        }
    };
    let auth = match profile.auth {
        AuthKind::Basic => "basic auth".to_owned(),
        AuthKind::OAuth => format!("OAuth ({:?} grant)", profile.grant).to_lowercase(),
    };
    r.push(
        Level::Ok,
        &subject,
        format!("selected: {} with {auth}", profile.base_url()),
    );
    if !profile.env_overrides.is_empty() {
        r.push(
            Level::Info,
            &subject,
            format!("overridden by {}", profile.env_overrides.join(", ")),
        );
    }
    if profile.read_only {
        r.push(Level::Info, &subject, "read_only: every write is refused");
    }
    if profile.back_sync {
        r.push(
            Level::Ok,
            &subject,
            format!(
                "back_sync on (changes by {} are never applied): {}",
                profile.own_users.join(", "),
                super::back_sync::describe(&profile.back_sync_map)
            ),
        );
    } else if cfg
        .file
        .instances
        .get(&profile.name)
        .is_some_and(|i| i.back_sync_map.is_some())
    {
        r.push(
            Level::Warn,
            &subject,
            "back_sync_map is set but back_sync is off: nothing is applied; add back_sync = true",
        );
    }
    if let Some(ca) = &profile.ca_file {
        match std::fs::File::open(ca) {
            Ok(_) => r.push(
                Level::Ok,
                &subject,
                format!("ca_file {} is readable", ca.display()),
            ),
            Err(e) => r.push(
                Level::Error,
                &subject,
                format!(
                    "ca_file {} cannot be read ({e}); fix the path or remove ca_file",
                    ca.display()
                ),
            ),
        }
    }
    match profile.credentials_with_timeout(env, timeout) {
        Ok(c) => {
            let who = match &c.credentials {
                Credentials::Basic { username, .. } => format!("user {username}"),
                Credentials::OAuth { client_id, .. } => format!("client {client_id}"),
            };
            let mut from = Vec::new();
            if let Some(o) = &c.password_origin {
                from.push(format!("password from {o}"));
            }
            if let Some(o) = &c.client_secret_origin {
                from.push(format!("client secret from {o}"));
            }
            r.push(
                Level::Ok,
                &subject,
                format!("credentials resolve for {who} ({})", from.join(", ")),
            );
        }
        Err(e) => r.push(Level::Error, &subject, e.to_string()),
    }
}

fn check_sources(cfg: &Config, env: &dyn Env, r: &mut CheckReport) {
    let sources = cfg.sources(env);
    if sources.is_empty() {
        r.push(
            Level::Warn,
            "sources",
            "no [[sources]] configured: the dashboard will be empty; add a [[sources]] table with kind = \"file\"",
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &sources {
        let subject = format!("source {}", s.name);
        if !seen.insert(s.name.as_str()) {
            r.push(
                Level::Error,
                &subject,
                "the name is used by more than one [[sources]] table; names must be unique",
            );
        }
        if s.kind != crate::config::SourceKind::File {
            // An API source is reached by the ingester; its health shows in `snowlink sources`.
            r.push(
                Level::Ok,
                &subject,
                format!(
                    "{} source at {} (read every {} s)",
                    s.kind.as_str(),
                    s.url.as_deref().unwrap_or("?"),
                    s.poll_every().as_secs()
                ),
            );
            continue;
        }
        // The same checks a load makes, without parsing: never opens a FIFO for a blocking
        // read, never reads more than the first 64 KiB.
        match crate::source::probe_file(&s.path, &s.limits()) {
            Ok(probe) => r.push(
                Level::Ok,
                &subject,
                format!(
                    "{} is readable ({})",
                    s.path.display(),
                    crate::source::Bytes(probe.size)
                ),
            ),
            Err(crate::source::SourceError::Read { source, .. }) => r.push(
                Level::Error,
                &subject,
                format!(
                    "{} cannot be read ({source}); fix path or create the file",
                    s.path.display()
                ),
            ),
            Err(e) => r.push(Level::Error, &subject, e.to_string()),
        }
    }
}

/// `[[rules]]`: every problem of every rule, one finding each (rule, field, cause, fix).
fn check_rules(cfg: &Config, r: &mut CheckReport) {
    if cfg.file.rules.is_empty() {
        return;
    }
    match cfg.rule_set() {
        Ok(set) => {
            for rule in set.rules() {
                r.push(
                    Level::Ok,
                    format!("rule {}", rule.name),
                    format!(
                        "{} on instance {} (table {}), at most {} per {}{}",
                        match (rule.target, rule.action) {
                            (crate::rules::RuleTarget::Event, _) => {
                                "sends Event Management events"
                            }
                            (_, crate::rules::RuleAction::Create) => "creates incidents",
                            (_, crate::rules::RuleAction::Link) => "links to open incidents",
                        },
                        rule.instance,
                        rule.table,
                        rule.flood.flood_limit,
                        crate::rules::format_duration(rule.flood.flood_interval),
                        if rule.continue_on {
                            "; later rules continue"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        Err(errors) => {
            for e in errors {
                r.push(
                    Level::Error,
                    format!("rule {}", e.rule),
                    format!("{}: {}; {}", e.field, e.cause, e.fix),
                );
            }
        }
    }
}
