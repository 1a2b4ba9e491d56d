//! The control API (`/__emulator/…`) and its Rust twin: add anomalies, scans
//! that reactivate and auto-resolve, tokens, seeds and the request log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, emu_with_seed};
use qualytics_emulator::{EmulatorError, NewAnomaly, Ref, ScanSpec, Seed, Status};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn control(
    e: &common::Emu,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> common::Reply {
    e.send(method, &format!("/__emulator{path}"), None, body)
        .await
}

#[tokio::test]
async fn anomalies_added_through_the_control_api_show_up_in_the_list() {
    let e = emu().await;
    let r = control(
        &e,
        Method::POST,
        "/anomalies",
        Some(json!({
            "description": "Late arrivals in orders",
            "type": "shape",
            "weight": 7,
            "tags": ["sales"],
            "datastore": { "id": 1, "name": "Sales Warehouse" },
            "container": { "id": 101, "name": "orders" },
            "failed_checks": [{ "quality_check": { "id": 1009, "name": "orders freshness", "rule_type": "freshness" }, "message": "late" }]
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json[0]["id"], 9);
    assert_eq!(r.json[0]["is_new"], true);
    let newest = e.get("/api/anomalies?sort_created=desc&size=1").await;
    assert_eq!(newest.ids(), [9]);
    assert_eq!(e.get("/api/anomalies").await.json["total"], 7);

    // Unknown fields and duplicate ids are refused with the fix named.
    let r = control(&e, Method::POST, "/anomalies", Some(json!({ "description": "x", "colour": 1, "datastore": { "id": 1, "name": "a" }, "container": { "id": 1, "name": "b" } }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let dup = NewAnomaly {
        id: Some(1),
        ..NewAnomaly::new(
            Ref {
                id: 1,
                name: "a".into(),
            },
            Ref {
                id: 1,
                name: "b".into(),
            },
            "dup",
        )
    };
    let err = e.emu.add_anomaly(dup).unwrap_err();
    assert!(matches!(err, EmulatorError::Rejected(_)));
    assert!(err.to_string().contains("omit `id`"), "{err}");
}

#[tokio::test]
async fn a_scan_reactivates_archived_anomalies_and_auto_resolves_open_ones() {
    let e = emu().await;
    let r = control(
        &e,
        Method::POST,
        "/scan",
        Some(json!({ "reactivate": [7], "auto_resolve": [5] })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["reactivated"][0]["status"], "Active");
    assert_eq!(r.json["resolved"][0]["status"], "Resolved");
    let open = e.get("/api/anomalies?size=100").await.ids();
    assert!(open.contains(&7) && !open.contains(&5), "{open:?}");
    let a5 = e.anomaly(5).await;
    assert_eq!(
        (a5["status"].as_str(), a5["archived"].as_bool()),
        (Some("Resolved"), Some(true))
    );
    // A reactivated anomaly can be acknowledged again.
    assert_eq!(
        e.put("/api/anomalies/7", json!({ "status": "Acknowledged" }))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_scan_is_all_or_nothing() {
    let e = emu().await;
    let new = json!({ "description": "from the scan", "datastore": { "id": 1, "name": "a" }, "container": { "id": 1, "name": "b" } });
    // Steps run in order new → reactivate → auto_resolve; 2 is open, so the
    // reactivation of 2 is refused after 9 was added and 7 reactivated.
    let r = control(
        &e,
        Method::POST,
        "/scan",
        Some(json!({ "new": [new], "reactivate": [7, 2], "auto_resolve": [1] })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "2 is open: {}", r.text);
    assert_eq!(
        e.emu.anomalies().len(),
        8,
        "the added anomaly was rolled back"
    );
    assert_eq!(
        e.emu.anomaly(7).unwrap().status,
        Status::Resolved,
        "7 was rolled back"
    );
    assert_eq!(e.emu.anomaly(1).unwrap().status, Status::Active);
    let err = e
        .emu
        .scan(ScanSpec {
            auto_resolve: vec![7],
            ..ScanSpec::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("archived"), "{err}");
    let r = control(
        &e,
        Method::POST,
        "/scan",
        Some(json!({ "reactivate": [99] })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn tokens_can_be_issued_for_seeded_users_only() {
    let e = emu().await;
    let r = control(
        &e,
        Method::POST,
        "/tokens",
        Some(json!({ "user_id": 3, "role": "editor" })),
    )
    .await;
    let token = r.json["token"].as_str().unwrap().to_string();
    assert_eq!(token.split('.').count(), 3);
    let w = e
        .send(
            Method::PUT,
            "/api/anomalies/1",
            Some(&token),
            Some(json!({ "status": "Acknowledged" })),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK);
    let r = control(
        &e,
        Method::POST,
        "/tokens",
        Some(json!({ "user_id": 77, "role": "admin" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = control(&e, Method::POST, "/tokens/expire", None).await;
    assert_eq!(r.json["expired"], 4);
    assert_eq!(
        e.get("/api/anomalies").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_request_log_records_api_calls_with_query_body_status_and_user() {
    let e = emu().await;
    e.get("/api/anomalies?status=Active&status=Acknowledged")
        .await;
    e.put("/api/anomalies/2", json!({ "status": "Active" }))
        .await;
    let summary = control(&e, Method::GET, "", None).await;
    assert_eq!(summary.json["anomalies"], 8, "{}", summary.text);
    control(&e, Method::GET, "/", None).await;
    let log = control(&e, Method::GET, "/requests", None).await.json;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "control calls are not logged: {log:?}");
    assert_eq!(log[0]["query"], "status=Active&status=Acknowledged");
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["user_id"], 1);
    assert_eq!(log[1]["method"], "PUT");
    assert_eq!(log[1]["body"], r#"{"status":"Active"}"#);
    control(&e, Method::DELETE, "/requests", None).await;
    assert!(e.emu.requests().is_empty());
}

#[tokio::test]
async fn seeds_come_from_a_file_and_bad_seeds_name_the_problem() {
    let dir = std::env::temp_dir().join(format!("qualytics-emu-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        json!({ "anomalies": [{ "id": 40, "description": "from file", "status": "Invalid", "created": "2026-01-02T03:04:05+02:00",
                "fingerprint": 12345, "datastore": { "id": 5, "name": "Files" }, "container": { "id": 50, "name": "f" } }] })
        .to_string(),
    )
    .unwrap();
    let e = emu_with_seed(Seed::File(good)).await;
    let a = e.anomaly(40).await;
    assert_eq!(
        (a["archived"].as_bool(), a["fingerprint"].as_u64()),
        (Some(true), Some(12345))
    );
    assert_eq!(a["created"], "2026-01-02T01:04:05.000000Z");

    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"anomalies":[{"description":"x","created":"soon","datastore":{"id":1,"name":"a"},"container":{"id":1,"name":"b"}}]}"#).unwrap();
    let cfg = qualytics_emulator::EmulatorConfig {
        seed: Seed::File(bad.clone()),
        ..Default::default()
    };
    let err = qualytics_emulator::Emulator::start(cfg)
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(
        msg.contains("bad.json")
            && msg.contains("RFC 3339")
            && msg.contains("docs/qualytics-emulator.md"),
        "{msg}"
    );
    let missing = qualytics_emulator::EmulatorConfig {
        seed: Seed::File(dir.join("nope.json")),
        ..Default::default()
    };
    assert!(matches!(
        qualytics_emulator::Emulator::start(missing).await,
        Err(EmulatorError::SeedRead { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn the_rust_api_reactivates_and_auto_resolves_one_anomaly() {
    let e = emu().await;
    assert_eq!(e.emu.reactivate(8).unwrap().status, Status::Active);
    assert_eq!(e.emu.auto_resolve(1).unwrap().status, Status::Resolved);
    assert!(
        e.emu
            .reactivate(2)
            .unwrap_err()
            .to_string()
            .contains("not archived")
    );
    assert!(
        e.emu
            .auto_resolve(7)
            .unwrap_err()
            .to_string()
            .contains("archived as Resolved")
    );
    let open = e.get("/api/anomalies").await.ids();
    assert!(open.contains(&8) && !open.contains(&1), "{open:?}");
}
