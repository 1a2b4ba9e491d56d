//! Picking the instance profile (`--instance`, `default_instance`, `"default"`), applying the
//! `SNOWLINK_URL` / `SNOWLINK_USERNAME` overrides, and resolving its credentials.

use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Serialize;
use url::Url;

use super::base_url;
use super::command::DEFAULT_TIMEOUT;
use super::env::Env;
use super::error::{ConfigError, Result};
use super::load::Config;
use super::schema::{AuthKind, Grant, InstanceConfig, SourceConfig};
use super::secret::{self, SecretOrigin, SecretSources};

/// Profile name used when neither `--instance` nor `default_instance` is given.
pub const DEFAULT_INSTANCE: &str = "default";

/// A selected, validated instance profile. Holds the secret *sources*, never a resolved secret;
/// call [`Profile::credentials`] when a request is about to be made.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// Normalised base URL; its path ends with `/` so `url.join("api/now/…")` works.
    pub url: Url,
    pub username: Option<String>,
    pub auth: AuthKind,
    /// Meaningful only with `auth = "oauth"`.
    pub grant: Grant,
    pub client_id: Option<String>,
    /// Absolute (relative paths in the file are taken from the config file's directory).
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
    pub max_in_flight: usize,
    pub read_only: bool,
    /// The instance's template, else the global one.
    pub anomaly_url_template: Option<String>,
    pub table: String,
    /// `caller`, else the username.
    pub caller: Option<String>,
    pub assignment_group: Option<String>,
    /// `None` when `poll_interval_secs = 0`.
    pub poll_interval: Option<Duration>,
    /// `once_deadline_secs`: how long `sync --once` may run in all.
    pub once_deadline: Duration,
    /// `back_sync = true`: incident state changes are applied to anomalies.
    pub back_sync: bool,
    /// The mapping back-sync applies (the default when `back_sync_map` is absent).
    pub back_sync_map: crate::domain::BackSyncMap,
    /// ServiceNow user_names whose changes are never applied back: `username` (snowlink's own)
    /// and `back_sync_map.ignore_users`.
    pub own_users: Vec<String>,
    /// Which `SNOWLINK_*` variables changed this profile, for `config check` / `doctor`.
    pub env_overrides: Vec<&'static str>,
    password: SecretSources,
    client_secret: SecretSources,
    file: Option<PathBuf>,
    mode: Option<u32>,
}

/// Ready-to-use credentials. `Debug` shows `[REDACTED]` for every secret.
#[derive(Debug, Clone)]
pub enum Credentials {
    Basic {
        username: String,
        password: SecretString,
    },
    OAuth {
        client_id: String,
        client_secret: SecretString,
        grant: OAuthGrant,
    },
}

#[derive(Debug, Clone)]
pub enum OAuthGrant {
    Password {
        username: String,
        password: SecretString,
    },
    ClientCredentials,
}

/// Credentials plus where each secret came from (printable, e.g. by `config check`).
#[derive(Debug, Clone)]
pub struct ResolvedCredentials {
    pub credentials: Credentials,
    pub password_origin: Option<SecretOrigin>,
    pub client_secret_origin: Option<SecretOrigin>,
}

/// How the profile name was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    Flag,
    DefaultInstance,
    Fallback,
}

