//! `POST /oauth_token.do` (§7): form-encoded password, refresh_token and
//! client_credentials grants. Every failure is the same 401 a real instance sends.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::tokens::Issued;
use super::{basic_credentials, check_password, principal_for};
use crate::body::read_body;
use crate::config::{OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET};
use crate::error::json_response;
use crate::server::AuthedUser;
use crate::state::AppState;

fn denied() -> Response {
    json_response(
        StatusCode::UNAUTHORIZED,
        &json!({ "error_description": "access_denied", "error": "server_error" }),
    )
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn success(issued: Issued, user: String) -> Response {
    let mut body = json!({
        "access_token": issued.access_token,
        "scope": "useraccount",
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    });
    if let Some(r) = issued.refresh_token {
        body["refresh_token"] = json!(r);
    }
    let mut resp = json_response(StatusCode::OK, &body);
    resp.extensions_mut().insert(AuthedUser(user));
    resp
}

pub async fn token(
    State(state): State<Arc<AppState>>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if method != Method::POST || !is_form(&headers) {
        return denied();
    }
    let Ok(bytes) = read_body(&headers, body).await else {
        return denied();
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&bytes).into_owned().collect();
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");

    // Client authentication: form fields, or HTTP Basic as RFC 6749 allows.
    let (client_id, client_secret) = match (form.get("client_id"), basic_credentials(&headers)) {
        (Some(id), _) => (id.clone(), field("client_secret").to_string()),
        (None, Some((id, secret))) => (id, secret),
        (None, None) => return denied(),
    };
    if client_id != OAUTH_CLIENT_ID || client_secret != OAUTH_CLIENT_SECRET {
        return denied();
    }

    match field("grant_type") {
        "password" => match check_password(&state, field("username"), field("password")) {
            Some(p) => {
                let issued = state.tokens().issue_password(&p.user_name, &client_id);
                success(issued, p.user_name)
            }
            None => denied(),
        },
        "refresh_token" => {
            let issued = state
                .tokens()
                .issue_refresh(field("refresh_token"), &client_id);
            let Some(issued) = issued else {
                return denied();
            };
            let user = state
                .tokens()
                .access_user(&issued.access_token)
                .unwrap_or_default();
            success(issued, user)
        }
        "client_credentials" => {
            let app_user = state.settings().oauth_application_user;
            if principal_for(&state.read_store(), &app_user).is_none() {
                return denied();
            }
            let issued = state.tokens().issue_client(&app_user, &client_id);
            success(issued, app_user)
        }
        _ => denied(),
    }
}
