//! `GET /api/openapi.json` lists exactly the routes served, and each one answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use qualytics_emulator::OPERATIONS;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn every_listed_operation_is_served_and_nothing_else_is_listed() {
    let e = emu().await;
    let doc = e.get("/api/openapi.json").await.json;
    let paths = doc["paths"].as_object().unwrap();
    let mut listed = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            listed.push((method.clone(), path.clone()));
        }
    }
    listed.sort();
    let mut expected: Vec<(String, String)> = OPERATIONS
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
    for needed in [
        ("post", "/api/comments"),
        ("get", "/api/comments"),
        ("patch", "/api/anomalies"),
        ("delete", "/api/anomalies"),
    ] {
        assert!(paths[needed.1].get(needed.0).is_some(), "{needed:?}");
    }

    // Each operation reaches a handler: no 404 Not Found / 405 from the router.
    for (method, path) in expected {
        let concrete = path.replace("{anomaly_id}", "2");
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = e.send(m, &concrete, Some(&e.admin.clone()), None).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_ne!(r.json["detail"], "Not Found", "{method} {path}");
    }
}
