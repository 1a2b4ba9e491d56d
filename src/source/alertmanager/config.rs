//! Settings of one Alertmanager source: where it is, how to authenticate, what to read, and the
//! bounds every call keeps (docs/sources-alertmanager.md, "Settings").

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

use super::error::AlertmanagerError;

/// Default total deadline of one request (connect, send, and the whole body).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on one response body. An alert is ~1 KiB, so this holds ~30,000 alerts.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// How to authenticate. Alertmanager itself has no auth; these are for the proxy in front of it.
#[derive(Clone, Default)]
pub enum AlertmanagerAuth {
    #[default]
    None,
    Basic {
        username: String,
        password: SecretString,
    },
    Bearer(SecretString),
}

impl fmt::Debug for AlertmanagerAuth {
    // Never prints a secret, so settings can be logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertmanagerAuth::None => f.write_str("None"),
            AlertmanagerAuth::Basic { username, .. } => {
                write!(f, "Basic {{ username: {username:?}, password: *** }}")
            }
            AlertmanagerAuth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// Settings for [`super::AlertmanagerClient::new`].
#[derive(Debug, Clone)]
pub struct AlertmanagerConfig {
    /// Where Alertmanager serves its UI, e.g. `http://127.0.0.1:9093` or
    /// `https://proxy.example/alertmanager` (a `--web.route-prefix` path is kept).
    pub base_url: String,
    pub auth: AlertmanagerAuth,
    /// Total deadline of each request, body included.
    pub timeout: Duration,
    /// Cap on each response body; an answer over it is [`AlertmanagerError::TooLarge`].
    pub max_response_bytes: usize,
    /// Matchers sent as repeated `filter=` query parameters, in Alertmanager's own syntax
    /// (`team="db"`, `severity=~"critical|high"`); an alert must match all of them.
    pub filters: Vec<String>,
    /// Only alerts routed to a receiver whose name matches this regex (Alertmanager anchors it).
    pub receiver: Option<String>,
}

impl AlertmanagerConfig {
    /// Settings with the default bounds, no auth and no filters.
    pub fn new(base_url: impl Into<String>) -> AlertmanagerConfig {
        AlertmanagerConfig {
            base_url: base_url.into(),
            auth: AlertmanagerAuth::None,
            timeout: DEFAULT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            filters: Vec::new(),
            receiver: None,
        }
    }
}

/// Checks the base URL (http or https, a host, no query, fragment or credentials) and returns it
/// without a trailing `/`, so `/api/v2/...` can be appended as it is.
pub(super) fn validate_base_url(raw: &str) -> Result<String, AlertmanagerError> {
    let bad = |why: &str| AlertmanagerError::Config {
        message: format!(
            "url {raw:?} {why}; set url to Alertmanager's address, e.g. http://127.0.0.1:9093"
        ),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not carry credentials; use the source's basic auth settings instead",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn base_url_keeps_a_route_prefix_and_drops_the_trailing_slash() {
        let u = validate_base_url("https://proxy.example/alertmanager/").unwrap();
        assert_eq!(u, "https://proxy.example/alertmanager");
        let u = validate_base_url("http://127.0.0.1:9093").unwrap();
        assert_eq!(u, "http://127.0.0.1:9093");
    }

    #[test]
    fn base_url_errors_name_the_fix() {
        for bad in [
            "127.0.0.1:9093",
            "ftp://h",
            "http://h/?x=1",
            "http://u:p@h",
            "nonsense",
        ] {
            let e = validate_base_url(bad).unwrap_err().to_string();
            assert!(
                e.contains("set url to Alertmanager's address"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn auth_debug_hides_secrets() {
        let a = AlertmanagerAuth::Basic {
            username: "ann".into(),
            password: SecretString::from("hunter2"),
        };
        assert!(!format!("{a:?}").contains("hunter2"));
        let b = AlertmanagerAuth::Bearer(SecretString::from("tok3n"));
        assert!(!format!("{b:?}").contains("tok3n"));
    }
}
