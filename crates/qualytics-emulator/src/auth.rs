//! Bearer tokens. They are JWT-shaped (`header.payload.signature`, base64url
//! JSON with `exp`) because qualytics-cli decodes them to warn on expiry; the
//! emulator itself only accepts tokens it issued (the signature is random).

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock;

/// What a token may do: `Viewer` reads only; the others may also write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Editor,
    Viewer,
}

impl Role {
    pub fn can_write(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub user_id: u64,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Unknown,
    Expired,
}

#[derive(Debug, Clone, Copy)]
struct Issued {
    caller: Caller,
    exp: i64,
}

#[derive(Debug, Default)]
pub struct Tokens {
    issued: HashMap<String, Issued>,
}

impl Tokens {
    pub fn issue(&mut self, user_id: u64, role: Role, lifetime: Duration) -> String {
        let iat = clock::unix_now();
        // A zero lifetime is "already expired": `exp` a second in the past, so a
        // client comparing `exp >= now` within the same second agrees.
        let exp = if lifetime.is_zero() {
            iat - 1
        } else {
            iat.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX))
        };
        let header = json!({ "alg": "HS256", "typ": "JWT" });
        let payload = json!({
            "sub": user_id.to_string(),
            "user_id": user_id,
            "role": role,
            "iat": iat,
            "exp": exp,
        });
        let signature: [u8; 32] = rand::random();
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string()),
            URL_SAFE_NO_PAD.encode(signature)
        );
        self.issued.insert(
            token.clone(),
            Issued {
                caller: Caller { user_id, role },
                exp,
            },
        );
        token
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, header: Option<&str>) -> Result<Caller, AuthFailure> {
        let value = header.ok_or(AuthFailure::Missing)?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or(AuthFailure::Missing)?;
        let issued = self.issued.get(token).ok_or(AuthFailure::Unknown)?;
        if issued.exp <= clock::unix_now() {
            return Err(AuthFailure::Expired);
        }
        Ok(issued.caller)
    }

    /// Makes every issued token expired on the server side (their payloads
    /// keep the original `exp`, as a revoked token's would).
    pub fn expire_all(&mut self) -> usize {
        let past = clock::unix_now() - 1;
        for t in self.issued.values_mut() {
            t.exp = past;
        }
        self.issued.len()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn tokens_are_jwt_shaped_with_exp_and_checked_by_value() {
        let mut tokens = Tokens::default();
        let t = tokens.issue(3, Role::Viewer, Duration::from_secs(60));
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        let payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(payload["role"], "viewer");
        assert!(payload["exp"].as_i64().unwrap() > clock::unix_now());
        let header = format!("Bearer {t}");
        assert_eq!(
            tokens.check(Some(&header)),
            Ok(Caller {
                user_id: 3,
                role: Role::Viewer
            })
        );
        assert_eq!(tokens.check(None), Err(AuthFailure::Missing));
        assert_eq!(tokens.check(Some("Basic eDp5")), Err(AuthFailure::Missing));
        assert_eq!(
            tokens.check(Some("Bearer a.b.c")),
            Err(AuthFailure::Unknown)
        );
        tokens.expire_all();
        assert_eq!(tokens.check(Some(&header)), Err(AuthFailure::Expired));
    }
}
