//! The HTTP core of the Qualytics client: configuration, bearer auth, one bounded request
//! (streamed body cap, total deadline) and the mapping of answers to typed errors.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use super::error::QualyticsError;

/// The largest page `GET /api/anomalies` allows (`size` 1–100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// How to reach one Qualytics instance. `Debug` never shows the token.
#[derive(Clone)]
pub struct QualyticsClientConfig {
    /// The instance, e.g. `https://acme.qualytics.io` (the UI and API host).
    pub base_url: String,
    /// The API prefix below `base_url`; `/api` as qualytics-cli's default (`""` = the root).
    pub api_path: String,
    pub token: SecretString,
    /// Total deadline of one request, body included (qualytics-cli's default is 30 s).
    pub timeout: Duration,
    /// Cap on one answer's body, read as a stream.
    pub max_response_bytes: usize,
    /// Cap on the records one listing may hold.
    pub max_records: usize,
    /// Cap on the requests one listing may send.
    pub max_requests: u32,
}

impl QualyticsClientConfig {
    pub fn new(base_url: impl Into<String>, token: SecretString) -> QualyticsClientConfig {
        QualyticsClientConfig {
            base_url: base_url.into(),
            api_path: "/api".to_owned(),
            token,
            timeout: Duration::from_secs(30),
            // A page of 100 anomalies is ~100-300 KB; 16 MiB leaves room for wide records.
            max_response_bytes: 16 * 1024 * 1024,
            max_records: 500_000,
            max_requests: 10_000,
        }
    }
}

impl fmt::Debug for QualyticsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QualyticsClientConfig")
            .field("base_url", &self.base_url)
            .field("api_path", &self.api_path)
            .field("token", &"[redacted]")
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_records", &self.max_records)
            .field("max_requests", &self.max_requests)
            .finish()
    }
}

/// Async client of the Qualytics anomalies API. Cheap to clone (clones share connections and
/// the cached `openapi.json` probe). It never retries: the caller owns backoff.
#[derive(Clone)]
pub struct QualyticsClient {
    http: reqwest::Client,
    base: Url,
    api_root: String,
    token: SecretString,
    pub(super) cfg: Limits,
    pub(super) comment_probe: Arc<OnceCell<bool>>,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub timeout: Duration,
    pub max_response_bytes: usize,
    pub max_records: usize,
    pub max_requests: u32,
}

impl fmt::Debug for QualyticsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QualyticsClient")
            .field("api_root", &self.api_root)
            .field("token", &"[redacted]")
            .field("limits", &self.cfg)
            .finish_non_exhaustive()
    }
}

/// One answer that passed the status check.
pub(super) struct Answer {
    pub url: String,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Result<Value, QualyticsError> {
        serde_json::from_slice(&self.body).map_err(|e| QualyticsError::Malformed {
            url: self.url.clone(),
            cause: e.to_string(),
        })
    }
}

impl QualyticsClient {
    /// Validates the config and builds the HTTP client (no network traffic).
    pub fn new(cfg: QualyticsClientConfig) -> Result<QualyticsClient, QualyticsError> {
        let base = parse_base(&cfg.base_url)?;
        let path = cfg.api_path.trim_matches('/');
        let host = base.as_str().trim_end_matches('/');
        let api_root = if path.is_empty() {
            host.to_owned()
        } else {
            format!("{host}/{path}")
        };
        let http =
            crate::source::http::http_client(cfg.timeout).map_err(|e| QualyticsError::Config {
                message: format!("cannot set up the HTTP client ({e})"),
            })?;
        Ok(QualyticsClient {
            http,
            base,
            api_root,
            token: cfg.token,
            cfg: Limits {
                timeout: cfg.timeout,
                max_response_bytes: cfg.max_response_bytes,
                max_records: cfg.max_records,
                max_requests: cfg.max_requests.max(1),
            },
            comment_probe: Arc::new(OnceCell::new()),
        })
    }

    /// The instance URL without a trailing slash (the UI host).
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `base_url` plus the API prefix, e.g. `https://acme.qualytics.io/api`.
    pub fn api_root(&self) -> &str {
        &self.api_root
    }

