//! Start-up configuration and the demo accounts.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::FaultSpec;

/// What to do with a query condition on a field the table does not have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownFieldPolicy {
    /// Drop the condition (the documented default: a typo can return every row).
    #[default]
    Ignore,
    /// 403 `Insufficient rights to query records`.
    Forbidden,
    /// Return no rows (`glide.invalid_query.returns_no_rows=true`).
    NoRows,
}

impl std::str::FromStr for UnknownFieldPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ignore" => Ok(Self::Ignore),
            "forbidden" | "403" => Ok(Self::Forbidden),
            "no_rows" | "no-rows" => Ok(Self::NoRows),
            other => Err(format!(
                "unknown policy {other:?}: use ignore, forbidden or no_rows"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    /// Added to every request (before faults).
    pub latency: Duration,
    pub faults: Vec<FaultSpec>,
    /// Extra seed data (JSON, see docs/emulator.md) loaded over the built-in seed.
    pub seed: Option<PathBuf>,
    /// Lifetime of OAuth access tokens (`expires_in` is one second less).
    pub token_lifetime: Duration,
    pub unknown_field_policy: UnknownFieldPolicy,
    /// The user a `client_credentials` grant acts as (the OAuth Application User).
    pub oauth_application_user: String,
    /// Inbound REST API rate limit rules (`sys_rate_limit_rules`); none by default, as on an
    /// instance (docs/emulator.md §Rate limits).
    pub rate_limits: Vec<crate::rate_limit::RateLimitRule>,
    /// How long the rules' "hour" lasts: an hour, unless a benchmark shortens it to finish.
    pub rate_limit_hour: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            latency: Duration::ZERO,
            faults: Vec::new(),
            seed: None,
            token_lifetime: Duration::from_secs(1800),
            unknown_field_policy: UnknownFieldPolicy::Ignore,
            oauth_application_user: "itil".to_string(),
            rate_limits: Vec::new(),
            rate_limit_hour: Duration::from_secs(3600),
        }
    }
}

/// A built-in login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAccount {
    pub user_name: &'static str,
    pub password: &'static str,
    pub roles: &'static [&'static str],
}

pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        user_name: "admin",
        password: "admin",
        roles: &["admin"],
    },
    DemoAccount {
        user_name: "itil",
        password: "itil",
        roles: &["itil"],
    },
    DemoAccount {
        user_name: "guest",
        password: "guest",
        roles: &[],
    },
];

/// The emulator's OAuth client (`client_id`, `client_secret`).
pub const OAUTH_CLIENT_ID: &str = "snowlink";
pub const OAUTH_CLIENT_SECRET: &str = "snowlink-secret";
