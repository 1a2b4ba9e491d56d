//! The config file's shape. `deny_unknown_fields` everywhere so a typo is an error with a
//! suggestion (see `load.rs`), never a silently ignored setting.
//!
//! Secrets are `SecretString` from the moment they are parsed, so `Debug` of any of these types
//! prints `[REDACTED]` in their place.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

use crate::domain::{SEVERITY_EXPECTED, Severity, SeverityDefaults};
use crate::source::{DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_RECORD_BYTES, SourceLimits};

/// The whole config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Profile used when `--instance` is not given (otherwise `"default"`).
    pub default_instance: Option<String>,
    /// Name written into comment notes; defaults to `$USER`.
    pub user: Option<String>,
    /// Global fallback for building anomaly hyperlinks (`{id}` is replaced).
    pub anomaly_url_template: Option<String>,
    #[serde(default)]
    pub instances: BTreeMap<String, InstanceConfig>,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    #[serde(default)]
    pub ui: UiConfig,
    /// Action name → key(s). Validated by the dashboard's keymap, not here.
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    /// `[[rules]]`: automatic tickets, checked by `RuleSet::from_config` (docs/rules.md).
    #[serde(default)]
    pub rules: Vec<super::rules::RuleConfig>,
    /// `[store]`: the SQLite file (default) or a PostgreSQL database (docs/config.md §[store]).
    #[serde(default)]
    pub store: super::store::StoreConfig,
}

/// `[instances.<name>]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    pub url: Option<String>,
    pub username: Option<String>,
    pub password_command: Option<String>,
    pub password_env: Option<String>,
    #[serde(default)]
    pub keyring: bool,
    #[serde(default, deserialize_with = "secret_opt")]
    pub password: Option<SecretString>,
    #[serde(default)]
    pub auth: AuthKind,
    pub client_id: Option<String>,
    pub client_secret_command: Option<String>,
    pub client_secret_env: Option<String>,
    #[serde(default, deserialize_with = "secret_opt")]
    pub client_secret: Option<SecretString>,
    #[serde(default)]
    pub grant: Grant,
    pub ca_file: Option<PathBuf>,
    #[serde(default = "default_timeout", deserialize_with = "timeout_secs")]
    pub timeout_secs: u64,
    #[serde(default = "default_max_in_flight", deserialize_with = "max_in_flight")]
    pub max_in_flight: u32,
    #[serde(default)]
    pub read_only: bool,
    pub anomaly_url_template: Option<String>,
    #[serde(default = "default_table")]
    pub table: String,
    /// Defaults to the username when unset.
    pub caller: Option<String>,
    pub assignment_group: Option<String>,
    /// Link-state poll period; 0 turns polling off.
    #[serde(default = "default_poll")]
    pub poll_interval_secs: u64,
    /// The overall deadline of `snowlink sync --once` (`--deadline` overrides it).
    #[serde(default = "default_once_deadline")]
    pub once_deadline_secs: u64,
    /// Incident state back to the anomaly (docs/sync.md §Back-sync); off by default.
    #[serde(default)]
    pub back_sync: bool,
    /// The mapping back-sync uses (docs/config.md §Back-sync); the default is Coralogix's.
    pub back_sync_map: Option<super::back_sync::BackSyncMapConfig>,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        Self {
            url: None,
            username: None,
            password_command: None,
            password_env: None,
            keyring: false,
            password: None,
            auth: AuthKind::default(),
            client_id: None,
            client_secret_command: None,
            client_secret_env: None,
            client_secret: None,
            grant: Grant::default(),
            ca_file: None,
            timeout_secs: default_timeout(),
            max_in_flight: default_max_in_flight(),
            read_only: false,
            anomaly_url_template: None,
            table: default_table(),
            caller: None,
            assignment_group: None,
            poll_interval_secs: default_poll(),
            once_deadline_secs: default_once_deadline(),
            back_sync: false,
            back_sync_map: None,
        }
    }
}

/// How snowlink authenticates to ServiceNow.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    #[default]
    Basic,
    #[serde(rename = "oauth")]
    OAuth,
}

/// OAuth 2.0 grant used against `/oauth_token.do`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    #[default]
    Password,
    ClientCredentials,
}