impl Config {
    /// `--instance`, else `default_instance`, else `"default"`.
    pub fn instance_name<'a>(&'a self, cli_instance: Option<&'a str>) -> (&'a str, Selection) {
        match (cli_instance, self.file.default_instance.as_deref()) {
            (Some(n), _) => (n, Selection::Flag),
            (None, Some(n)) => (n, Selection::DefaultInstance),
            (None, None) => (DEFAULT_INSTANCE, Selection::Fallback),
        }
    }

    /// Names of the instances defined in the file, sorted.
    pub fn instance_names(&self) -> Vec<String> {
        self.file.instances.keys().cloned().collect()
    }

    /// The selected profile with env overrides applied. With no profile of that name, a profile
    /// is built from `SNOWLINK_URL` alone when the name was not asked for explicitly (or there is no
    /// config file at all).
    pub fn profile(&self, cli_instance: Option<&str>, env: &dyn Env) -> Result<Profile> {
        let (name, how) = self.instance_name(cli_instance);
        let env_url = env.non_empty("SNOWLINK_URL");
        let synthesized;
        let ic = match self.file.instances.get(name) {
            Some(ic) => ic,
            None if env_url.is_some() && (how == Selection::Fallback || self.path.is_none()) => {
                synthesized = InstanceConfig::default();
                &synthesized
            }
            None if self.path.is_none() => {
                return Err(ConfigError::NoInstance {
                    config_file: self.looked_at.clone(),
                });
            }
            None => {
                return Err(ConfigError::UnknownInstance {
                    name: name.to_owned(),
                    known: self.instance_names(),
                    file: self.path.clone(),
                });
            }
        };
        self.build(name, ic, env, env_url)
    }

    /// The name written into comment notes: `user`, else `$USER`, else `$LOGNAME`, else the
    /// selected profile's ServiceNow username, else the profile's name (`snowlink@prod`): a
    /// note always names who or what wrote it.
    pub fn user(&self, env: &dyn Env, profile: &Profile) -> String {
        self.file
            .user
            .clone()
            .filter(|u| !u.is_empty())
            .or_else(|| env.non_empty("USER"))
            .or_else(|| env.non_empty("LOGNAME"))
            .or_else(|| profile.username.clone().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| format!("snowlink@{}", profile.name))
    }

    /// `[[sources]]` with their paths made absolute (see [`Config::resolve_path`]).
    pub fn sources(&self, env: &dyn Env) -> Vec<SourceConfig> {
        self.file
            .sources
            .iter()
            .map(|s| SourceConfig {
                path: self.resolve_path(&s.path, env),
                ..s.clone()
            })
            .collect()
    }

    /// Expands a leading `~/` with `$HOME` and takes relative paths from the config file's
    /// directory, so a config means the same thing whatever the working directory.
    pub fn resolve_path(&self, p: &Path, env: &dyn Env) -> PathBuf {
        if let (Ok(rest), Some(home)) = (p.strip_prefix("~"), env.non_empty("HOME")) {
            return PathBuf::from(home).join(rest);
        }
        if p.is_absolute() {
            return p.to_path_buf();
        }
        match self.path.as_deref().and_then(Path::parent) {
            Some(dir) => dir.join(p),
            None => p.to_path_buf(),
        }
    }

    fn build(
        &self,
        name: &str,
        ic: &InstanceConfig,
        env: &dyn Env,
        env_url: Option<String>,
    ) -> Result<Profile> {
        let mut env_overrides = Vec::new();
        let raw_url = match env_url {
            Some(u) => {
                env_overrides.push("SNOWLINK_URL");
                u
            }
            None => ic.url.clone().ok_or_else(|| ConfigError::MissingUrl {
                instance: name.to_owned(),
            })?,
        };
        let url = base_url::normalise(name, &raw_url)?;
        let username = match env.non_empty("SNOWLINK_USERNAME") {
            Some(u) => {
                env_overrides.push("SNOWLINK_USERNAME");
                Some(u)
            }
            None => ic.username.clone().filter(|u| !u.is_empty()),
        };
        if env.non_empty("SNOWLINK_PASSWORD").is_some() {
            env_overrides.push("SNOWLINK_PASSWORD");
        }
        if ic.auth == AuthKind::OAuth && ic.client_id.as_deref().is_none_or(str::is_empty) {
            return Err(ConfigError::InvalidInstance {
                instance: name.to_owned(),
                message: "auth = \"oauth\" needs client_id (the OAuth application's client id)"
                    .to_owned(),
            });
        }
        let back_sync_map =
            super::back_sync::mapping(ic.back_sync_map.as_ref()).map_err(|message| {
                ConfigError::InvalidInstance {
                    instance: name.to_owned(),
                    message,
                }
            })?;
        let mut own_users: Vec<String> = username.iter().cloned().collect();
        if let Some(m) = &ic.back_sync_map {
            own_users.extend(
                m.ignore_users
                    .iter()
                    .filter(|u| !u.trim().is_empty())
                    .cloned(),
            );
        }
        if ic.back_sync && own_users.is_empty() {
            return Err(ConfigError::InvalidInstance {
                instance: name.to_owned(),
                message: "back_sync needs snowlink's own ServiceNow user_name, so its own changes are never applied back: set username, or back_sync_map.ignore_users = [\"<the OAuth application user>\"]".to_owned(),
            });
        }
        Ok(Profile {
            back_sync: ic.back_sync,
            back_sync_map,
            own_users,
            name: name.to_owned(),
            url,
            caller: ic.caller.clone().or_else(|| username.clone()),
            username,
            auth: ic.auth,
            grant: ic.grant,
            client_id: ic.client_id.clone(),
            ca_file: ic.ca_file.as_deref().map(|p| self.resolve_path(p, env)),
            timeout: Duration::from_secs(ic.timeout_secs),
            max_in_flight: ic.max_in_flight as usize,
            read_only: ic.read_only,
            anomaly_url_template: ic
                .anomaly_url_template
                .clone()
                .or_else(|| self.file.anomaly_url_template.clone()),
            table: ic.table.clone(),
            assignment_group: ic.assignment_group.clone(),
            poll_interval: (ic.poll_interval_secs > 0)
                .then(|| Duration::from_secs(ic.poll_interval_secs)),
            once_deadline: Duration::from_secs(ic.once_deadline_secs.max(1)),
            env_overrides,
            password: SecretSources {
                command: ic.password_command.clone(),
                env: ic.password_env.clone(),
                keyring: ic.keyring,
                plain: ic.password.clone(),
            },
            client_secret: SecretSources {
                command: ic.client_secret_command.clone(),
                env: ic.client_secret_env.clone(),
                keyring: ic.keyring,
                plain: ic.client_secret.clone(),
            },
            file: self.path.clone(),
            mode: self.mode,
        })
    }
}

