//! Client configuration: base URL rules, credentials, timeouts, trust roots.
//!
//! Credentials are held in `secrecy::SecretString` and every `Debug` impl here is written by hand so
//! a password, client secret or token can never reach a log line or an error message.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use crate::error::Error;

/// Default per-request timeout (DESIGN: `timeout_secs = 30`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap on one response body (16 MiB). A full 1000-row page of incidents with every
/// field shown is a few MiB; anything far larger is not a Table API answer, and reading it whole
/// would let a broken or hostile server exhaust memory (see `docs/servicenow-client.md`).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 << 20;

/// Default cap on the records one `list_all` may gather.
pub const DEFAULT_MAX_LIST_RECORDS: usize = 100_000;

/// Default cap on the requests one `list_all` may make.
pub const DEFAULT_MAX_LIST_REQUESTS: u32 = 1_000;

/// How the client authenticates.
#[derive(Clone)]
pub enum Auth {
    /// HTTP Basic auth on every request.
    Basic {
        username: String,
        password: SecretString,
    },
    /// OAuth 2.0 via `POST /oauth_token.do` (form-encoded), Bearer tokens afterwards.
    OAuth {
        client_id: String,
        client_secret: SecretString,
        grant: OAuthGrant,
    },
}

/// The grant used to obtain the first token (and the fallback when a refresh fails).
#[derive(Clone)]
pub enum OAuthGrant {
    /// Resource-owner password grant.
    Password {
        username: String,
        password: SecretString,
    },
    /// `client_credentials` grant (the instance runs as the OAuth application user).
    ClientCredentials,
}

impl Auth {
    /// The configured user name, when the credentials name one (client credentials do not).
    pub fn username(&self) -> Option<&str> {
        match self {
            Auth::Basic { username, .. } => Some(username),
            Auth::OAuth {
                grant: OAuthGrant::Password { username, .. },
                ..
            } => Some(username),
            Auth::OAuth {
                grant: OAuthGrant::ClientCredentials,
                ..
            } => None,
        }
    }

    /// Short name of the scheme, for messages ("basic", "oauth password", ...).
    pub fn scheme(&self) -> &'static str {
        match self {
            Auth::Basic { .. } => "basic",
            Auth::OAuth {
                grant: OAuthGrant::Password { .. },
                ..
            } => "oauth password grant",
            Auth::OAuth {
                grant: OAuthGrant::ClientCredentials,
                ..
            } => "oauth client_credentials grant",
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
            Auth::OAuth {
                client_id, grant, ..
            } => f
                .debug_struct("OAuth")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .field("grant", grant)
                .finish(),
        }
    }
}

impl fmt::Debug for OAuthGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthGrant::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
            OAuthGrant::ClientCredentials => f.write_str("ClientCredentials"),
        }
    }
}

/// Everything `Client::new` needs.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Instance base URL, e.g. `https://acme.service-now.com` (a path prefix is kept).
    pub base_url: String,
    pub auth: Auth,
    /// Total time allowed for one HTTP request (connect + send + response).
    pub timeout: Duration,
    /// Extra PEM trust roots (corporate CA); added to the built-in roots, verification stays on.
    pub ca_file: Option<PathBuf>,
    /// Overrides the `snowlink/<version>` user agent (the binary passes its own version).
    pub user_agent: Option<String>,
    /// Largest response body accepted, checked while streaming (default 16 MiB).
    pub max_response_bytes: usize,
    /// Most records one `list_all` gathers before giving up (default 100,000).
    pub max_list_records: usize,
    /// Most requests one `list_all` makes before giving up (default 1,000).
    pub max_list_requests: u32,
}

impl ClientConfig {
    /// A config with the defaults: 30 s timeout, built-in roots only, default user agent.
    pub fn new(base_url: impl Into<String>, auth: Auth) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            auth,
            timeout: DEFAULT_TIMEOUT,
            ca_file: None,
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_list_records: DEFAULT_MAX_LIST_RECORDS,
            max_list_requests: DEFAULT_MAX_LIST_REQUESTS,
        }
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Caps one response body (at least 1 KiB, so an error page still fits).
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes.max(1024);
        self
    }

    /// Caps the records one `list_all` gathers (at least 1).
    pub fn max_list_records(mut self, records: usize) -> Self {
        self.max_list_records = records.max(1);
        self
    }

    /// Caps the requests one `list_all` makes (at least 1).
    pub fn max_list_requests(mut self, requests: u32) -> Self {
        self.max_list_requests = requests.max(1);
        self
    }
}

/// Parses and checks the base URL: http(s) only, no embedded credentials, HTTPS unless loopback.
/// Returns the URL without a trailing slash so paths can be appended.
pub(crate) fn validate_base_url(raw: &str) -> Result<Url, Error> {
    let trimmed = raw.trim();
    let mut url = Url::parse(trimmed).map_err(|e| Error::Config {
        message: format!(
            "instance url {:?} is not a valid URL ({e}); use e.g. https://acme.service-now.com",
            redact_userinfo(trimmed)
        ),
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the URL itself here: it holds the credentials.
        return Err(Error::Config {
            message: "instance url contains a user name or password; remove it and set \
                      username/password_command in the config instead"
                .into(),
        });
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::InsecureUrl {
                url: url.to_string(),
            });
        }
        other => {
            return Err(Error::Config {
                message: format!(
                    "instance url scheme {other:?} is not supported; use https://<instance>"
                ),
            });
        }
    }
    if url.host().is_none() {
        return Err(Error::Config {
            message: format!("instance url {url} has no host; use https://<instance>"),
        });
    }
    url.set_query(None);
    url.set_fragment(None);
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

/// Loopback means 127.0.0.0/8, ::1 or the name `localhost` (DESIGN: HTTPS required otherwise).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Drops `user:pass@` from something that failed to parse as a URL before it is echoed.
fn redact_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!("{}{}", &raw[..s + 3], &raw[at + 1..]),
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn loopback_hosts_may_use_http() {
        for u in [
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000/",
            "http://localhost:1234",
            "http://LOCALHOST",
        ] {
            assert!(validate_base_url(u).is_ok(), "{u}");
        }
    }

    #[test]
    fn remote_http_is_refused_with_the_fix() {
        let err = validate_base_url("http://acme.service-now.com").unwrap_err();
        assert!(matches!(err, Error::InsecureUrl { .. }));
        assert!(err.to_string().contains("https://"), "{err}");
        assert!(validate_base_url("http://10.0.0.1").is_err());
        assert!(validate_base_url("http://localhost.evil.com").is_err());
    }

    #[test]
    fn trailing_slash_and_query_are_dropped_prefix_kept() {
        let u = validate_base_url("https://x.example.com/sn/?a=b#f").unwrap();
        assert_eq!(u.as_str(), "https://x.example.com/sn");
    }

    #[test]
    fn url_credentials_are_refused_without_echo() {
        let err = validate_base_url("https://bob:hunter2@x.example.com").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        assert!(!format!("{err:?}").contains("hunter2"));
        let err = validate_base_url("ht!tp://bob:hunter2@x").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn other_schemes_are_config_errors() {
        assert!(matches!(
            validate_base_url("ftp://x.example.com"),
            Err(Error::Config { .. })
        ));
    }
}
