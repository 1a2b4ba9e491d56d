//! Sessions: every cookie-less call opens one and gets the §7 cookies; sending
//! `JSESSIONID` back reuses it (and its login).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, header};
use rand::Rng;

const IDLE: Duration = Duration::from_secs(1800);
/// Bounds memory when a benchmark opens a session per request.
const MAX_SESSIONS: usize = 50_000;

#[derive(Debug)]
struct Session {
    user: Option<String>,
    last_seen: Instant,
    /// Held while one of the session's requests runs: a real session runs one
    /// transaction at a time, so parallel calls sharing cookies queue (§7).
    gate: Arc<tokio::sync::Mutex<()>>,
}

/// A request's session.
#[derive(Debug, Clone)]
pub struct SessionHandle {
    pub id: String,
    /// True when the session was opened by this request (send the cookies).
    pub new: bool,
    pub gate: Arc<tokio::sync::Mutex<()>>,
}

#[derive(Debug, Default)]
pub struct SessionStore {
    map: HashMap<String, Session>,
}

pub fn random_hex(len: usize, upper: bool) -> String {
    let mut rng = rand::rng();
    let digits: &[u8] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    (0..len)
        .map(|_| char::from(digits[rng.random_range(0..16)]))
        .collect()
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl SessionStore {
    /// The request's live session, or a new one.
    pub fn resolve(&mut self, headers: &HeaderMap) -> SessionHandle {
        let now = Instant::now();
        if let Some(id) = cookie(headers, "JSESSIONID")
            && let Some(s) = self.map.get_mut(&id)
            && now.duration_since(s.last_seen) < IDLE
        {
            s.last_seen = now;
            return SessionHandle {
                id,
                new: false,
                gate: s.gate.clone(),
            };
        }
        if self.map.len() >= MAX_SESSIONS {
            self.map
                .retain(|_, s| now.duration_since(s.last_seen) < IDLE);
            if self.map.len() >= MAX_SESSIONS {
                // Still full of live sessions: forget the oldest half.
                let mut ages: Vec<Instant> = self.map.values().map(|s| s.last_seen).collect();
                ages.sort_unstable();
                let cutoff = ages[ages.len() / 2];
                self.map.retain(|_, s| s.last_seen > cutoff);
            }
        }
        let id = random_hex(32, true);
        let gate = Arc::new(tokio::sync::Mutex::new(()));
        let session = Session {
            user: None,
            last_seen: now,
            gate: gate.clone(),
        };
        self.map.insert(id.clone(), session);
        SessionHandle {
            id,
            new: true,
            gate,
        }
    }

    pub fn bind(&mut self, id: &str, user: &str) {
        if let Some(s) = self.map.get_mut(id)
            && s.user.as_deref() != Some(user)
        {
            s.user = Some(user.to_string());
        }
    }

    pub fn user_of(&self, id: &str) -> Option<String> {
        self.map.get(id).and_then(|s| s.user.clone())
    }
}

/// Adds the cookies a new session gets on a real instance.
pub fn add_session_cookies(headers: &mut HeaderMap, session_id: &str) {
    let cookies = [
        format!("JSESSIONID={session_id}; Path=/; HttpOnly; SameSite=None"),
        format!(
            "glide_user_route=glide.{}; Max-Age=2147483647; Path=/; HttpOnly",
            random_hex(32, false)
        ),
        format!(
            "glide_session_store={}; Max-Age=1800; Path=/; HttpOnly",
            random_hex(32, true)
        ),
        format!(
            "BIGipServerpool_emulator={}.{}.0000; Path=/; HttpOnly",
            rand::rng().random_range(100_000_000u32..999_999_999),
            rand::rng().random_range(10_000u32..65_000)
        ),
        "glide_user=; Max-Age=0; Expires=Thu, 01-Jan-1970 00:00:10 GMT; Path=/; HttpOnly"
            .to_string(),
        "glide_user_session=; Max-Age=0; Expires=Thu, 01-Jan-1970 00:00:10 GMT; Path=/; HttpOnly"
            .to_string(),
    ];
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            headers.append(header::SET_COOKIE, v);
        }
    }
}
