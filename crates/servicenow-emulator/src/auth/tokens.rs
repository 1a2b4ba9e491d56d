//! OAuth access and refresh tokens with real expiry.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rand::Rng;
use rand::distr::Alphanumeric;

/// Refresh tokens live 8,640,000 s (100 days) on real instances.
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(8_640_000);

#[derive(Debug, Clone)]
struct Access {
    user_name: String,
    client_id: String,
    refresh: Option<String>,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct Refresh {
    user_name: String,
    client_id: String,
    expires: Instant,
}

/// A token pair handed to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Debug)]
pub struct TokenStore {
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    lifetime: Duration,
}

fn random_token() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(86)
        .map(char::from)
        .collect()
}

impl TokenStore {
    pub fn new(lifetime: Duration) -> Self {
        TokenStore {
            access: HashMap::new(),
            refresh: HashMap::new(),
            lifetime,
        }
    }

    pub fn set_lifetime(&mut self, lifetime: Duration) {
        self.lifetime = lifetime;
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn prune(&mut self, now: Instant) {
        self.access.retain(|_, a| a.expires > now);
        self.refresh.retain(|_, r| r.expires > now);
    }

    /// `expires_in` as real instances report it: one second under the lifetime.
    fn expires_in(&self, expires: Instant, now: Instant) -> u64 {
        expires
            .saturating_duration_since(now)
            .as_secs()
            .saturating_sub(1)
    }

    /// Password grant: a live token for the same user and client is returned again.
    pub fn issue_password(&mut self, user_name: &str, client_id: &str) -> Issued {
        let now = Instant::now();
        self.prune(now);
        let live = self.access.iter().find(|(_, a)| {
            a.user_name == user_name && a.client_id == client_id && a.refresh.is_some()
        });
        if let Some((token, a)) = live {
            return Issued {
                access_token: token.clone(),
                refresh_token: a.refresh.clone(),
                expires_in: self.expires_in(a.expires, now),
            };
        }
        let refresh = random_token();
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                user_name: user_name.into(),
                client_id: client_id.into(),
                expires: now + REFRESH_LIFETIME,
            },
        );
        self.new_access(user_name, client_id, Some(refresh), now)
    }

    /// Client-credentials grant: an access token only, no refresh token.
    pub fn issue_client(&mut self, user_name: &str, client_id: &str) -> Issued {
        let now = Instant::now();
        self.prune(now);
        self.new_access(user_name, client_id, None, now)
    }

    /// Refresh grant: a fresh access token for the refresh token's user.
    pub fn issue_refresh(&mut self, refresh: &str, client_id: &str) -> Option<Issued> {
        let now = Instant::now();
        self.prune(now);
        let r = self.refresh.get(refresh)?.clone();
        if r.client_id != client_id {
            return None;
        }
        Some(self.new_access(&r.user_name, client_id, Some(refresh.to_string()), now))
    }

    fn new_access(
        &mut self,
        user: &str,
        client: &str,
        refresh: Option<String>,
        now: Instant,
    ) -> Issued {
        let token = random_token();
        let expires = now + self.lifetime;
        self.access.insert(
            token.clone(),
            Access {
                user_name: user.into(),
                client_id: client.into(),
                refresh: refresh.clone(),
                expires,
            },
        );
        Issued {
            access_token: token,
            refresh_token: refresh,
            expires_in: self.expires_in(expires, now),
        }
    }

    /// The user of a live access token.
    pub fn access_user(&self, token: &str) -> Option<String> {
        let a = self.access.get(token)?;
        (a.expires > Instant::now()).then(|| a.user_name.clone())
    }

    /// Expires every access token now (refresh tokens stay valid); returns how many.
    pub fn expire_all(&mut self) -> usize {
        let n = self.access.len();
        self.access.clear();
        n
    }
}
