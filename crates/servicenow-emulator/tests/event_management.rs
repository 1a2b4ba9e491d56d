//! Event Management's inbound web service (`POST /api/global/em/jsonv2`): roles, the answer,
//! per-record truncation, `additional_info` shapes, dedupe into `em_alert`, Clear, and the
//! Table API view of both tables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Emu, emu, emu_with};
use reqwest::Method;
use serde_json::{Value, json};
use servicenow_emulator::EmulatorConfig;

const JSONV2: &str = "/api/global/em/jsonv2";

/// An emulator with `evt.bot` (role evt_mgmt_integration only), password `evt.bot`.
async fn emu_with_integration_user() -> Emu {
    let seed = std::env::temp_dir().join(format!("snowlink-em-seed-{}.json", std::process::id()));
    let body = json!({
        "credentials": { "evt.bot": "evt.bot" },
        "tables": { "sys_user": [ { "user_name": "evt.bot", "name": "Event Bot", "roles": "evt_mgmt_integration" } ] }
    });
    std::fs::write(&seed, serde_json::to_vec(&body).unwrap()).unwrap();
    let e = emu_with(EmulatorConfig {
        seed: Some(seed.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    std::fs::remove_file(&seed).unwrap();
    e
}

fn event(key: &str, severity: &str) -> Value {
    json!({
        "source": "snowlink:dq", "node": "snowflake", "type": "NullCheck",
        "resource": "ORDERS/ID", "metric_name": "null_ratio", "severity": severity,
        "message_key": key, "description": format!("event for {key}"),
        "additional_info": "{\"url\":\"https://dq.example.com/a/1\"}"
    })
}

async fn rows(e: &Emu, table: &str, query: &str) -> Vec<Value> {
    let r = e
        .get(
            "admin",
            &format!(
                "/api/now/table/{table}?sysparm_query={query}&sysparm_exclude_reference_link=true"
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.rows().clone()
}

#[tokio::test]
async fn integration_role_and_admin_may_send_others_get_403() {
    let e = emu_with_integration_user().await;
    for user in ["evt.bot", "admin"] {
        let r = e
            .post(user, JSONV2, json!({ "records": [event("k", "3")] }))
            .await;
        assert_eq!(r.status, 200, "{user}: {}", r.text);
        assert_eq!(
            r.json,
            json!({ "result": { "Default Bulk Endpoint": "1 events were inserted" } })
        );
    }
    for user in ["itil", "guest"] {
        let r = e
            .post(user, JSONV2, json!({ "records": [event("k", "3")] }))
            .await;
        assert_eq!(r.status, 403, "{user}: {}", r.text);
        assert_eq!(r.error().0, "User Not Authorized");
    }
    assert_eq!(rows(&e, "em_event", "").await.len(), 2);
    let unauth = e
        .http
        .post(e.url(JSONV2))
        .json(&json!({ "records": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
    let get = e
        .request(Method::GET, "admin", JSONV2)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn bad_bodies_are_refused_and_non_object_records_skipped() {
    let e = emu().await;
    let not_json = e
        .request(Method::POST, "admin", JSONV2)
        .header("Content-Type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let r = e.post("admin", JSONV2, json!({ "events": [] })).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = e
        .post(
            "admin",
            JSONV2,
            json!({ "records": [event("a", "2"), 7, "x", event("b", "2")] }),
        )
        .await;
    assert_eq!(
        r.result()["Default Bulk Endpoint"],
        "2 events were inserted"
    );
    let big = "x".repeat(11 * 1024 * 1024);
    let r = e
        .post(
            "admin",
            JSONV2,
            json!({ "records": [{ "description": big }] }),
        )
        .await;
    assert_eq!(r.status, 400, "over the 10 MB cap");
    assert_eq!(rows(&e, "em_event", "").await.len(), 2);
}

#[tokio::test]
async fn fields_are_truncated_and_additional_info_kept_as_a_string() {
    let e = emu().await;
    let mut rec = event("", "4");
    rec["node"] = json!("n".repeat(150));
    rec["description"] = json!("d".repeat(5000));
    rec["message_key"] = json!("");
    let mut obj = event("obj", "4");
    obj["additional_info"] = json!({ "url": "https://x" });
    let r = e
        .post("admin", JSONV2, json!({ "records": [rec, obj] }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let events = rows(&e, "em_event", "ORDERBYsys_created_on").await;
    let long = events.iter().find(|v| v["message_key"] != "obj").unwrap();
    assert_eq!(long["node"].as_str().unwrap().len(), 100);
    assert_eq!(long["description"].as_str().unwrap().len(), 4000);
    // No message_key: the key is source + node + type + resource + metric_name.
    let expected_key = format!("snowlink:dq{}NullCheckORDERS/IDnull_ratio", "n".repeat(100));
    assert_eq!(long["message_key"], expected_key);
    assert_eq!(
        long["additional_info"],
        "{\"url\":\"https://dq.example.com/a/1\"}"
    );
    assert_eq!(long["state"], "Processed");
    let obj = events.iter().find(|v| v["message_key"] == "obj").unwrap();
    assert_eq!(obj["additional_info"], "[object Object]");
}

#[tokio::test]
async fn the_same_key_updates_one_alert_a_new_key_makes_another() {
    let e = emu().await;
    let batch: Vec<Value> = (0..10)
        .map(|i| event(if i % 2 == 0 { "key-a" } else { "key-b" }, "3"))
        .collect();
    let r = e.post("admin", JSONV2, json!({ "records": batch })).await;
    assert_eq!(
        r.result()["Default Bulk Endpoint"],
        "10 events were inserted"
    );
    let r = e
        .post("admin", JSONV2, json!({ "records": [event("key-a", "1")] }))
        .await;
    assert_eq!(r.status, 200);
    let alerts = rows(&e, "em_alert", "ORDERBYnumber").await;
    assert_eq!(alerts.len(), 2, "{alerts:?}");
    assert_eq!(alerts[0]["number"], "Alert0010001");
    assert_eq!(alerts[1]["number"], "Alert0010002");
    let a = alerts.iter().find(|a| a["message_key"] == "key-a").unwrap();
    assert_eq!(a["event_count"], "6");
    assert_eq!(a["severity"], "1", "the latest event's severity");
    assert_eq!(a["state"], "Open");
    let events = rows(&e, "em_event", "message_key=key-a").await;
    assert_eq!(events.len(), 6);
    assert!(events.iter().all(|ev| ev["alert"] == a["sys_id"]));
    // Display values come from the severity choices.
    let dv = e
        .get(
            "admin",
            &format!("/api/now/table/em_alert/{}?sysparm_display_value=true&sysparm_fields=severity,number", a["sys_id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(dv.result()["severity"], "Critical");
}

#[tokio::test]
async fn clear_closes_the_alert_and_no_severity_makes_none() {
    let e = emu().await;
    let mut none = event("silent", "");
    none.as_object_mut().unwrap().remove("severity");
    let r = e
        .post(
            "admin",
            JSONV2,
            json!({ "records": [event("k", "2"), none] }),
        )
        .await;
    assert_eq!(
        r.result()["Default Bulk Endpoint"],
        "2 events were inserted"
    );
    assert!(rows(&e, "em_alert", "message_key=silent").await.is_empty());
    e.post("admin", JSONV2, json!({ "records": [event("k", "0")] }))
        .await;
    let alerts = rows(&e, "em_alert", "message_key=k").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["state"], "Closed");
    assert_eq!(alerts[0]["severity"], "0");
    // After the clear, the key opens a new alert.
    e.post("admin", JSONV2, json!({ "records": [event("k", "3")] }))
        .await;
    let alerts = rows(&e, "em_alert", "message_key=k^ORDERBYnumber").await;
    assert_eq!(alerts.len(), 2);
    assert_eq!(alerts[1]["state"], "Open");
    // A severity outside 0–5 is an event in Error, without an alert.
    e.post("admin", JSONV2, json!({ "records": [event("odd", "9")] }))
        .await;
    let odd = rows(&e, "em_event", "message_key=odd").await;
    assert_eq!(odd[0]["state"], "Error");
    assert!(rows(&e, "em_alert", "message_key=odd").await.is_empty());
}

#[tokio::test]
async fn table_api_writes_to_alerts_need_admin() {
    let e = emu().await;
    e.post("admin", JSONV2, json!({ "records": [event("k", "2")] }))
        .await;
    let alert = &rows(&e, "em_alert", "").await[0];
    let path = format!(
        "/api/now/table/em_alert/{}",
        alert["sys_id"].as_str().unwrap()
    );
    let r = e.patch("itil", &path, json!({ "description": "x" })).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = e.get("itil", &path).await;
    assert_eq!(r.status, 200, "alerts are readable: {}", r.text);
}