/// `[[sources]]`: one table shape for every kind; which keys a kind takes is checked after
/// parsing ([`SourceConfig::validate`]), so a key of another kind is an error that names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    /// `file`: the JSON array or NDJSON file.
    #[serde(default)]
    pub path: PathBuf,
    /// Reading stops with an error beyond this size (docs/config.md).
    #[serde(
        default = "default_max_file_bytes",
        deserialize_with = "max_file_bytes"
    )]
    pub max_file_bytes: u64,
    /// A longer record is reported with its line and skipped.
    #[serde(
        default = "default_max_record_bytes",
        deserialize_with = "max_record_bytes"
    )]
    pub max_record_bytes: u64,
    /// `qualytics`, `alertmanager`: the service's address.
    pub url: Option<String>,
    /// `qualytics` token, `alertmanager` bearer token: a command printing it, or an env var.
    pub token_command: Option<String>,
    pub token_env: Option<String>,
    /// Look the token up in the OS keyring (`secret-tool lookup service snowlink-source source NAME`).
    #[serde(default)]
    pub keyring: bool,
    /// `alertmanager` basic auth (for a proxy in front of it).
    pub username: Option<String>,
    pub password_command: Option<String>,
    pub password_env: Option<String>,
    /// `qualytics` filters: datastore and container ids, statuses, tags.
    #[serde(default)]
    pub datastores: Vec<u64>,
    #[serde(default)]
    pub containers: Vec<u64>,
    #[serde(default)]
    pub statuses: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// `alertmanager` matchers in its own syntax (`team="db"`), all of which an alert must match.
    #[serde(default)]
    pub filter: Vec<String>,
    /// `alertmanager`: only alerts routed to receivers matching this regex.
    pub receiver: Option<String>,
    /// `alertmanager`: how long the silence an acknowledge creates lasts before it is renewed.
    #[serde(default = "default_ack_ttl", deserialize_with = "positive_secs")]
    pub ack_ttl_secs: u64,
    /// How often the source is read (files: checked; APIs: polled). Defaults per kind.
    pub poll_secs: Option<u64>,
    /// Per-request deadline of an API source, in seconds.
    #[serde(default = "default_timeout", deserialize_with = "timeout_secs")]
    pub timeout_secs: u64,
}

impl SourceConfig {
    /// A file source with the default caps (tests, the demo, `snowlink load FILE`).
    pub fn file(name: impl Into<String>, path: impl Into<PathBuf>) -> SourceConfig {
        SourceConfig {
            name: name.into(),
            kind: SourceKind::File,
            path: path.into(),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            url: None,
            token_command: None,
            token_env: None,
            keyring: false,
            username: None,
            password_command: None,
            password_env: None,
            datastores: Vec::new(),
            containers: Vec::new(),
            statuses: Vec::new(),
            tags: Vec::new(),
            filter: Vec::new(),
            receiver: None,
            ack_ttl_secs: default_ack_ttl(),
            poll_secs: None,
            timeout_secs: default_timeout(),
        }
    }

    /// The caps this source is read under.
    pub fn limits(&self) -> SourceLimits {
        SourceLimits {
            max_file_bytes: self.max_file_bytes,
            max_record_bytes: self.max_record_bytes,
        }
    }

    /// How often the source is read: `poll_secs`, else 1 s for a file (one `stat`), 60 s for
    /// Qualytics (its rate limits), 15 s for Alertmanager (local and cheap).
    pub fn poll_every(&self) -> std::time::Duration {
        let default = match self.kind {
            SourceKind::File => 1,
            SourceKind::Qualytics => 60,
            SourceKind::Alertmanager => 15,
        };
        std::time::Duration::from_secs(self.poll_secs.unwrap_or(default).max(1))
    }

