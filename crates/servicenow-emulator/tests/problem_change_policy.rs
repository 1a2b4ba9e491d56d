//! Data policies and create roles of `problem` and `change_request` (docs/emulator.md,
//! "Problems and change requests"): ServiceNow-shaped 403s naming the missing fields, and the
//! roles each table's create needs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Emu, emu, emu_with};
use serde_json::{Value, json};
use servicenow_emulator::EmulatorConfig;

/// The `detail` of a data-policy refusal, after checking its shape.
async fn refused(e: &Emu, user: &str, method: reqwest::Method, path: &str, body: Value) -> String {
    let r = e.send(method, user, path, body).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let (message, detail) = r.error();
    assert_eq!(message, "Operation Failed");
    let detail = detail.as_str().unwrap().to_string();
    assert!(
        detail.starts_with("Data Policy Exception: \n\tThe following fields are mandatory: "),
        "{detail}"
    );
    detail
}

#[tokio::test]
async fn problem_data_policies_name_the_missing_fields() {
    let e = emu().await;
    let post = reqwest::Method::POST;
    let d = refused(
        &e,
        "itil",
        post.clone(),
        "/api/now/table/problem",
        json!({"short_description": "x", "state": "102"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Assigned to"), "{d}");
    let d = refused(
        &e,
        "itil",
        post.clone(),
        "/api/now/table/problem",
        json!({"short_description": "x", "state": "104", "assigned_to": "beth.anglin"}),
    )
    .await;
    // A reference given by name is not a sys_id, but it is not empty: only the notes are missing.
    assert!(d.ends_with("mandatory: Cause notes, Fix notes"), "{d}");
    let d = refused(
        &e,
        "itil",
        post.clone(),
        "/api/now/table/problem",
        json!({"short_description": "x", "state": "106", "assigned_to": "x"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Resolution code"), "{d}");
    // On an update too: a resolution code needs its notes.
    let ok = e
        .post(
            "itil",
            "/api/now/table/problem",
            json!({"short_description": "x"}),
        )
        .await;
    let id = ok.result()["sys_id"].as_str().unwrap().to_string();
    let path = format!("/api/now/table/problem/{id}");
    let patch = reqwest::Method::PATCH;
    let d = refused(
        &e,
        "itil",
        patch.clone(),
        &path,
        json!({"resolution_code": "fix_applied"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Cause notes, Fix notes"), "{d}");
    let d = refused(
        &e,
        "itil",
        patch.clone(),
        &path,
        json!({"resolution_code": "risk_accepted", "cause_notes": "c"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Close notes"), "{d}");
    let d = refused(
        &e,
        "itil",
        patch.clone(),
        &path,
        json!({"resolution_code": "duplicate"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Duplicate of"), "{d}");
    let r = e
        .patch(
            "itil",
            &path,
            json!({"resolution_code": "canceled", "close_notes": "not a problem"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn change_data_policies_name_the_missing_fields() {
    let e = emu().await;
    let post = reqwest::Method::POST;
    let path = "/api/now/table/change_request";
    let d = refused(
        &e,
        "itil",
        post.clone(),
        path,
        json!({"short_description": "x", "state": "3"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Close code, Close notes"), "{d}");
    let d = refused(
        &e,
        "itil",
        post.clone(),
        path,
        json!({"short_description": "x", "state": "3", "close_code": "successful"}),
    )
    .await;
    assert!(d.ends_with("mandatory: Close notes"), "{d}");
    let d = refused(
        &e,
        "itil",
        post.clone(),
        path,
        json!({"short_description": "x", "type": "standard"}),
    )
    .await;
    assert!(
        d.ends_with("mandatory: Standard change template version"),
        "{d}"
    );
    let d = refused(
        &e,
        "itil",
        post.clone(),
        path,
        json!({"short_description": "x", "on_hold": true}),
    )
    .await;
    assert!(d.ends_with("mandatory: On hold reason"), "{d}");
    let closed = e
        .post("admin", path, json!({"short_description": "x", "state": "3", "close_code": "successful", "close_notes": "done"}))
        .await;
    assert_eq!(closed.status, 201, "{}", closed.text);
    assert_eq!(closed.result()["active"], "false");
    assert_eq!(
        closed.result()["closed_by"]["value"],
        "6816f79cc0a8016401c5a33be04be441"
    );
    let emergency = e
        .post(
            "itil",
            path,
            json!({"short_description": "x", "type": "emergency"}),
        )
        .await;
    assert_eq!(emergency.status, 201, "{}", emergency.text);
}

fn seed_users() -> std::path::PathBuf {
    let seed =
        std::env::temp_dir().join(format!("snowlink-prbchg-roles-{}.json", std::process::id()));
    let users: Vec<Value> = [
        ("prb.writer", "sn_problem_write"),
        ("prb.coord", "problem_coordinator"),
        ("chg.writer", "sn_change_write"),
        ("chg.manager", "change_manager"),
    ]
    .iter()
    .map(|(u, role)| json!({"user_name": u, "name": u, "roles": role}))
    .collect();
    let creds: serde_json::Map<String, Value> =
        ["prb.writer", "prb.coord", "chg.writer", "chg.manager"]
            .iter()
            .map(|u| (u.to_string(), json!(u)))
            .collect();
    std::fs::write(
        &seed,
        serde_json::to_vec(&json!({"credentials": creds, "tables": {"sys_user": users}})).unwrap(),
    )
    .unwrap();
    seed
}

#[tokio::test]
async fn creating_needs_each_tables_write_roles() {
    let seed = seed_users();
    let e = emu_with(EmulatorConfig {
        seed: Some(seed.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let cases = [
        ("problem", "admin", 201),
        ("problem", "itil", 201),
        ("problem", "prb.writer", 201),
        ("problem", "prb.coord", 201),
        ("problem", "chg.writer", 403),
        ("problem", "guest", 403),
        ("change_request", "admin", 201),
        ("change_request", "itil", 201),
        ("change_request", "chg.writer", 201),
        ("change_request", "chg.manager", 403),
        ("change_request", "prb.writer", 403),
        ("change_request", "guest", 403),
    ];
    for (table, user, status) in cases {
        let r = e
            .post(
                user,
                &format!("/api/now/table/{table}"),
                json!({"short_description": "roles"}),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            status,
            "{user} creating a {table}: {}",
            r.text
        );
        if status == 403 {
            assert_eq!(
                r.error(),
                (
                    "Operation Failed".to_string(),
                    json!("ACL Exception Insert Failed due to security constraints")
                )
            );
        }
    }
    // A role-less user sees only what they opened: none of the seeded rows.
    let r = e.get("guest", "/api/now/table/problem").await;
    assert_eq!(r.status, 200);
    assert!(r.rows().is_empty(), "{}", r.text);
    let r = e.get("guest", "/api/now/table/change_request").await;
    assert!(r.rows().is_empty(), "{}", r.text);
    let _ = std::fs::remove_file(seed);
}
