//! Configuration: the TOML file, instance profiles, credential resolution, and the paths snowlink
//! uses. Reference for users: `docs/config.md`; every key is shown in `config.example.toml`.
//!
//! Typical use at the binary edge:
//! ```no_run
//! use snowlink::config::{Config, Paths, ProcessEnv};
//! # fn main() -> Result<(), snowlink::config::ConfigError> {
//! let paths = Paths::resolve(None, None)?;
//! let config = Config::load(&paths)?;
//! let profile = config.profile(None, &ProcessEnv)?;
//! let creds = profile.credentials(&ProcessEnv)?;
//! # let _ = creds; Ok(()) }
//! ```
//! Everything that reads the environment takes `&dyn Env` so tests inject a [`MapEnv`].

mod back_sync;
mod base_url;
mod check;
mod check_online;
mod check_store;
mod command;
mod env;
mod error;
mod init;
mod load;
mod paths;
mod profile;
mod rules;
mod schema;
mod secret;
mod source_secret;
mod store;
mod suggest;

pub use back_sync::BackSyncMapConfig;
pub use check::{CheckReport, Finding, Level, check, check_with_timeout};
pub use check_online::check_rules_online;
pub use command::DEFAULT_TIMEOUT as HELPER_TIMEOUT;
pub use env::{Env, MapEnv, ProcessEnv};
pub use error::{ConfigError, ParseError, Result};
pub use init::{InitOutcome, TEMPLATE, init};
pub use load::{Config, parse_str};
pub use paths::{CONFIG_FILE, DB_FILE, PathOrigin, PathStatus, Paths, PathsReport};
pub use profile::{
    Credentials, DEFAULT_INSTANCE, OAuthGrant, Profile, ResolvedCredentials, Selection,
};
pub use rules::{MatchConfig, RuleConfig, TemplateConfig};
pub use schema::{
    AuthKind, ConfigFile, Grant, InstanceConfig, KeyList, ListColumn, SourceConfig, SourceKind,
    Theme, UiConfig,
};
pub use secret::SecretOrigin;
pub use store::{DEFAULT_CONNECT_TIMEOUT, PgStoreConfig, SslMode, StoreConfig};
pub(crate) use suggest::closest as closest_name;

#[cfg(test)]
mod profile_tests;

#[cfg(test)]
mod check_tests;

#[cfg(test)]
mod example_tests;

#[cfg(test)]
mod redaction_tests;
