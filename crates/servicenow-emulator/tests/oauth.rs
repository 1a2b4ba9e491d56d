//! OAuth (§7): /oauth_token.do grants, Bearer use, expiry and failures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{emu, emu_with, reply};
use serde_json::{Value, json};
use servicenow_emulator::EmulatorConfig;

async fn grant(e: &common::Emu, form: &[(&str, &str)]) -> common::Reply {
    reply(
        e.http
            .post(e.url("/oauth_token.do"))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn password_form<'a>(user: &'a str, pass: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "password"),
        ("client_id", "snowlink"),
        ("client_secret", "snowlink-secret"),
        ("username", user),
        ("password", pass),
    ]
}

async fn bearer_get(e: &common::Emu, token: &str, path: &str) -> common::Reply {
    reply(
        e.http
            .get(e.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn denied(r: &common::Reply) {
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"error_description": "access_denied", "error": "server_error"})
    );
}

#[tokio::test]
async fn password_grant_returns_the_documented_shape_and_the_token_works() {
    let e = emu().await;
    let r = grant(&e, &password_form("itil", "itil")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let obj = r.json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(r.json["scope"], "useraccount");
    assert_eq!(r.json["token_type"], "Bearer");
    assert_eq!(r.json["expires_in"], 1799);
    let token = r.json["access_token"].as_str().unwrap();
    let list = bearer_get(&e, token, "/api/now/table/incident?sysparm_limit=1").await;
    assert_eq!(list.status, 200);
    assert_eq!(e.emu.requests().last().unwrap().user, "itil");
}

#[tokio::test]
async fn a_password_grant_during_a_live_token_returns_the_same_token() {
    let e = emu().await;
    let a = grant(&e, &password_form("admin", "admin")).await;
    let b = grant(&e, &password_form("admin", "admin")).await;
    assert_eq!(a.json["access_token"], b.json["access_token"]);
    assert_eq!(a.json["refresh_token"], b.json["refresh_token"]);
    let other = grant(&e, &password_form("itil", "itil")).await;
    assert_ne!(other.json["access_token"], a.json["access_token"]);
}

#[tokio::test]
async fn failures_are_all_the_same_401() {
    let e = emu().await;
    denied(&grant(&e, &password_form("itil", "wrong")).await);
    let mut bad_client = password_form("itil", "itil");
    bad_client[2] = ("client_secret", "nope");
    denied(&grant(&e, &bad_client).await);
    denied(
        &grant(
            &e,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "snowlink"),
                ("client_secret", "snowlink-secret"),
            ],
        )
        .await,
    );
    // JSON bodies are refused, even with valid values.
    let json_body: Value = password_form("itil", "itil")
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    denied(
        &reply(
            e.http
                .post(e.url("/oauth_token.do"))
                .json(&json_body)
                .send()
                .await
                .unwrap(),
        )
        .await,
    );
}

#[tokio::test]
async fn client_credentials_in_a_basic_header_are_accepted() {
    let e = emu().await;
    let r = reply(
        e.http
            .post(e.url("/oauth_token.do"))
            .basic_auth("snowlink", Some("snowlink-secret"))
            .form(&[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "admin"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn refresh_grant_issues_a_new_working_access_token() {
    let e = emu().await;
    let first = grant(&e, &password_form("itil", "itil")).await;
    let refresh = first.json["refresh_token"].as_str().unwrap();
    e.emu.expire_tokens();
    let old = first.json["access_token"].as_str().unwrap();
    assert_eq!(
        bearer_get(&e, old, "/api/now/table/incident?sysparm_limit=1")
            .await
            .status,
        401
    );
    let r = grant(
        &e,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "snowlink"),
            ("client_secret", "snowlink-secret"),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let new = r.json["access_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(
        bearer_get(&e, new, "/api/now/table/incident?sysparm_limit=1")
            .await
            .status,
        200
    );
    denied(
        &grant(
            &e,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "snowlink"),
                ("client_secret", "snowlink-secret"),
                ("refresh_token", "bogus"),
            ],
        )
        .await,
    );
}

#[tokio::test]
async fn client_credentials_act_as_the_application_user_without_a_refresh_token() {
    let e = emu().await;
    let r = grant(
        &e,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "snowlink"),
            ("client_secret", "snowlink-secret"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json.get("refresh_token").is_none());
    let token = r.json["access_token"].as_str().unwrap();
    let created = reply(
        e.http
            .post(e.url("/api/now/table/incident"))
            .bearer_auth(token)
            .json(&json!({"short_description": "from the app user"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.result()["sys_created_by"], "itil");
}

#[tokio::test]
async fn expired_tokens_get_user_not_authenticated() {
    let e = emu().await;
    let r = grant(&e, &password_form("admin", "admin")).await;
    let token = r.json["access_token"].as_str().unwrap();
    // Through the control API, as a test in another process would.
    let n = reply(
        e.http
            .post(e.url("/__emulator/tokens/expire"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(n.json["expired"], 1);
    let r = bearer_get(&e, token, "/api/now/table/incident").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.error().0, "User Not Authenticated");
    assert_eq!(
        r.header("www-authenticate").unwrap(),
        "BASIC realm=\"Service-now\""
    );
    assert_eq!(
        bearer_get(&e, "made-up", "/api/now/table/incident")
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn token_lifetime_is_configurable() {
    let config = EmulatorConfig {
        token_lifetime: Duration::from_secs(3600),
        ..EmulatorConfig::default()
    };
    let e = emu_with(config).await;
    let r = grant(&e, &password_form("admin", "admin")).await;
    assert_eq!(r.json["expires_in"], 3599);
    let set = reply(
        e.http
            .put(e.url("/__emulator/tokens/lifetime"))
            .json(&json!({"secs": 0}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(set.status, 200);
    let r = grant(&e, &password_form("itil", "itil")).await;
    assert_eq!(r.json["expires_in"], 0);
    // A zero lifetime means the token is dead on arrival: it really expires.
    let token = r.json["access_token"].as_str().unwrap();
    assert_eq!(
        bearer_get(&e, token, "/api/now/table/incident")
            .await
            .status,
        401
    );
}
