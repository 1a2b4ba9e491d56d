//! Bad input gets ServiceNow's error shapes, never a panic or a hang.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, reply};
use reqwest::Method;
use serde_json::json;

async fn raw_post(
    e: &common::Emu,
    path: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> common::Reply {
    reply(
        e.request(Method::POST, "admin", path)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let e = emu().await;
    for body in [
        "{\"short_description\": ",
        "not json",
        "42",
        "\"text\"",
        "[1, 2]",
        "[]",
    ] {
        let r = raw_post(&e, "/api/now/table/incident", "application/json", body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(
            r.json,
            json!({"error": {"message": "Exception while reading request", "detail": "The payload is not valid JSON."}, "status": "failure"})
        );
    }
    let id = e.sys_id_of("INC0000001").await;
    let r = reply(
        e.request(
            Method::PATCH,
            "admin",
            &format!("/api/now/table/incident/{id}"),
        )
        .header("Content-Type", "application/json")
        .body("{oops}")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let e = emu().await;
    let r = raw_post(
        &e,
        "/api/now/table/incident",
        "text/plain",
        "{\"short_description\":\"x\"}",
    )
    .await;
    assert_eq!(r.status, 415);
    assert_eq!(r.json["status"], "failure");
    let r = raw_post(
        &e,
        "/api/now/table/incident",
        "application/x-www-form-urlencoded",
        "short_description=x",
    )
    .await;
    assert_eq!(r.status, 415);
    let ok = raw_post(
        &e,
        "/api/now/table/incident",
        "application/json; charset=utf-8",
        "{\"short_description\":\"x\"}",
    )
    .await;
    assert_eq!(ok.status, 201);
}

#[tokio::test]
async fn bodies_over_ten_megabytes_are_rejected() {
    let e = emu().await;
    let big = format!("{{\"description\":\"{}\"}}", "a".repeat(10 * 1024 * 1024));
    let len = big.len();
    let r = raw_post(&e, "/api/now/table/incident", "application/json", big).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json["error"],
        json!({
            "message": "Exception while reading request",
            "detail": format!("Rejected large REST payload with content-length = {len} bytes. Max allowed: 10485760 bytes.")
        })
    );
    // The connection and the server are still fine.
    assert_eq!(
        e.get("admin", "/api/now/table/incident?sysparm_limit=1")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_body_just_under_the_cap_is_accepted() {
    let e = emu().await;
    let body = format!(
        "{{\"short_description\":\"big\",\"description\":\"{}\"}}",
        "b".repeat(9 * 1024 * 1024)
    );
    let r = raw_post(
        &e,
        "/api/now/table/incident?sysparm_fields=number",
        "application/json",
        body,
    )
    .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn methods_that_do_not_fit_the_path_are_405() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000001").await;
    let cases = [
        (Method::PATCH, "/api/now/table/incident".to_string()),
        (Method::DELETE, "/api/now/table/incident".to_string()),
        (Method::POST, format!("/api/now/table/incident/{id}")),
        (Method::OPTIONS, "/api/now/table/incident".to_string()),
    ];
    for (m, path) in cases {
        let r = reply(
            e.request(m.clone(), "admin", &path)
                .json(&json!({}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 405, "{m} {path}");
        assert_eq!(r.json["status"], "failure");
    }
}

#[tokio::test]
async fn odd_values_in_bodies_are_stored_as_strings() {
    let e = emu().await;
    let r = e
        .post("admin", "/api/now/table/incident", json!({"short_description": 12, "impact": 2, "description": null, "urgency": true, "close_notes": ["a"]}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.result()["short_description"], "12");
    assert_eq!(r.result()["impact"], "2");
    assert_eq!(r.result()["description"], "");
    assert_eq!(r.result()["close_notes"], "", "arrays are ignored");
}

#[tokio::test]
async fn odd_queries_never_fail() {
    let e = emu().await;
    for q in [
        "%5E%5E%5E",
        "ORDERBY",
        "=",
        "number",
        "%E2%9C%93%3D1",
        "a%3Db%5EORc%3Dd%5ENQe%3Df",
    ] {
        let r = e
            .get(
                "admin",
                &format!("/api/now/table/incident?sysparm_query={q}"),
            )
            .await;
        assert_eq!(r.status, 200, "{q}: {}", r.text);
    }
    let long = "x".repeat(8000);
    let r = e
        .get(
            "admin",
            &format!("/api/now/table/incident?sysparm_query=short_descriptionLIKE{long}"),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = e.get("admin", "/api/now/table/incident/not-a-sys-id").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn an_empty_body_creates_a_record_with_defaults() {
    let e = emu().await;
    let r = raw_post(&e, "/api/now/table/incident", "application/json", "").await;
    assert_eq!(r.status, 201);
    assert_eq!(r.result()["state"], "1");
}
