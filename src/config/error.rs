//! Every way configuration can fail. Messages name the file, the key and the fix, and never carry a
//! secret: variants hold key names, paths, env var names and (redacted) command stderr, not values.

use std::path::PathBuf;

/// Result alias for this module.
pub type Result<T, E = ConfigError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot determine the {what} directory: neither {xdg_var} nor HOME is set; set one of them or pass {flag}"
    )]
    NoHomeDir {
        what: &'static str,
        xdg_var: &'static str,
        flag: &'static str,
    },

    #[error("config file {} does not exist; create it with `snowlink config init` or fix --config / SNOWLINK_CONFIG", path.display())]
    ConfigNotFound { path: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A TOML syntax error or a schema error (unknown key, wrong type, value out of range).
    #[error("{0}")]
    Parse(Box<ParseError>),

    #[error("no ServiceNow instance configured: {} does not exist and SNOWLINK_URL is not set; run `snowlink config init` and edit the file, or set SNOWLINK_URL", config_file.display())]
    NoInstance { config_file: PathBuf },

    #[error("instance `{name}` is not defined in {}; {}", file_label(.file), known_list(.known))]
    UnknownInstance {
        name: String,
        known: Vec<String>,
        file: Option<PathBuf>,
    },

    #[error(
        "instance `{instance}` has no url; add `url = \"https://<name>.service-now.com\"` under [instances.{instance}] or set SNOWLINK_URL"
    )]
    MissingUrl { instance: String },

    #[error("invalid url {value:?} for instance `{instance}`: {reason}{}", hint(.suggestion))]
    InvalidUrl {
        instance: String,
        /// The url as given, with any userinfo removed.
        value: String,
        reason: String,
        suggestion: Option<String>,
    },

    #[error("instance `{instance}`: {message}")]
    InvalidInstance { instance: String, message: String },

    #[error("{}: [[sources]]: {problems}", path.display())]
    InvalidSources { path: PathBuf, problems: String },

    /// `[store]` (docs/config.md §[store]).
    #[error("[store]: {message}")]
    Store { message: String },

    #[error("source `{source_name}`: {message}")]
    SourceSecret {
        source_name: String,
        message: String,
    },

    #[error(
        "instance `{instance}` needs a username for {purpose}; add `username = \"…\"` under [instances.{instance}] or set SNOWLINK_USERNAME"
    )]
    MissingUsername {
        instance: String,
        purpose: &'static str,
    },

    #[error("no {what} configured for instance `{instance}`; set one of {options} under [instances.{instance}]{}", if .what == &"password" { " or set SNOWLINK_PASSWORD" } else { "" })]
    NoSecret {
        instance: String,
        what: &'static str,
        options: &'static str,
    },

    #[error("{key} for instance `{instance}` {problem}")]
    SecretCommand {
        instance: String,
        /// `password_command` or `client_secret_command` (the command itself is not shown: it may
        /// embed a secret).
        key: &'static str,
        problem: String,
    },

    #[error(
        "{key} = \"{var}\" for instance `{instance}`, but ${var} is not set or empty; export it or choose another source"
    )]
    SecretEnvUnset {
        instance: String,
        key: &'static str,
        var: String,
    },

    #[error(
        "keyring = true for instance `{instance}`, but no keyring is available on this host (`secret-tool` was not found in PATH); install libsecret-tools, or use {alternatives} instead"
    )]
    KeyringUnavailable {
        instance: String,
        alternatives: &'static str,
    },

    #[error(
        "keyring lookup of the {what} for instance `{instance}` {problem}; store it with `secret-tool store --label='snowlink {instance}' service {service} instance {instance}`"
    )]
    KeyringLookup {
        instance: String,
        what: &'static str,
        service: &'static str,
        problem: String,
    },

    #[error("refusing to use the plain `{key}` of instance `{instance}`: {} has mode {mode:04o}, readable by others; run `chmod 600 {}` or use {key}_command / {key}_env", file.display(), file.display())]
    InsecurePlainSecret {
        instance: String,
        key: &'static str,
        file: PathBuf,
        mode: u32,
    },

    #[error(
        "plain `{key}` of instance `{instance}` cannot be used: {reason}; use {key}_command or {key}_env"
    )]
    PlainSecretUnusable {
        instance: String,
        key: &'static str,
        reason: String,
    },

    #[error("{} already exists; pass --force to overwrite it", path.display())]
    AlreadyExists { path: PathBuf },
}

/// Where and why the config file did not parse. Display: `FILE:LINE:COL: in [TABLE]: MESSAGE; did
/// you mean `KEY`?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: PathBuf,
    /// 1-based; 0 when toml gave no position.
    pub line: usize,
    /// 1-based, in characters; 0 when toml gave no position.
    pub column: usize,
    /// The table the error is in, like `instances.prod`, when known.
    pub table: Option<String>,
    /// The offending key, when known.
    pub key: Option<String>,
    pub message: String,
    /// Closest known key or value, for unknown ones.
    pub suggestion: Option<String>,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        f.write_str(": ")?;
        if let Some(table) = &self.table {
            write!(f, "in [{table}]: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(s) = &self.suggestion {
            write!(f, "; did you mean `{s}`?")?;
        }
        Ok(())
    }
}

fn file_label(file: &Option<PathBuf>) -> String {
    match file {
        Some(p) => p.display().to_string(),
        None => "the configuration (no config file)".to_owned(),
    }
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        "no instances are defined; add an [instances.<name>] table".to_owned()
    } else {
        format!(
            "known instances: {}; pick one with --instance or default_instance",
            known.join(", ")
        )
    }
}

fn hint(s: &Option<String>) -> String {
    match s {
        Some(s) => format!("; did you mean {s}?"),
        None => String::new(),
    }
}
