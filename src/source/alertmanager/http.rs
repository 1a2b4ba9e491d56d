//! The HTTP core of the Alertmanager client: one bounded request, its reply classified into a
//! body or a typed error. Bounds (docs/sources-alertmanager.md, "Bounds"): reqwest's total
//! `timeout` is a deadline from sending to the last body byte, so a server that drips bytes still
//! ends there; the body is read chunk by chunk under a byte cap, so a huge or endless answer fails
//! after at most the cap instead of exhausting memory. Redirects are never followed: a 3xx is a
//! login wall or a wrong URL, and following it could carry credentials elsewhere.

use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use secrecy::ExposeSecret;
use serde::Serialize;
use url::Url;

use super::config::{AlertmanagerAuth, AlertmanagerConfig, validate_base_url};
use super::error::AlertmanagerError;

/// Longest error text kept from a failed reply (Alertmanager's are one short line).
const ERROR_BODY_BYTES: usize = 4 * 1024;

/// Typed, bounded Alertmanager API v2 client. Cheap to clone (clones share connections).
#[derive(Debug, Clone)]
pub struct AlertmanagerClient {
    http: reqwest::Client,
    /// Base URL without a trailing `/`.
    base: String,
    auth: AlertmanagerAuth,
    timeout: Duration,
    max_response_bytes: usize,
    pub(super) filters: Vec<String>,
    pub(super) receiver: Option<String>,
}

/// A request to send. `path` starts with `/` and is below the base URL.
pub(super) struct Call<'a, B: Serialize> {
    pub method: Method,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<&'a B>,
    /// What a 404 means, for the error ("silence 1234"), and what to do then.
    pub what: String,
    pub fix: &'static str,
}

impl AlertmanagerClient {
    /// Checks the settings and builds the HTTP client (no network traffic).
    pub fn new(cfg: AlertmanagerConfig) -> Result<AlertmanagerClient, AlertmanagerError> {
        let base = validate_base_url(&cfg.base_url)?;
        if cfg.max_response_bytes == 0 || cfg.timeout.is_zero() {
            return Err(AlertmanagerError::Config {
                message: "max_response_bytes and timeout_secs must be above 0; remove them to use the defaults".into(),
            });
        }
        let http = crate::source::http::http_client(cfg.timeout).map_err(|e| {
            AlertmanagerError::Config {
                message: format!("cannot set up the HTTP client ({e})"),
            }
        })?;
        Ok(AlertmanagerClient {
            http,
            base,
            auth: cfg.auth,
            timeout: cfg.timeout,
            max_response_bytes: cfg.max_response_bytes,
            filters: cfg.filters,
            receiver: cfg.receiver,
        })
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Sends one call; a 2xx reply's body (capped), or the typed error for anything else.
    pub(super) async fn send<B: Serialize>(
        &self,
        call: Call<'_, B>,
    ) -> Result<Vec<u8>, AlertmanagerError> {
        let plain = format!("{}{}", self.base, call.path);
        let mut url = Url::parse(&plain).map_err(|e| AlertmanagerError::Config {
            message: format!("cannot build a request URL from {plain} ({e}); check url"),
        })?;
        if !call.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &call.query {
                pairs.append_pair(k, v);
            }
        }
        let mut req = self
            .http
            .request(call.method, url)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        req = match &self.auth {
            AlertmanagerAuth::None => req,
            AlertmanagerAuth::Basic { username, password } => {
                req.basic_auth(username, Some(password.expose_secret()))
            }
            AlertmanagerAuth::Bearer(token) => req.bearer_auth(token.expose_secret()),
        };
        if let Some(body) = call.body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| self.transport(&e, &plain))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return self
                .read_capped(resp, &plain, self.max_response_bytes)
                .await?
                .ok_or_else(|| AlertmanagerError::TooLarge {
                    url: plain.clone(),
                    limit: self.max_response_bytes,
                });
        }
        // An error reply's text only explains; an oversized one is cut, not an error of its own.
        let text = match self.read_capped(resp, &plain, ERROR_BODY_BYTES).await {
            Ok(Some(b)) => error_message(&b),
            _ => String::from("(no readable error text)"),
        };
        Err(classify(status, plain, text, call.what, call.fix))
    }

    /// The body, `None` as soon as it would exceed `limit` bytes (a declared length over the
    /// cap fails before a byte is read).
    async fn read_capped(
        &self,
        mut resp: reqwest::Response,
        url: &str,
        limit: usize,
    ) -> Result<Option<Vec<u8>>, AlertmanagerError> {
        let declared = resp.content_length();
        if declared.is_some_and(|n| n > limit as u64) {
            return Ok(None);
        }
        let mut body = Vec::with_capacity(declared.map_or(8 * 1024, |n| n as usize).min(limit));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(&e, url))? {
            if body.len() + chunk.len() > limit {
                return Ok(None);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(body))
    }

    fn transport(&self, e: &reqwest::Error, url: &str) -> AlertmanagerError {
        let url = url.to_owned();
        if e.is_timeout() {
            return AlertmanagerError::Timeout {
                url,
                timeout: self.timeout,
            };
        }
        let cause = root_cause(e);
        if e.is_connect() {
            AlertmanagerError::Connect { url, cause }
        } else {
            AlertmanagerError::Transport { url, cause }
        }
    }
}

/// The innermost error text ("Connection refused (os error 111)"), which says the most.
fn root_cause(e: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// Alertmanager answers errors as a JSON string (`"bad matcher format: foo"`) or as
/// `{"code":…,"message":…}`; anything else is shown as text, shortened.
fn error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Object(o)) => match o.get("message") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => serde_json::Value::Object(o).to_string(),
        },
        _ => {
            let text = String::from_utf8_lossy(body);
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if one_line.is_empty() {
                "no error text".to_owned()
            } else {
                one_line.chars().take(200).collect()
            }
        }
    }
}

fn classify(
    status: u16,
    url: String,
    message: String,
    what: String,
    fix: &'static str,
) -> AlertmanagerError {
    match status {
        401 | 403 => AlertmanagerError::Auth { url, status },
        404 => AlertmanagerError::NotFound {
            url,
            status,
            what,
            fix,
        },
        400 | 422 => AlertmanagerError::Rejected {
            url,
            status,
            message,
        },
        429 | 500..=599 => AlertmanagerError::Server {
            url,
            status,
            message,
        },
        _ => AlertmanagerError::UnexpectedStatus {
            url,
            status,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_comes_from_either_alertmanager_shape() {
        assert_eq!(
            error_message(br#""bad matcher format: foo""#),
            "bad matcher format: foo"
        );
        assert_eq!(
            error_message(br#"{"code":601,"message":"silenceID in path must be of type uuid"}"#),
            "silenceID in path must be of type uuid"
        );
        assert_eq!(
            error_message(b"<html>\n <b>Login</b>\n</html>"),
            "<html> <b>Login</b> </html>"
        );
        assert_eq!(error_message(b""), "no error text");
    }

    #[test]
    fn statuses_map_to_errors_that_say_what_to_do() {
        let c = |s| classify(s, "u".into(), "m".into(), "silence x".into(), "fix it");
        assert!(matches!(c(401), AlertmanagerError::Auth { .. }));
        assert!(matches!(c(403), AlertmanagerError::Auth { .. }));
        assert!(matches!(c(404), AlertmanagerError::NotFound { .. }));
        assert!(matches!(c(422), AlertmanagerError::Rejected { .. }));
        assert!(c(503).is_transient() && c(429).is_transient());
        assert!(!c(302).is_transient());
        assert!(c(302).to_string().contains("redirecting proxy"));
    }
}
