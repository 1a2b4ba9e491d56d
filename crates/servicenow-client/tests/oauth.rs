//! OAuth: form-encoded token requests, caching, one refresh + one retry on 401, fallbacks, failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::response::IntoResponse;
use common::*;
use serde_json::json;
use servicenow_client::{
    Auth, AuthKind, Client, ClientConfig, Error, ListParams, OAuthGrant, SecretString,
};

fn form(r: &Recorded) -> HashMap<String, String> {
    url::form_urlencoded::parse(r.body.as_bytes())
        .into_owned()
        .collect()
}

fn token(access: &str, refresh: &str) -> axum::response::Response {
    axum::Json(json!({
        "access_token": access, "refresh_token": refresh, "scope": "useraccount",
        "token_type": "Bearer", "expires_in": 1799
    }))
    .into_response()
}

fn denied() -> axum::response::Response {
    (
        axum::http::StatusCode::UNAUTHORIZED,
        axum::Json(json!({"error_description": "access_denied", "error": "server_error"})),
    )
        .into_response()
}

fn oauth_client(base: &str, auth: Auth) -> Client {
    Client::new(ClientConfig::new(base, auth)).unwrap()
}

fn api_auths(fake: &Fake) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .map(Recorded::auth_header)
        .collect()
}

fn grants(fake: &Fake) -> Vec<String> {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/oauth_token.do")
        .map(|r| form(r)["grant_type"].clone())
        .collect()
}

