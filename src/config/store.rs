//! `[store]`: where the store lives (docs/config.md §[store], docs/postgres.md). Without `url`
//! it is the SQLite file in the data dir; with `url = "postgres://…"` a PostgreSQL database,
//! whose password comes from `password_command` or `password_env` (never from the URL, which
//! appears in messages) through the same credential-helper code as an instance's.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::command;
use super::env::Env;
use super::error::{ConfigError, Result};
use super::secret::{SecretOrigin, command_problem};

/// The `[store]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `postgres://user@host[:port]/db[?sslmode=…]`; absent: the SQLite file.
    pub url: Option<String>,
    pub password_command: Option<String>,
    pub password_env: Option<String>,
    /// The CA certificate(s), PEM, that a server's certificate must chain to with
    /// `sslmode=verify-full` (instead of the public roots).
    pub ca_file: Option<PathBuf>,
    /// Bound on connecting (TCP, TLS, authentication), seconds.
    pub connect_timeout_secs: Option<u64>,
}

/// How a PostgreSQL connection uses TLS (the URL's `sslmode`, libpq's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS required; the certificate is not checked (protects against listeners, not against
    /// someone in the middle).
    Require,
    /// TLS required; the certificate must chain to `ca_file` (or the public roots) and name the
    /// host. The default.
    VerifyFull,
}

/// What connecting to a PostgreSQL store needs, resolved: the URL without `sslmode`, the TLS
/// mode, the password (when one is configured).
#[derive(Debug, Clone)]
pub struct PgStoreConfig {
    /// The URL as configured minus `sslmode`; holds no password.
    pub url: String,
    pub sslmode: SslMode,
    pub ca_file: Option<PathBuf>,
    pub password: Option<SecretString>,
    pub password_origin: Option<SecretOrigin>,
    pub connect_timeout: Duration,
}

pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

fn invalid(message: impl Into<String>) -> ConfigError {
    ConfigError::Store {
        message: message.into(),
    }
}

impl StoreConfig {
    /// `Some` when the store is PostgreSQL: the URL checked, the password resolved (running
    /// `password_command`; never printed).
    pub fn postgres(&self, env: &dyn Env, timeout: Duration) -> Result<Option<PgStoreConfig>> {
        let Some(url) = self.url.as_deref().filter(|u| !u.trim().is_empty()) else {
            if self.password_command.is_some() || self.password_env.is_some() {
                return Err(invalid(
                    "password_command / password_env are set but url is not; add url = \"postgres://user@host/db\" or remove them",
                ));
            }
            return Ok(None);
        };
        let (url, sslmode) = split_url(url)?;
        let (password, password_origin) = match self.password(env, timeout)? {
            Some((p, o)) => (Some(p), Some(o)),
            None => (None, None),
        };
        let connect_timeout = match self.connect_timeout_secs {
            Some(0) => {
                return Err(invalid(
                    "connect_timeout_secs must be at least 1 (the default is 10)",
                ));
            }
            Some(s) => Duration::from_secs(s),
            None => DEFAULT_CONNECT_TIMEOUT,
        };
        Ok(Some(PgStoreConfig {
            url,
            sslmode,
            ca_file: self.ca_file.clone(),
            password,
            password_origin,
            connect_timeout,
        }))
    }

    fn password(
        &self,
        env: &dyn Env,
        timeout: Duration,
    ) -> Result<Option<(SecretString, SecretOrigin)>> {
        if let Some(script) = self
            .password_command
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            return command::run_shell(script, timeout)
                .map(|s| Some((s, SecretOrigin::Command)))
                .map_err(|f| invalid(format!("password_command {}", command_problem(&f, script))));
        }
        if let Some(var) = self.password_env.as_deref().filter(|v| !v.is_empty()) {
            return match env.non_empty(var) {
                Some(v) => Ok(Some((
                    SecretString::from(v),
                    SecretOrigin::Env(var.to_owned()),
                ))),
                None => Err(invalid(format!(
                    "password_env = \"{var}\", but ${var} is not set or empty; export it or use password_command"
                ))),
            };
        }
        Ok(None)
    }
}

/// Checks the URL's shape and takes `sslmode` out of it (the client library knows only
/// disable/prefer/require, and verifying is done here). A password in the URL is refused: the
/// URL is shown in messages and `config check`.
fn split_url(url: &str) -> Result<(String, SslMode)> {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return Err(invalid(
            "url must start with postgres:// (postgres://user@host:5432/db, or postgres://user@%2Frun%2Fpostgresql/db for a Unix socket)",
        ));
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && userinfo.contains(':')
    {
        return Err(invalid(
            "url holds a password; remove it from the url and set password_command or password_env",
        ));
    }
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut sslmode = SslMode::VerifyFull;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                sslmode = match value {
                    "disable" => SslMode::Disable,
                    "require" => SslMode::Require,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(invalid(format!(
                            "sslmode={other} is not supported; use verify-full (the default: certificate checked), require (encrypted, certificate not checked) or disable"
                        )));
                    }
                }
            }
            "sslrootcert" => {
                return Err(invalid(
                    "sslrootcert in the url is not read; set ca_file under [store] instead",
                ));
            }
            "password" => {
                return Err(invalid(
                    "url holds a password; remove it and set password_command or password_env",
                ));
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, sslmode))
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
