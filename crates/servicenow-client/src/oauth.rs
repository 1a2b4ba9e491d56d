//! OAuth 2.0 token handling for `/oauth_token.do` (reference §7).
//!
//! One cached token per client. The mutex is held while fetching so concurrent requests wait for
//! a single token request instead of stampeding the endpoint. A generation counter lets a request
//! that saw a 401 tell whether someone else already replaced the token it used.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::classify::{self, Ctx, Expect, error_envelope};
use crate::config::OAuthGrant;
use crate::error::{AuthKind, Error};

/// Tokens are renewed this long before they expire so a request never races the expiry.
const EXPIRY_SKEW: Duration = Duration::from_secs(30);

pub(crate) struct OAuthState {
    pub client_id: String,
    pub client_secret: SecretString,
    pub grant: OAuthGrant,
    /// The client's response cap: a token answer is tiny, a huge one is refused the same way.
    max_response_bytes: usize,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    token: Option<Token>,
    generation: u64,
}

struct Token {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_at: Instant,
}

impl OAuthState {
    pub fn new(
        client_id: String,
        client_secret: SecretString,
        grant: OAuthGrant,
        max_response_bytes: usize,
    ) -> Self {
        OAuthState {
            client_id,
            client_secret,
            grant,
            max_response_bytes,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The current access token and its generation, fetching one when none is valid.
    pub async fn bearer(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        timeout: Duration,
    ) -> Result<(SecretString, u64), Error> {
        let mut cache = self.cache.lock().await;
        if let Some(t) = &cache.token
            && Instant::now() + EXPIRY_SKEW < t.expires_at
        {
            return Ok((t.access.clone(), cache.generation));
        }
        let old_refresh = cache.token.take().and_then(|t| t.refresh);
        let token = self
            .obtain(http, token_url, timeout, old_refresh.as_ref())
            .await?;
        let access = token.access.clone();
        cache.token = Some(token);
        cache.generation += 1;
        Ok((access, cache.generation))
    }

    /// After a 401 with the token of `seen_generation`: refresh once (refresh grant, falling back
    /// to the original grant). A no-op when another request already replaced that token.
    pub async fn renew_after_401(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        timeout: Duration,
        seen_generation: u64,
    ) -> Result<(), Error> {
        let mut cache = self.cache.lock().await;
        if cache.generation != seen_generation && cache.token.is_some() {
            return Ok(());
        }
        let refresh = cache.token.take().and_then(|t| t.refresh);
        let token = self
            .obtain(http, token_url, timeout, refresh.as_ref())
            .await?;
        cache.token = Some(token);
        cache.generation += 1;
        Ok(())
    }

    async fn obtain(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        timeout: Duration,
        refresh: Option<&SecretString>,
    ) -> Result<Token, Error> {
        if let Some(rt) = refresh {
            match self.request(http, token_url, timeout, Some(rt)).await {
                Ok(t) => return Ok(t),
                // An expired or revoked refresh token: fall back to the configured grant.
                Err(Error::Auth { .. }) => {
                    tracing::debug!("oauth refresh_token grant refused; using the original grant")
                }
                Err(e) => return Err(e),
            }
        }
        self.request(http, token_url, timeout, None).await
    }

    async fn request(
        &self,
        http: &reqwest::Client,
        token_url: &str,
        timeout: Duration,
        refresh: Option<&SecretString>,
    ) -> Result<Token, Error> {
        let mut form: Vec<(&str, &str)> = vec![
            ("client_id", &self.client_id),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        match (refresh, &self.grant) {
            (Some(rt), _) => {
                form.push(("grant_type", "refresh_token"));
                form.push(("refresh_token", rt.expose_secret()));
            }
            (None, OAuthGrant::Password { username, password }) => {
                form.push(("grant_type", "password"));
                form.push(("username", username));
                form.push(("password", password.expose_secret()));
            }
            (None, OAuthGrant::ClientCredentials) => {
                form.push(("grant_type", "client_credentials"));
            }
        }
        let grant = form
            .iter()
            .find(|(k, _)| *k == "grant_type")
            .map(|(_, v)| *v)
            .unwrap_or("");
        let ctx = Ctx {
            url: token_url,
            write: false,
        };
        let started = Instant::now();
        let resp = http
            .post(token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| crate::transport_error::transport(&e, &ctx, timeout))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = crate::body::read_capped(resp, &ctx, self.max_response_bytes, timeout).await?;
        tracing::debug!(
            url = token_url,
            grant,
            status = status.as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "oauth token request"
        );
        let json: Option<Value> = serde_json::from_slice(&body).ok();
        let token_refused = |message: String, detail: Option<String>| Error::Auth {
            kind: AuthKind::TokenRequest,
            url: token_url.to_string(),
            status: status.as_u16(),
            message,
            detail,
        };
        if status.is_success() {
            let Some(json) = json else {
                // Hibernation page, HTML login, ...: let the shared classifier name it.
                return Err(
                    classify::classify(&ctx, status, &headers, &body, Expect::Result)
                        .err()
                        .unwrap_or_else(|| token_refused("no token in response".into(), None)),
                );
            };
            return parse_token(&json)
                .ok_or_else(|| token_refused("response holds no access_token".into(), None));
        }
        match status.as_u16() {
            400 | 401 | 403 => {
                let (m, d) = json
                    .as_ref()
                    .and_then(error_envelope)
                    .unwrap_or_else(|| (classify::snippet(&body), None));
                Err(token_refused(m, d))
            }
            _ => Err(
                classify::classify(&ctx, status, &headers, &body, Expect::Result)
                    .err()
                    .unwrap_or_else(|| token_refused(format!("unexpected status {status}"), None)),
            ),
        }
    }
}

fn parse_token(v: &Value) -> Option<Token> {
    let access = v.get("access_token")?.as_str()?.to_string();
    if access.is_empty() {
        return None;
    }
    let refresh = v
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| SecretString::from(s.to_string()));
    // ServiceNow sends a number; accept a string too. Unknown lifetime: assume its 1800 s default.
    let expires_in = match v.get("expires_in") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .unwrap_or(1800);
    Some(Token {
        access: SecretString::from(access),
        refresh,
        expires_at: Instant::now() + Duration::from_secs(expires_in),
    })
}
