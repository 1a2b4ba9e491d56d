//! The control API under /__emulator (loopback only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, reply};
use serde_json::json;

#[tokio::test]
async fn faults_can_be_added_listed_and_cleared() {
    let e = emu().await;
    let r = reply(
        e.http
            .post(e.url("/__emulator/faults"))
            .json(&json!({"spec": "status=500,count=2"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 201);
    let id = r.json[0]["id"].as_u64().unwrap();
    let r = reply(
        e.http
            .post(e.url("/__emulator/faults"))
            .body("hibernate,path=/api/now/table/sys_user")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 201, "a bare spec as text works too");
    let r = reply(
        e.http
            .post(e.url("/__emulator/faults"))
            .json(&json!({"specs": ["reset,count=1", "empty-202"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    let list = reply(
        e.http
            .get(e.url("/__emulator/faults"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list.json.as_array().unwrap().len(), 4);
    assert_eq!(
        list.json[0],
        json!({"id": id, "spec": "status=500,count=2", "remaining": 2})
    );
    let del = e
        .http
        .delete(e.url(&format!("/__emulator/faults/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    let del = e
        .http
        .delete(e.url(&format!("/__emulator/faults/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 404);
    let clear = e
        .http
        .delete(e.url("/__emulator/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(clear.status(), 204);
    assert!(e.emu.faults().is_empty());
    assert_eq!(
        e.get("admin", "/api/now/table/incident?sysparm_limit=1")
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_bad_spec_is_a_400_naming_the_problem() {
    let e = emu().await;
    let r = reply(
        e.http
            .post(e.url("/__emulator/faults"))
            .json(&json!({"spec": "status=abc"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"].as_str().unwrap().contains("status"));
}

#[tokio::test]
async fn latency_can_be_read_and_set() {
    let e = emu().await;
    let r = reply(
        e.http
            .put(e.url("/__emulator/latency"))
            .json(&json!({"ms": 25}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.json, json!({"ms": 25}));
    let r = reply(
        e.http
            .get(e.url("/__emulator/latency"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.json, json!({"ms": 25}));
    let t = std::time::Instant::now();
    e.get("admin", "/api/now/table/incident?sysparm_limit=1")
        .await;
    assert!(t.elapsed() >= std::time::Duration::from_millis(25));
}

#[tokio::test]
async fn unknown_field_policy_switches_between_ignore_403_and_no_rows() {
    let e = emu().await;
    let q = "/api/now/table/incident?sysparm_query=u_typo%3D1";
    assert_eq!(
        e.get("admin", q).await.rows().len(),
        20,
        "ignored by default: every row"
    );
    let set = |p: &'static str| {
        let http = e.http.clone();
        let url = e.url("/__emulator/query-policy");
        async move {
            reply(
                http.put(url)
                    .json(&json!({"unknown_fields": p}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    assert_eq!(
        set("forbidden").await.json,
        json!({"unknown_fields": "forbidden"})
    );
    let r = e.get("admin", q).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.error().0, "Insufficient rights to query records");
    assert_eq!(
        e.get(
            "admin",
            "/api/now/table/incident?sysparm_query=active%3Dtrue"
        )
        .await
        .status,
        200
    );
    set("no_rows").await;
    let r = e.get("admin", q).await;
    assert_eq!(r.status, 200);
    assert!(r.rows().is_empty());
    assert_eq!(r.header("x-total-count").unwrap(), "0");
    assert_eq!(
        reply(
            e.http
                .get(e.url("/__emulator/query-policy"))
                .send()
                .await
                .unwrap()
        )
        .await
        .json["unknown_fields"],
        "no_rows"
    );
    assert_eq!(set("bogus").await.status.as_u16(), 422);
}

#[tokio::test]
async fn the_request_log_records_and_resets() {
    let e = emu().await;
    e.get("itil", "/api/now/table/incident?sysparm_limit=1")
        .await;
    reply(
        e.http
            .get(e.url("/api/now/table/incident"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let log = reply(
        e.http
            .get(e.url("/__emulator/requests"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let entries = log.json.as_array().unwrap();
    assert_eq!(entries.len(), 2, "control calls are not logged");
    assert_eq!(entries[0]["method"], "GET");
    assert_eq!(entries[0]["path"], "/api/now/table/incident");
    assert_eq!(entries[0]["query"], "sysparm_limit=1");
    assert_eq!(entries[0]["status"], 200);
    assert_eq!(entries[0]["user"], "itil");
    assert_eq!(entries[0]["time"].as_str().unwrap().len(), 23);
    assert_eq!(entries[1]["status"], 401);
    assert_eq!(entries[1]["user"], "");
    let del = e
        .http
        .delete(e.url("/__emulator/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert!(e.emu.requests().is_empty());
}

#[tokio::test]
async fn summary_shows_the_settings() {
    let e = emu().await;
    let r = reply(e.http.get(e.url("/__emulator")).send().await.unwrap()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["token_lifetime_secs"], 1800);
    assert_eq!(r.json["unknown_fields"], "ignore");
    let r = reply(
        e.http
            .get(e.url("/__emulator/nothing"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 404);
}
