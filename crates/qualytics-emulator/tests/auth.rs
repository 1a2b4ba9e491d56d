//! Bearer authentication: 401 JSON for missing, unknown and expired tokens,
//! 403 when a viewer writes, and the routes that need no token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::emu;
use qualytics_emulator::{Role, VIEWER_USER_ID};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn missing_or_wrong_tokens_get_401_json_with_a_bearer_challenge() {
    let e = emu().await;
    let none = e.send(Method::GET, "/api/anomalies", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.json,
        json!({ "detail": "Not authenticated: send `Authorization: Bearer <token>`" })
    );
    assert_eq!(none.header("www-authenticate").as_deref(), Some("Bearer"));

    let forged = e
        .send(
            Method::GET,
            "/api/anomalies/1",
            Some("eyJhbGciOiJub25lIn0.e30."),
            None,
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    assert!(
        forged.json["detail"]
            .as_str()
            .unwrap()
            .starts_with("Invalid token: "),
        "{}",
        forged.text
    );

    // A Basic header is no bearer token.
    let basic = e
        .http
        .get(e.url("/api/anomalies"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_tokens_get_401_and_fresh_ones_work() {
    let e = emu().await;
    let short = e.emu.issue_token(1, Role::Admin, Duration::ZERO);
    let r = e
        .send(Method::GET, "/api/anomalies", Some(&short), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json["detail"], "Token has expired: use a new token");

    assert_eq!(e.get("/api/anomalies").await.status, StatusCode::OK);
    assert_eq!(e.emu.expire_tokens(), 4);
    assert_eq!(
        e.get("/api/anomalies").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_viewer_reads_but_every_write_is_403() {
    let e = emu().await;
    let v = Some(e.viewer.as_str());
    assert_eq!(
        e.send(Method::GET, "/api/anomalies", v, None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        e.send(Method::GET, "/api/anomalies/1", v, None)
            .await
            .status,
        StatusCode::OK
    );
    let writes = [
        (
            Method::PUT,
            "/api/anomalies/1",
            Some(json!({ "status": "Acknowledged" })),
        ),
        (
            Method::PATCH,
            "/api/anomalies",
            Some(json!([{ "id": 1, "status": "Acknowledged" }])),
        ),
        (
            Method::DELETE,
            "/api/anomalies/1?archive=true&status=Resolved",
            None,
        ),
        (
            Method::DELETE,
            "/api/anomalies",
            Some(json!([{ "id": 1, "archive": true, "status": "Resolved" }])),
        ),
        (
            Method::POST,
            "/api/comments",
            Some(json!({ "message": "hi", "anomaly_id": 1 })),
        ),
    ];
    for (method, path, body) in writes {
        let r = e.send(method.clone(), path, v, body).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {}",
            r.text
        );
        assert!(
            r.json["detail"].as_str().unwrap().contains("viewer"),
            "{}",
            r.text
        );
    }
    let a = e.anomaly(1).await;
    assert_eq!(
        (a["status"].as_str(), a["archived"].as_bool()),
        (Some("Active"), Some(false))
    );
    assert!(e.emu.comments(1).is_empty());
    // The log names the viewer on the refused writes.
    assert!(
        e.emu
            .requests()
            .iter()
            .any(|r| r.status == 403 && r.user_id == Some(VIEWER_USER_ID))
    );
}

#[tokio::test]
async fn status_and_openapi_need_no_token_and_unknown_paths_are_404_json() {
    let e = emu().await;
    for path in ["/api/status", "/api/openapi.json"] {
        assert_eq!(
            e.send(Method::GET, path, None, None).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let r = e.send(Method::GET, "/api/nothing-here", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json, json!({ "detail": "Not Found" }));
}