#[tokio::test]
async fn token_is_form_encoded_and_cached() {
    let fake = serve(|r, _| {
        if r.path == "/oauth_token.do" {
            token("tok1", "r1")
        } else if r.auth_header() == "Bearer tok1" {
            rows(vec![], Some(0))
        } else {
            sn_error(
                401,
                "User Not Authenticated",
                Some("Required to provide Auth information"),
            )
        }
    })
    .await;
    let c = oauth_client(&fake.base, oauth_password());
    for _ in 0..3 {
        c.list("incident", &ListParams::new()).await.unwrap();
    }
    let reqs = fake.requests();
    let tok = reqs.iter().find(|r| r.path == "/oauth_token.do").unwrap();
    assert_eq!(tok.method, "POST");
    assert_eq!(
        tok.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let f = form(tok);
    assert_eq!(f["grant_type"], "password");
    assert_eq!(f["client_id"], "snowlink");
    assert_eq!(f["client_secret"], CLIENT_SECRET);
    assert_eq!(f["username"], "admin");
    assert_eq!(f["password"], PASSWORD);
    assert_eq!(grants(&fake).len(), 1, "token cached across calls");
    assert_eq!(api_auths(&fake), vec!["Bearer tok1"; 3]);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_once() {
    let fake = serve(|r, _| {
        if r.path == "/oauth_token.do" {
            let f = form(r);
            return match f["grant_type"].as_str() {
                "password" => token("tok1", "r1"),
                "refresh_token" if f["refresh_token"] == "r1" => token("tok2", "r2"),
                _ => denied(),
            };
        }
        // tok1 has expired on the server: only tok2 is accepted.
        if r.auth_header() == "Bearer tok2" {
            rows(vec![json!({"sys_id": "a"})], Some(1))
        } else {
            sn_error(401, "User Not Authenticated", None)
        }
    })
    .await;
    // The first API call is answered 401 with tok1, so the client refreshes to tok2 and retries.
    let c = oauth_client(&fake.base, oauth_password());
    let page = c.list("incident", &ListParams::new()).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(grants(&fake), vec!["password", "refresh_token"]);
    assert_eq!(api_auths(&fake), vec!["Bearer tok1", "Bearer tok2"]);
    // The refreshed token is cached.
    c.list("incident", &ListParams::new()).await.unwrap();
    assert_eq!(grants(&fake).len(), 2);
}

#[tokio::test]
async fn a_refused_refresh_falls_back_to_the_original_grant() {
    let issued = Arc::new(Mutex::new(0u32));
    let fake = serve(move |r, _| {
        if r.path == "/oauth_token.do" {
            let f = form(r);
            if f["grant_type"] == "refresh_token" {
                return denied();
            }
            let mut n = issued.lock().unwrap();
            *n += 1;
            return token(&format!("tok{n}"), "r");
        }
        if r.auth_header() == "Bearer tok2" {
            rows(vec![], Some(0))
        } else {
            sn_error(401, "User Not Authenticated", None)
        }
    })
    .await;
    let c = oauth_client(&fake.base, oauth_password());
    c.list("incident", &ListParams::new()).await.unwrap();
    assert_eq!(grants(&fake), vec!["password", "refresh_token", "password"]);
    assert_eq!(api_auths(&fake), vec!["Bearer tok1", "Bearer tok2"]);
}

#[tokio::test]
async fn a_401_that_persists_is_an_auth_error_after_one_retry() {
    let fake = serve(|r, _| {
        if r.path == "/oauth_token.do" {
            token("tok", "r")
        } else {
            sn_error(401, "User Not Authenticated", None)
        }
    })
    .await;
    let c = oauth_client(&fake.base, oauth_password());
    let e = c.list("incident", &ListParams::new()).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Auth {
                kind: AuthKind::Rejected,
                status: 401,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(api_auths(&fake).len(), 2, "exactly one retry");
    assert_eq!(grants(&fake), vec!["password", "refresh_token"]);
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error() {
    let fake = serve(|_, _| denied()).await;
    let c = oauth_client(&fake.base, oauth_password());
    let e = c.list("incident", &ListParams::new()).await.unwrap_err();
    match &e {
        Error::Auth {
            kind: AuthKind::TokenRequest,
            status: 401,
            message,
            detail,
            url,
        } => {
            assert_eq!(message, "server_error");
            assert_eq!(detail.as_deref(), Some("access_denied"));
            assert!(url.ends_with("/oauth_token.do"));
        }
        other => panic!("{other:?}"),
    }
    let s = e.to_string();
    assert!(
        s.contains("OAuth token refused") && s.contains("client_id"),
        "{s}"
    );
    assert_eq!(api_auths(&fake).len(), 0, "no API call without a token");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn token_endpoint_hibernating_is_unavailable() {
    let fake = serve(|_, _| raw(200, "text/html", HIBERNATING)).await;
    let c = oauth_client(&fake.base, oauth_password());
    let e = c.list("incident", &ListParams::new()).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Unavailable {
                kind: servicenow_client::UnavailableKind::Hibernating,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn client_credentials_grant() {
    let fake = serve(|r, _| {
        if r.path == "/oauth_token.do" {
            // No refresh token for client credentials.
            axum::Json(json!({"access_token": "cc", "token_type": "Bearer", "expires_in": 1799}))
                .into_response()
        } else {
            rows(vec![], Some(0))
        }
    })
    .await;
    let auth = Auth::OAuth {
        client_id: "snowlink".into(),
        client_secret: SecretString::from(CLIENT_SECRET),
        grant: OAuthGrant::ClientCredentials,
    };
    let c = oauth_client(&fake.base, auth);
    assert_eq!(c.username(), None);
    c.list("incident", &ListParams::new()).await.unwrap();
    let reqs = fake.requests();
    let f = form(&reqs[0]);
    assert_eq!(f["grant_type"], "client_credentials");
    assert!(!f.contains_key("username") && !f.contains_key("password"));
    assert_eq!(api_auths(&fake), vec!["Bearer cc"]);
}

#[tokio::test]
async fn concurrent_401s_refresh_only_once() {
    let fake = serve(|r, _| {
        if r.path == "/oauth_token.do" {
            return match form(r)["grant_type"].as_str() {
                "password" => token("tok1", "r1"),
                _ => token("tok2", "r2"),
            };
        }
        if r.auth_header() == "Bearer tok2" {
            rows(vec![], Some(0))
        } else {
            sn_error(401, "User Not Authenticated", None)
        }
    })
    .await;
    let c = oauth_client(&fake.base, oauth_password());
    let p = ListParams::new();
    let (a, b, d) = tokio::join!(
        c.list("incident", &p),
        c.list("incident", &p),
        c.list("incident", &p)
    );
    a.unwrap();
    b.unwrap();
    d.unwrap();
    // Whatever the interleaving: one password grant, one refresh, shared by all three.
    assert_eq!(grants(&fake), vec!["password", "refresh_token"]);
}
