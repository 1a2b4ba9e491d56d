//! Event Management against a fake: the JSON v2 body and path, the answer's count, a short
//! count or a shapeless answer as an unknown outcome, 403 as a permission error, and the alert
//! read by message key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{result, rows, serve, sn_error};
use serde_json::json;
use servicenow_client::{Error, Event, PermissionKind};

fn event(key: &str) -> Event {
    Event {
        source: "snowlink:dq".into(),
        node: "snowflake".into(),
        event_type: "NullCheck".into(),
        resource: "ORDERS/ID".into(),
        metric_name: "null_ratio".into(),
        severity: Some(2),
        message_key: key.into(),
        description: "nulls".into(),
        additional_info: "{\"id\":\"A-1\"}".into(),
        ..Event::default()
    }
}

#[tokio::test]
async fn sends_records_and_reads_the_count() {
    let fake = serve(|_, _| {
        result(
            200,
            json!({ "Default Bulk Endpoint": "2 events were inserted" }),
        )
    })
    .await;
    let n = fake
        .basic()
        .send_events(&[event("a"), event("b")])
        .await
        .unwrap();
    assert_eq!(n, 2);
    let req = &fake.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/api/global/em/jsonv2");
    let body = req.json_body();
    assert_eq!(body["records"][0]["type"], "NullCheck");
    assert_eq!(body["records"][0]["severity"], "2");
    assert_eq!(body["records"][1]["message_key"], "b");
    assert_eq!(body["records"][0]["additional_info"], "{\"id\":\"A-1\"}");
}

#[tokio::test]
async fn a_short_count_or_a_shapeless_answer_is_an_unknown_outcome() {
    let fake = serve(|_, i| match i {
        0 => result(
            200,
            json!({ "Default Bulk Endpoint": "0 events were inserted" }),
        ),
        _ => result(200, json!({ "something": "else" })),
    })
    .await;
    let c = fake.basic();
    for _ in 0..2 {
        let e = c.send_events(&[event("a")]).await.unwrap_err();
        assert!(matches!(e, Error::UnexpectedAnswer { .. }), "{e:?}");
        assert!(e.outcome_unknown(), "{e}");
    }
}

#[tokio::test]
async fn a_403_is_a_permission_error() {
    let fake = serve(|_, _| {
        sn_error(
            403,
            "User Not Authorized",
            Some("Failed API level ACL Validation"),
        )
    })
    .await;
    let e = fake.basic().send_events(&[event("a")]).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Permission {
                kind: PermissionKind::ApiAcl,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_alert_is_read_by_message_key() {
    let fake = serve(|r, _| {
        if r.param("sysparm_query").unwrap().contains("message_key=none") {
            return rows(vec![], Some(0));
        }
        rows(
            vec![json!({
                "sys_id": { "value": "a1", "display_value": "a1" },
                "number": { "value": "Alert0010001", "display_value": "Alert0010001" },
                "state": { "value": "Open", "display_value": "Open" },
                "message_key": { "value": "snowlink:rule:r:00ff", "display_value": "snowlink:rule:r:00ff" }
            })],
            Some(1),
        )
    })
    .await;
    let c = fake.basic();
    let alert = c.find_alert("snowlink:rule:r:00ff").await.unwrap().unwrap();
    assert_eq!(alert.number(), "Alert0010001");
    assert_eq!(alert.display("state"), Some("Open"));
    let q = fake.requests()[0].param("sysparm_query").unwrap();
    assert!(
        q.starts_with("message_key=snowlink:rule:r:00ff^ORDERBYDESC"),
        "{q}"
    );
    assert_eq!(fake.requests()[0].path, "/api/now/table/em_alert");
    assert!(c.find_alert("none").await.unwrap().is_none());
    // A row for another key is not taken for this key's alert.
    let e = c.find_alert("other").await.unwrap_err();
    assert!(matches!(e, Error::UnexpectedAnswer { .. }), "{e:?}");
}