    /// Keys that belong to another kind, or a kind's missing required keys: one message each,
    /// naming the fix.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        let set = |present: bool, key: &str, kinds: &str, out: &mut Vec<String>| {
            if present {
                out.push(format!(
                    "source `{}`: `{key}` is a setting of {kinds} sources, not of kind \"{}\"; remove it",
                    self.name,
                    self.kind.as_str()
                ));
            }
        };
        let file = self.kind == SourceKind::File;
        let q = self.kind == SourceKind::Qualytics;
        let am = self.kind == SourceKind::Alertmanager;
        if file && self.path.as_os_str().is_empty() {
            out.push(format!(
                "source `{}`: a file source needs path = \"/path/to/anomalies.ndjson\"",
                self.name
            ));
        }
        if !file && !self.path.as_os_str().is_empty() {
            set(true, "path", "file", &mut out);
        }
        if !file && self.url.as_deref().is_none_or(|u| u.trim().is_empty()) {
            out.push(format!(
                "source `{}`: a {} source needs url = \"{}\"",
                self.name,
                self.kind.as_str(),
                if q {
                    "https://acme.qualytics.io"
                } else {
                    "http://127.0.0.1:9093"
                }
            ));
        }
        if file {
            set(
                self.url.is_some(),
                "url",
                "qualytics and alertmanager",
                &mut out,
            );
            set(
                self.token_command.is_some(),
                "token_command",
                "qualytics and alertmanager",
                &mut out,
            );
            set(
                self.token_env.is_some(),
                "token_env",
                "qualytics and alertmanager",
                &mut out,
            );
            set(
                self.keyring,
                "keyring",
                "qualytics and alertmanager",
                &mut out,
            );
        }
        if !q {
            set(
                !self.datastores.is_empty(),
                "datastores",
                "qualytics",
                &mut out,
            );
            set(
                !self.containers.is_empty(),
                "containers",
                "qualytics",
                &mut out,
            );
            set(!self.statuses.is_empty(), "statuses", "qualytics", &mut out);
            set(!self.tags.is_empty(), "tags", "qualytics", &mut out);
        }
        if !am {
            set(!self.filter.is_empty(), "filter", "alertmanager", &mut out);
            set(
                self.receiver.is_some(),
                "receiver",
                "alertmanager",
                &mut out,
            );
            set(
                self.username.is_some(),
                "username",
                "alertmanager",
                &mut out,
            );
            set(
                self.password_command.is_some(),
                "password_command",
                "alertmanager",
                &mut out,
            );
            set(
                self.password_env.is_some(),
                "password_env",
                "alertmanager",
                &mut out,
            );
            set(
                self.ack_ttl_secs != default_ack_ttl(),
                "ack_ttl_secs",
                "alertmanager",
                &mut out,
            );
        }
        if q && self.token_command.is_none() && self.token_env.is_none() && !self.keyring {
            out.push(format!(
                "source `{}`: a qualytics source needs its API token: token_command = \"pass show qualytics\", token_env = \"QUALYTICS_TOKEN\" or keyring = true",
                self.name
            ));
        }
        if q {
            for st in &self.statuses {
                if ![
                    "Active",
                    "Acknowledged",
                    "Resolved",
                    "Invalid",
                    "Duplicate",
                    "Discarded",
                ]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(st))
                {
                    out.push(format!(
                        "source `{}`: unknown Qualytics status {st:?} in statuses; use Active, Acknowledged, Resolved, Invalid, Duplicate or Discarded",
                        self.name
                    ));
                }
            }
        }
        out
    }
}

/// Implemented anomaly source kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// JSON array or NDJSON file.
    File,
    /// A Qualytics instance's anomalies API.
    Qualytics,
    /// A Prometheus Alertmanager's alerts (API v2).
    Alertmanager,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::File => "file",
            SourceKind::Qualytics => "qualytics",
            SourceKind::Alertmanager => "alertmanager",
        }
    }
}

impl<'de> Deserialize<'de> for SourceKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "file" => Ok(SourceKind::File),
            "qualytics" => Ok(SourceKind::Qualytics),
            "alertmanager" => Ok(SourceKind::Alertmanager),
            other => Err(serde::de::Error::custom(format!(
                "unknown source kind `{other}`; the kinds are \"file\", \"qualytics\" and \"alertmanager\""
            ))),
        }
    }
}

fn default_ack_ttl() -> u64 {
    4 * 3600
}

fn positive_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(serde::de::Error::custom(
            "ack_ttl_secs must be at least 1 (the default is 14400, four hours)",
        ));
    }
    Ok(v)
}

/// `[ui]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    #[serde(default)]
    pub theme: Theme,
    /// Default impact and urgency of a new ticket per anomaly severity (the form's, and
    /// `snowlink ticket create` without `--impact`/`--urgency`); severities left out keep
    /// theirs (critical 1/1, high 2/1, medium 2/2, low 3/3, info 3/3).
    #[serde(default, deserialize_with = "severity_impact_urgency")]
    pub severity_impact_urgency: SeverityDefaults,
    /// The anomaly list's columns, left to right (docs/config.md §ui). The title takes the
    /// width the others leave; narrow terminals shrink, then drop, the others first.
    #[serde(default = "ListColumn::defaults", deserialize_with = "list_columns")]
    pub columns: Vec<ListColumn>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: Theme::default(),
            severity_impact_urgency: SeverityDefaults::default(),
            columns: ListColumn::defaults(),
        }
    }
}

/// One column of the dashboard's anomaly list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListColumn {
    Status,
    Severity,
    Id,
    Title,
    /// The configured source name.
    Source,
    /// The datastore (the source name when the anomaly has none).
    Store,
    Detected,
    /// How many incidents are linked.
    Links,
}

impl ListColumn {
    pub fn defaults() -> Vec<ListColumn> {
        vec![
            ListColumn::Status,
            ListColumn::Severity,
            ListColumn::Id,
            ListColumn::Title,
            ListColumn::Store,
            ListColumn::Detected,
            ListColumn::Links,
        ]
    }
}

