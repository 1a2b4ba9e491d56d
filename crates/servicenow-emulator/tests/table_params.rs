//! Table API parameters and headers (§1–§2): sysparm_fields on reads and writes,
//! bare field filters, unknown parameters, X-no-response-body, method override.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, reply};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_body_fields_and_parameters_are_ignored() {
    let e = emu().await;
    let r = e
        .post(
            "admin",
            "/api/now/table/incident?bogus=1&sysparm_bogus=2",
            json!({"short_description": "x", "u_nope": "y"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(r.result().get("u_nope").is_none());
    // `query` is not a parameter: every row comes back, as in the capture.
    let r = e
        .get("admin", "/api/now/table/incident?query=number%3DINC0000001")
        .await;
    assert_eq!(r.rows().len(), 21);
}

#[tokio::test]
async fn sysparm_fields_trims_reads_and_writes_with_flat_dot_walks() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_query=number%3DINC0000001&sysparm_fields=number,assignment_group.name,caller_id.email,u_nope")
        .await;
    assert_eq!(
        r.rows()[0],
        json!({"number": "INC0000001", "assignment_group.name": "Network", "caller_id.email": "bud.richman@example.com"})
    );
    let r = e
        .post(
            "admin",
            "/api/now/table/incident?sysparm_fields=number,sys_id",
            json!({"short_description": "x"}),
        )
        .await;
    let keys: Vec<&String> = r.result().as_object().unwrap().keys().collect();
    assert_eq!(keys, ["number", "sys_id"]);
    let id = r.result()["sys_id"].as_str().unwrap();
    let r = e
        .patch(
            "admin",
            &format!("/api/now/table/incident/{id}?sysparm_fields=sys_id,number,sys_updated_on"),
            json!({"work_notes": "n"}),
        )
        .await;
    assert_eq!(r.result().as_object().unwrap().len(), 3);
}

#[tokio::test]
async fn x_no_response_body_suppresses_write_bodies() {
    let e = emu().await;
    let r = reply(
        e.request(Method::POST, "admin", "/api/now/table/incident")
            .header("X-no-response-body", "true")
            .json(&json!({"short_description": "quiet"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(r.text.is_empty());
    assert!(r.header("location").is_some());
}

#[tokio::test]
async fn bare_field_parameters_filter_by_value_or_display_value() {
    let e = emu().await;
    let closed = e.get("admin", "/api/now/table/incident?state=closed").await;
    assert_eq!(closed.rows().len(), 2);
    assert!(closed.rows().iter().all(|r| r["state"] == "7"));
    let raw = e
        .get("admin", "/api/now/table/incident?state=7&active=false")
        .await;
    assert_eq!(raw.rows().len(), 2);
    let by_group = e
        .get(
            "admin",
            "/api/now/table/incident?assignment_group=Data%20Platform",
        )
        .await;
    assert_eq!(by_group.rows().len(), 4);
}

#[tokio::test]
async fn method_override_header_turns_a_post_into_a_patch() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000001").await;
    let r = reply(
        e.request(
            Method::POST,
            "admin",
            &format!("/api/now/table/incident/{id}"),
        )
        .header("X-HTTP-Method-Override", "PATCH")
        .json(&json!({"description": "via override"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.result()["description"], "via override");
}
