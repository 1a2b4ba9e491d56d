//! `POST /api/comments {message, anomaly_id}` and `GET /api/comments?anomaly_id=`,
//! and the comments embedded in `GET /api/anomalies/{id}`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn comments_are_created_listed_per_anomaly_and_embedded() {
    let e = emu().await;
    let r = e
        .post(
            "/api/comments",
            json!({ "message": "INC0010001 opened", "anomaly_id": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["message"], "INC0010001 opened");
    assert_eq!(r.json["anomaly_id"], 1);
    assert_eq!(r.json["user"]["name"], "Ana Admin");
    assert!(r.json["created"].as_str().unwrap().ends_with('Z'));
    let editor = e.emu.editor_token().to_string();
    let by_editor = e
        .send(
            Method::POST,
            "/api/comments",
            Some(&editor),
            Some(json!({ "message": "second", "anomaly_id": 1 })),
        )
        .await;
    assert_eq!(by_editor.json["user"]["name"], "Ben Editor");
    e.post(
        "/api/comments",
        json!({ "message": "elsewhere", "anomaly_id": 2 }),
    )
    .await;

    let list = e.get("/api/comments?anomaly_id=1").await;
    assert_eq!(list.json["total"], 2);
    let messages: Vec<&str> = list
        .items()
        .iter()
        .map(|c| c["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["INC0010001 opened", "second"]);
    assert_eq!(e.get("/api/comments").await.json["total"], 3);
    assert_eq!(e.anomaly(1).await["comments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_comments_are_refused() {
    let e = emu().await;
    let r = e
        .post(
            "/api/comments",
            json!({ "message": "x", "anomaly_id": 999 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for body in [
        json!({ "message": "   ", "anomaly_id": 1 }),
        json!({ "anomaly_id": 1 }),
        json!({ "message": "x" }),
    ] {
        let r = e.post("/api/comments", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    assert_eq!(
        e.get("/api/comments?anomaly_id=abc").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(e.emu.comments(1).is_empty());
}
