//! Authentication (§7): Basic, Bearer tokens from `/oauth_token.do`, and session cookies.

pub mod oauth;
pub mod session;
pub mod tokens;

use axum::http::{HeaderMap, header};
use base64::Engine;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Store;

/// The authenticated user of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub sys_id: String,
    pub user_name: String,
    /// Full name, used in journal display values.
    pub name: String,
    pub roles: Vec<String>,
}

impl Principal {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }

    /// Roles that may create and update incidents (§8, §10).
    pub fn can_write_incidents(&self) -> bool {
        self.is_admin()
            || ["itil", "itil_admin", "list_updater", "sn_incident_write"]
                .iter()
                .any(|r| self.has_role(r))
    }

    /// Roles that may create and update problems (docs/emulator.md, "Problems and change
    /// requests").
    pub fn can_write_problems(&self) -> bool {
        self.is_admin()
            || self.has_role("itil")
            || self.has_role("sn_problem_write")
            || self.roles.iter().any(|r| r.starts_with("problem_"))
    }

    /// Roles that may create and update change requests (docs/emulator.md, same section).
    pub fn can_write_changes(&self) -> bool {
        self.is_admin() || self.has_role("itil") || self.has_role("sn_change_write")
    }

    /// Writers of `table` (incident, problem or change_request); `false` for other tables.
    pub fn can_write_task(&self, table: &str) -> bool {
        match table {
            "incident" => self.can_write_incidents(),
            "problem" => self.can_write_problems(),
            "change_request" => self.can_write_changes(),
            _ => false,
        }
    }

    /// Closing (state 7) needs itil_admin or admin.
    pub fn can_close_incidents(&self) -> bool {
        self.is_admin() || self.has_role("itil_admin")
    }
}

/// Loads an active, unlocked user from `sys_user`.
pub fn principal_for(store: &Store, user_name: &str) -> Option<Principal> {
    let table = store.table("sys_user")?;
    let (_, rec) = table
        .iter()
        .find(|(_, r)| r.get("user_name").is_some_and(|u| u == user_name))?;
    let get = |f: &str| rec.get(f).cloned().unwrap_or_default();
    if get("active") != "true" || get("locked_out") == "true" {
        return None;
    }
    let roles = get("roles")
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(String::from)
        .collect();
    Some(Principal {
        sys_id: get("sys_id"),
        user_name: get("user_name"),
        name: get("name"),
        roles,
    })
}

/// `user:password` from a Basic `Authorization` header.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| rest.trim().to_string())
}

/// Checks a user name and password against the credential list and `sys_user`.
pub fn check_password(state: &AppState, user: &str, password: &str) -> Option<Principal> {
    let ok = state.credentials_match(user, password);
    if !ok {
        return None;
    }
    principal_for(&state.read_store(), user)
}

/// Authenticates a Table API request: an `Authorization` header wins; without
/// one, a session cookie bound to a user by an earlier request is accepted.
pub fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    session_id: Option<&str>,
) -> Result<Principal, ApiError> {
    let principal = if headers.contains_key(header::AUTHORIZATION) {
        if let Some((user, pass)) = basic_credentials(headers) {
            check_password(state, &user, &pass)
        } else if let Some(token) = bearer_token(headers) {
            let user = state.tokens().access_user(&token);
            user.and_then(|u| principal_for(&state.read_store(), &u))
        } else {
            None
        }
    } else {
        session_id
            .and_then(|id| state.sessions().user_of(id))
            .and_then(|u| principal_for(&state.read_store(), &u))
    };
    let principal = principal.ok_or_else(ApiError::unauthenticated)?;
    if let Some(id) = session_id {
        state.sessions().bind(id, &principal.user_name);
    }
    Ok(principal)
}