    pub(super) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_root)
    }

    /// Sends one request and returns the body of a 2xx answer; everything else is a typed error.
    /// `what` names the thing asked for, for 404 messages ("anomaly 42").
    pub(super) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
        what: &str,
    ) -> Result<Answer, QualyticsError> {
        let url = self.url(path);
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.token.expose_secret()))
            .map_err(|_| QualyticsError::Config {
                message: "the token holds characters that cannot go in an HTTP header; copy it again from Qualytics (Settings > Tokens)".to_owned(),
            })?;
        auth.set_sensitive(true);
        let mut req = self
            .http
            .request(method, &url)
            .header(AUTHORIZATION, auth)
            .header(ACCEPT, "application/json")
            .query(query);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| self.transport(&url, &e))?;
        let status = resp.status();
        let retry_after = retry_after(&resp);
        let body = self.read_capped(resp, &url).await?;
        if status.is_success() {
            return Ok(Answer { url, body });
        }
        Err(status_error(status, url, &body, retry_after, what))
    }

    /// The whole body, or `TooLarge` as soon as it would pass the cap (a declared length over
    /// the cap fails before a byte is read). The total deadline covers the chunks as well.
    async fn read_capped(&self, mut resp: Response, url: &str) -> Result<Vec<u8>, QualyticsError> {
        let limit = self.cfg.max_response_bytes;
        let too_large = || QualyticsError::TooLarge {
            url: url.to_owned(),
            limit,
        };
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(resp.content_length().map_or(8192, |n| n as usize));
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(url, &e))? {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport(&self, url: &str, e: &reqwest::Error) -> QualyticsError {
        if e.is_timeout() {
            return QualyticsError::Timeout {
                url: url.to_owned(),
                after: self.cfg.timeout,
            };
        }
        // The innermost cause is the useful part ("connection refused"); reqwest's own text
        // repeats the URL.
        let mut cause = e.to_string();
        let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(inner) = cur {
            cause = inner.to_string();
            cur = inner.source();
        }
        QualyticsError::Connect {
            url: url.to_owned(),
            cause,
        }
    }
}

fn parse_base(raw: &str) -> Result<Url, QualyticsError> {
    // Never echo credentials someone put in the URL.
    let shown = match Url::parse(raw.trim()) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) if raw.contains('@') => "(not shown: it holds an @)".to_owned(),
        Err(_) => raw.to_owned(),
    };
    let bad = |why: String| QualyticsError::Config {
        message: format!(
            "url {shown:?} {why}; set url to the Qualytics host, e.g. https://acme.qualytics.io"
        ),
    };
    let url = Url::parse(raw.trim()).map_err(|e| bad(format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad(format!("has scheme {:?}, not https", url.scheme())));
    }
    // The token is a bearer credential: plain HTTP only where it cannot leave the machine.
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(bad(
            "is plain http to a remote host (the token would travel in clear text): use https"
                .to_owned(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("has a query or fragment".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "holds credentials (the token goes in token_command/token_env)".to_owned(),
        ));
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(resp: &Response) -> Option<Duration> {
    let text = resp.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(text).ok()?.timestamp();
    let wait = at.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// FastAPI's `{"detail": "…"}` or `{"detail": [{loc, msg}…]}`, else the start of the body.
pub(super) fn detail(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => match map.get("detail") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    let loc = i["loc"]
                        .as_array()
                        .map(|l| {
                            l.iter()
                                .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .unwrap_or_default();
                    format!("{loc}: {}", i["msg"].as_str().unwrap_or("invalid"))
                })
                .collect::<Vec<_>>()
                .join("; "),
            _ => String::from_utf8_lossy(body).into_owned(),
        },
        _ => String::from_utf8_lossy(body).into_owned(),
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None if one_line.is_empty() => "no detail".to_owned(),
        None => one_line,
    }
}

fn status_error(
    status: StatusCode,
    url: String,
    body: &[u8],
    retry_after: Option<Duration>,
    what: &str,
) -> QualyticsError {
    let detail = detail(body);
    match status.as_u16() {
        401 => QualyticsError::Unauthorized { url, detail },
        403 => QualyticsError::Forbidden { url, detail },
        404 => QualyticsError::NotFound {
            url,
            what: what.to_owned(),
            detail,
        },
        409 => QualyticsError::Conflict { url, detail },
        422 => QualyticsError::Invalid { url, detail },
        429 => QualyticsError::RateLimited { url, retry_after },
        s if s >= 500 => QualyticsError::Server {
            url,
            status: s,
            detail,
        },
        s => QualyticsError::UnexpectedStatus {
            url,
            status: s,
            detail,
            hint: if status.is_redirection() {
                "the URL redirects (an SSO login page or a moved host): set url to the API host itself"
            } else {
                "check url of this source and the Qualytics version"
            },
        },
    }
}