impl Profile {
    /// The base URL without its trailing slash, as users write it.
    pub fn base_url(&self) -> String {
        base_url::display(&self.url)
    }

    /// Resolves the secrets this profile's auth needs (helpers get 10 s each).
    pub fn credentials(&self, env: &dyn Env) -> Result<ResolvedCredentials> {
        self.credentials_with_timeout(env, DEFAULT_TIMEOUT)
    }

    /// Same as [`Profile::credentials`] with a custom helper deadline.
    pub fn credentials_with_timeout(
        &self,
        env: &dyn Env,
        timeout: Duration,
    ) -> Result<ResolvedCredentials> {
        let ctx = secret::Context {
            instance: &self.name,
            env,
            timeout,
            file: self.file.as_deref(),
            mode: self.mode,
        };
        let username = |purpose| {
            self.username
                .clone()
                .ok_or_else(|| ConfigError::MissingUsername {
                    instance: self.name.clone(),
                    purpose,
                })
        };
        match (self.auth, self.grant) {
            (AuthKind::Basic, _) => {
                let username = username("basic auth")?;
                let (password, origin) = secret::resolve(&secret::PASSWORD, &self.password, &ctx)?;
                Ok(ResolvedCredentials {
                    credentials: Credentials::Basic { username, password },
                    password_origin: Some(origin),
                    client_secret_origin: None,
                })
            }
            (AuthKind::OAuth, grant) => {
                let client_id = self.client_id.clone().unwrap_or_default();
                let (client_secret, cs_origin) =
                    secret::resolve(&secret::CLIENT_SECRET, &self.client_secret, &ctx)?;
                let (grant, password_origin) = match grant {
                    Grant::ClientCredentials => (OAuthGrant::ClientCredentials, None),
                    Grant::Password => {
                        let username = username("the OAuth password grant")?;
                        let (password, origin) =
                            secret::resolve(&secret::PASSWORD, &self.password, &ctx)?;
                        (OAuthGrant::Password { username, password }, Some(origin))
                    }
                };
                Ok(ResolvedCredentials {
                    credentials: Credentials::OAuth {
                        client_id,
                        client_secret,
                        grant,
                    },
                    password_origin,
                    client_secret_origin: Some(cs_origin),
                })
            }
        }
    }
}
