//! Injected faults: 429 with Retry-After, 5xx, malformed and wrong-shaped pages,
//! scoped by method and path, counted or until cleared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, emu_with};
use qualytics_emulator::{EmulatorConfig, FaultKind, FaultSpec};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_counted_429_carries_retry_after_and_then_the_api_answers() {
    let e = emu().await;
    e.emu.add_fault(
        FaultSpec::new(FaultKind::RateLimit {
            retry_after_secs: 7,
        })
        .times(2),
    );
    for _ in 0..2 {
        let r = e.get("/api/anomalies").await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.header("retry-after").as_deref(), Some("7"));
        assert!(r.json["detail"].is_string());
    }
    assert_eq!(e.get("/api/anomalies").await.status, StatusCode::OK);
    let log = e.emu.requests();
    assert_eq!(log.iter().filter(|r| r.fault.is_some()).count(), 2);
    assert!(e.emu.faults().is_empty());
}

#[tokio::test]
async fn server_errors_last_until_cleared_and_writes_do_not_happen() {
    let e = emu().await;
    e.emu.add_fault(
        FaultSpec::new(FaultKind::ServerError { status: 503 }).on("PUT", "/api/anomalies/"),
    );
    for _ in 0..3 {
        let r = e
            .put("/api/anomalies/1", json!({ "status": "Acknowledged" }))
            .await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    }
    assert_eq!(
        e.get("/api/anomalies/1").await.status,
        StatusCode::OK,
        "GETs are not hit"
    );
    assert_eq!(e.emu.anomaly(1).unwrap().status.as_str(), "Active");
    e.emu.clear_faults();
    assert_eq!(
        e.put("/api/anomalies/1", json!({ "status": "Acknowledged" }))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn malformed_and_wrong_shaped_pages_are_200s_a_client_must_reject() {
    let e = emu().await;
    e.emu.add_fault(
        FaultSpec::new(FaultKind::MalformedPage)
            .times(1)
            .on("GET", "/api/anomalies"),
    );
    let r = e.get("/api/anomalies").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        serde_json::from_str::<serde_json::Value>(&r.text).is_err(),
        "{}",
        r.text
    );

    e.emu
        .add_fault(FaultSpec::new(FaultKind::WrongShape).times(1));
    let r = e.get("/api/anomalies").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.json.get("items").is_none() && r.json["total"].is_string(),
        "{}",
        r.text
    );
    assert!(e.get("/api/anomalies").await.json["items"].is_array());
}

#[tokio::test]
async fn faults_come_from_the_config_and_the_control_api() {
    let e = emu_with(EmulatorConfig {
        faults: vec![FaultSpec::new(FaultKind::ServerError { status: 500 }).times(1)],
        ..EmulatorConfig::default()
    })
    .await;
    assert_eq!(
        e.get("/api/anomalies").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    let add = e
        .send(Method::POST, "/__emulator/faults", None, Some(json!([
            { "kind": "rate_limit", "retry_after_secs": 1, "count": 1, "method": "GET", "path_prefix": "/api/comments" },
            { "kind": "server_error" }
        ])))
        .await;
    assert_eq!(add.status, StatusCode::CREATED, "{}", add.text);
    assert_eq!(add.json["ids"].as_array().unwrap().len(), 2);
    let listed = e.send(Method::GET, "/__emulator/faults", None, None).await;
    assert_eq!(listed.json[0]["kind"], "rate_limit");
    assert_eq!(
        e.get("/api/comments").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        e.get("/api/comments").await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let bad = e
        .send(
            Method::POST,
            "/__emulator/faults",
            None,
            Some(json!({ "kind": "explode" })),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    e.send(Method::DELETE, "/__emulator/faults", None, None)
        .await;
    assert_eq!(e.get("/api/comments").await.status, StatusCode::OK);
}
