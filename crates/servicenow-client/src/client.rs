//! The HTTP core: builds the reqwest client, authenticates, sends one call, classifies the reply.

use std::fmt;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderValue};
use secrecy::ExposeSecret;
use serde_json::Value;
use url::Url;

use crate::body;
use crate::classify::{self, Ctx, Expect, Reply};
use crate::config::{Auth, ClientConfig, validate_base_url};
use crate::error::Error;
use crate::oauth::OAuthState;
use crate::transport_error;

/// Everything but RFC 3986 unreserved characters is encoded: `^`→`%5E`, `=`→`%3D`, ` `→`%20`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Typed async ServiceNow Table API client. Cheap to clone; clones share connections and the
/// OAuth token. It never spawns tasks and keeps no cookies (each call is its own session, §7).
#[derive(Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: Url,
    pub(crate) auth: Auth,
    pub(crate) timeout: Duration,
    pub(crate) oauth: Option<std::sync::Arc<OAuthState>>,
    pub(crate) limits: Limits,
}

/// The caps of `ClientConfig`, kept together (see `docs/servicenow-client.md`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub max_response_bytes: usize,
    pub max_list_records: usize,
    pub max_list_requests: u32,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base.as_str())
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// One request to make (rebuilt for the retry after an OAuth refresh).
pub(crate) struct Call<'a> {
    pub method: Method,
    /// Path below the base URL, starting with `/` and already percent-encoded.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<&'a Value>,
    pub expect: Expect,
}

pub(crate) fn encode(v: &str) -> String {
    utf8_percent_encode(v, QUERY_VALUE).to_string()
}

impl Client {
    /// Validates the config and builds the HTTP client (no network traffic).
    pub fn new(cfg: ClientConfig) -> Result<Client, Error> {
        let base = validate_base_url(&cfg.base_url)?;
        let ua = cfg
            .user_agent
            .clone()
            .unwrap_or_else(|| format!("snowlink/{}", env!("CARGO_PKG_VERSION")));
        let mut builder = reqwest::Client::builder()
            .user_agent(ua)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            // Never follow redirects: a 3xx is an SSO wall or a wrong URL, and following it
            // would send the request (and maybe credentials) somewhere we did not choose.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(path) = &cfg.ca_file {
            for cert in load_ca_file(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| Error::Config {
            message: format!("cannot set up the HTTP client ({e}); check ca_file"),
        })?;
        let oauth = match &cfg.auth {
            Auth::OAuth {
                client_id,
                client_secret,
                grant,
            } => Some(std::sync::Arc::new(OAuthState::new(
                client_id.clone(),
                client_secret.clone(),
                grant.clone(),
                cfg.max_response_bytes,
            ))),
            Auth::Basic { .. } => None,
        };
        Ok(Client {
            http,
            base,
            auth: cfg.auth,
            timeout: cfg.timeout,
            oauth,
            limits: Limits {
                max_response_bytes: cfg.max_response_bytes,
                max_list_records: cfg.max_list_records,
                max_list_requests: cfg.max_list_requests,
            },
        })
    }

    /// The instance base URL (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// The configured user name (none for OAuth client credentials).
    pub fn username(&self) -> Option<&str> {
        self.auth.username()
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// `https://<inst>/nav_to.do?uri=incident.do?sys_id=<id>` style link for humans (§11).
    pub fn record_ui_url(&self, table: &str, sys_id: &str) -> String {
        format!(
            "{}/nav_to.do?uri={}",
            self.base_url(),
            encode(&format!("{table}.do?sys_id={sys_id}"))
        )
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// Sends one call with authentication; for OAuth a 401 triggers one refresh and one retry.
    pub(crate) async fn call(&self, call: &Call<'_>) -> Result<Reply, Error> {
        let Some(oauth) = &self.oauth else {
            return self.send(call, None).await;
        };
        let token_url = self.endpoint("/oauth_token.do");
        let (token, generation) = oauth.bearer(&self.http, &token_url, self.timeout).await?;
        match self.send(call, Some(token.expose_secret())).await {
            Err(Error::Auth { .. }) => {
                tracing::debug!("401 with a cached OAuth token; refreshing once");
                oauth
                    .renew_after_401(&self.http, &token_url, self.timeout, generation)
                    .await?;
                let (token, _) = oauth.bearer(&self.http, &token_url, self.timeout).await?;
                self.send(call, Some(token.expose_secret())).await
            }
            other => other,
        }
    }

    async fn send(&self, call: &Call<'_>, bearer: Option<&str>) -> Result<Reply, Error> {
        let plain_url = self.endpoint(&call.path);
        let mut full = plain_url.clone();
        for (i, (k, v)) in call.query.iter().enumerate() {
            full.push(if i == 0 { '?' } else { '&' });
            full.push_str(k);
            full.push('=');
            full.push_str(&encode(v));
        }
        let url = Url::parse(&full).map_err(|e| Error::Config {
            message: format!("cannot build a request URL from {plain_url} ({e})"),
        })?;
        let write = call.method != Method::GET && call.method != Method::HEAD;
        let ctx = Ctx {
            url: &plain_url,
            write,
        };
        let mut req = self
            .http
            .request(call.method.clone(), url)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        req = match (&self.auth, bearer) {
            (_, Some(token)) => req.bearer_auth(token),
            (Auth::Basic { username, password }, None) => {
                req.basic_auth(username, Some(password.expose_secret()))
            }
            (Auth::OAuth { .. }, None) => req,
        };
        if let Some(body) = call.body {
            req = req.json(body);
        }
        let started = Instant::now();
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                let err = transport_error::transport(&e, &ctx, self.timeout);
                tracing::debug!(method = %call.method, url = %plain_url, error = %err, "request failed");
                return Err(err);
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let body =
            body::read_capped(resp, &ctx, self.limits.max_response_bytes, self.timeout).await?;
        tracing::debug!(
            method = %call.method,
            url = %plain_url,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "servicenow request"
        );
        classify::classify(&ctx, status, &headers, &body, call.expect)
    }
}

fn load_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| Error::Config {
        message: format!("cannot read ca_file {shown} ({e}); check the path and its permissions"),
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| Error::Config {
        message: format!(
            "ca_file {shown} is not a valid PEM bundle ({e}); it must hold -----BEGIN \
             CERTIFICATE----- blocks (convert DER with `openssl x509 -inform der -in FILE -out \
             ca.pem`)"
        ),
    })?;
    if certs.is_empty() {
        return Err(Error::Config {
            message: format!(
                "ca_file {shown} holds no PEM certificate; it must hold -----BEGIN \
                 CERTIFICATE----- blocks (convert DER with `openssl x509 -inform der -in FILE \
                 -out ca.pem`)"
            ),
        });
    }
    Ok(certs)
}