/// `columns = ["status", "id", "title"]`: known names, each once, at least one.
fn list_columns<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ListColumn>, D::Error> {
    use serde::de::Error;
    let cols = Vec::<ListColumn>::deserialize(d)?;
    if cols.is_empty() {
        return Err(D::Error::custom(
            "columns: give at least one column, e.g. columns = [\"id\", \"title\"]",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &cols {
        if !seen.insert(*c) {
            return Err(D::Error::custom(
                format!("columns: {c:?} is listed twice; list each column once").to_lowercase(),
            ));
        }
    }
    Ok(cols)
}

/// `severity_impact_urgency = { critical = [1, 1], high = [2, 1] }`: known severities only,
/// each value a pair of 1..=3.
fn severity_impact_urgency<'de, D: Deserializer<'de>>(d: D) -> Result<SeverityDefaults, D::Error> {
    use serde::de::Error;
    let table = BTreeMap::<String, Vec<u8>>::deserialize(d)?;
    let mut out = SeverityDefaults::default();
    for (name, pair) in table {
        let Some(sev) = Severity::ALL.into_iter().find(|s| s.as_str() == name) else {
            return Err(D::Error::custom(format!(
                "severity_impact_urgency: unknown severity `{name}`; use one of {SEVERITY_EXPECTED}"
            )));
        };
        let [impact, urgency] = pair[..] else {
            return Err(D::Error::custom(format!(
                "severity_impact_urgency.{name}: give [impact, urgency], e.g. {name} = [2, 2]"
            )));
        };
        out.set(sev, impact, urgency).map_err(|e| {
            D::Error::custom(format!(
                "severity_impact_urgency.{name}: {e}; 1 is high, 3 is low, e.g. {name} = [2, 2]"
            ))
        })?;
    }
    Ok(out)
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

/// One or more key strings bound to an action: `quit = "q"` or `quit = ["q", "ctrl-c"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyList(pub Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key string or a list of key strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeyList, E> {
                Ok(KeyList(vec![v.to_owned()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = a.next_element::<String>()? {
                    keys.push(k);
                }
                Ok(KeyList(keys))
            }
        }
        d.deserialize_any(V)
    }
}

fn default_timeout() -> u64 {
    30
}
fn default_max_in_flight() -> u32 {
    4
}
fn default_table() -> String {
    "incident".to_owned()
}
fn default_once_deadline() -> u64 {
    300
}

fn default_poll() -> u64 {
    60
}

/// Reads a secret without ever putting its value in an error: on a type mismatch serde would quote
/// the value (`invalid type: integer `1234``), so we report only what was expected.
fn secret_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = SecretString;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SecretString, E> {
            Ok(SecretString::from(v))
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<SecretString, E> {
            Err(E::custom("expected a quoted string (value not shown)"))
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<SecretString, E> {
            Err(E::custom("expected a quoted string (value not shown)"))
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<SecretString, E> {
            Err(E::custom("expected a quoted string (value not shown)"))
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<SecretString, E> {
            Err(E::custom("expected a quoted string (value not shown)"))
        }
    }
    d.deserialize_any(V).map(Some)
}

fn timeout_secs<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(serde::de::Error::custom(
            "timeout_secs must be at least 1 (the default is 30)",
        ));
    }
    Ok(v)
}

fn default_max_file_bytes() -> u64 {
    DEFAULT_MAX_FILE_BYTES
}
fn default_max_record_bytes() -> u64 {
    DEFAULT_MAX_RECORD_BYTES
}

fn max_file_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    at_least_one(d, "max_file_bytes", DEFAULT_MAX_FILE_BYTES)
}
fn max_record_bytes<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    at_least_one(d, "max_record_bytes", DEFAULT_MAX_RECORD_BYTES)
}

/// A byte cap of 0 would refuse every file or record: say so instead.
fn at_least_one<'de, D: Deserializer<'de>>(d: D, key: &str, default: u64) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(serde::de::Error::custom(format!(
            "{key} must be at least 1 (the default is {default}, {})",
            crate::source::Bytes(default)
        )));
    }
    Ok(v)
}

fn max_in_flight<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if !(1..=64).contains(&v) {
        return Err(serde::de::Error::custom(format!(
            "max_in_flight must be between 1 and 64, got {v} (the default is 4)"
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod ui_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ui(text: &str) -> Result<UiConfig, String> {
        toml::from_str::<UiConfig>(text).map_err(|e| e.to_string())
    }

    #[test]
    fn columns_default_parse_and_are_checked() {
        assert_eq!(ui("").unwrap().columns, ListColumn::defaults());
        assert_eq!(
            ui(r#"columns = ["id", "source", "title"]"#)
                .unwrap()
                .columns,
            [ListColumn::Id, ListColumn::Source, ListColumn::Title]
        );
        let unknown = ui(r#"columns = ["id", "titel"]"#).unwrap_err();
        assert!(
            unknown.contains("titel") && unknown.contains("title"),
            "{unknown}"
        );
        let twice = ui(r#"columns = ["id", "id"]"#).unwrap_err();
        assert!(twice.contains("listed twice"), "{twice}");
        let empty = ui("columns = []").unwrap_err();
        assert!(empty.contains("at least one column"), "{empty}");
    }
}
