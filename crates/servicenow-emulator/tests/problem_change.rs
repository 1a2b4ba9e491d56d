//! `problem` and `change_request` (docs/emulator.md, "Problems and change requests"): numbers
//! on their own counters, defaults, state choices, the Table API's refusal to move their state
//! (200, state unchanged, no audit row) while the rest of the PATCH applies, journals, stamps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Emu, emu};
use serde_json::{Value, json};

const ADMIN_ID: &str = "6816f79cc0a8016401c5a33be04be441";

async fn create(e: &Emu, user: &str, table: &str, body: Value) -> Value {
    let r = e
        .post(
            user,
            &format!("/api/now/table/{table}?sysparm_exclude_reference_link=true"),
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.result().clone()
}

async fn raw(e: &Emu, table: &str, sys_id: &str) -> Value {
    let r = e
        .get(
            "admin",
            &format!("/api/now/table/{table}/{sys_id}?sysparm_exclude_reference_link=true"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.result().clone()
}

async fn audit_fields(e: &Emu, sys_id: &str) -> Vec<String> {
    let r = e
        .get(
            "admin",
            &format!("/api/now/table/sys_audit?sysparm_query=documentkey%3D{sys_id}"),
        )
        .await;
    let mut f: Vec<String> = r
        .rows()
        .iter()
        .map(|r| r["fieldname"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

#[tokio::test]
async fn problems_and_changes_are_numbered_on_their_own_counters() {
    let e = emu().await;
    let p1 = create(&e, "itil", "problem", json!({"short_description": "p1"})).await;
    let c1 = create(
        &e,
        "itil",
        "change_request",
        json!({"short_description": "c1"}),
    )
    .await;
    let i1 = e
        .create_incident("itil", json!({"short_description": "i1"}))
        .await;
    let p2 = create(&e, "admin", "problem", json!({"short_description": "p2"})).await;
    assert_eq!(p1["number"], "PRB0040001");
    assert_eq!(p2["number"], "PRB0040002");
    assert_eq!(c1["number"], "CHG0030001");
    assert_eq!(i1["number"], "INC0010001");
    assert_eq!(p1["task_effective_number"], "PRB0040001");
    // The built-in demo rows keep their demo numbers.
    let seeded = e
        .get("admin", "/api/now/table/problem?sysparm_fields=number")
        .await;
    assert!(seeded.text.contains("PRB0000002"), "{}", seeded.text);
}

#[tokio::test]
async fn a_new_problem_and_change_get_the_server_defaults() {
    let e = emu().await;
    let p = create(
        &e,
        "itil",
        "problem",
        json!({"short_description": "x", "impact": "1", "urgency": "2"}),
    )
    .await;
    for (field, value) in [
        ("state", "101"),
        ("problem_state", "101"),
        ("priority", "2"),
        ("active", "true"),
        ("known_error", "false"),
        ("approval", "not requested"),
        ("sys_class_name", "problem"),
        ("sys_mod_count", "0"),
        ("sys_created_by", "itil"),
    ] {
        assert_eq!(p[field], value, "problem {field}");
    }
    assert_eq!(p["opened_by"], "681b365ec0a80164000fb0b05854a0cd");
    let c = create(
        &e,
        "admin",
        "change_request",
        json!({"short_description": "x"}),
    )
    .await;
    for (field, value) in [
        ("state", "-5"),
        ("type", "normal"),
        ("priority", "4"),
        ("risk", ""),
        ("active", "true"),
        ("on_hold", "false"),
        ("sys_class_name", "change_request"),
        ("opened_by", ADMIN_ID),
    ] {
        assert_eq!(c[field], value, "change {field}");
    }
}

#[tokio::test]
async fn state_choices_are_the_current_release_models() {
    let e = emu().await;
    let values = |table: &'static str| {
        let e = &e;
        async move {
            let r = e
                .get(
                    "itil",
                    &format!("/api/now/table/sys_choice?sysparm_query=name%3D{table}%5Eelement%3Dstate%5EORDERBYsequence&sysparm_fields=value,label"),
                )
                .await;
            r.rows()
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c["value"].as_str().unwrap(),
                        c["label"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        values("problem").await,
        [
            "101 New",
            "102 Assess",
            "103 Root Cause Analysis",
            "104 Fix in Progress",
            "106 Resolved",
            "107 Closed"
        ]
    );
    assert_eq!(
        values("change_request").await,
        [
            "-5 New",
            "-4 Assess",
            "-3 Authorize",
            "-2 Scheduled",
            "-1 Implement",
            "0 Review",
            "3 Closed",
            "4 Canceled"
        ]
    );
    let dv = e
        .get("itil", "/api/now/table/problem?sysparm_query=number%3DPRB0000002&sysparm_display_value=true&sysparm_fields=state,assignment_group")
        .await;
    assert_eq!(dv.rows()[0]["state"], "Root Cause Analysis", "{}", dv.text);
    assert_eq!(dv.rows()[0]["assignment_group"]["display_value"], "Network");
}

#[tokio::test]
async fn a_patch_never_moves_a_problem_state_but_applies_the_rest() {
    let e = emu().await;
    let p = create(&e, "itil", "problem", json!({"short_description": "x"})).await;
    let id = p["sys_id"].as_str().unwrap();
    let path = format!("/api/now/table/problem/{id}?sysparm_exclude_reference_link=true");
    // State alone: 200, nothing changes, not even the stamps.
    let r = e.patch("admin", &path, json!({"state": "102"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.result()["state"], "101");
    assert_eq!(r.result()["sys_mod_count"], "0");
    // With other fields: those apply, the state (and its mirror) stays.
    let r = e
        .patch(
            "itil",
            &path,
            json!({"state": "103", "problem_state": "103", "workaround": "restart", "work_notes": "looked"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rec = raw(&e, "problem", id).await;
    assert_eq!(rec["state"], "101");
    assert_eq!(rec["problem_state"], "101");
    assert_eq!(rec["workaround"], "restart");
    assert_eq!(rec["sys_mod_count"], "1");
    assert_eq!(rec["sys_updated_by"], "itil");
    assert_eq!(audit_fields(&e, id).await, ["workaround"]);
}

#[tokio::test]
async fn a_patch_never_moves_a_change_state_but_applies_the_rest() {
    let e = emu().await;
    let c = create(
        &e,
        "itil",
        "change_request",
        json!({"short_description": "x"}),
    )
    .await;
    let id = c["sys_id"].as_str().unwrap();
    let path = format!("/api/now/table/change_request/{id}");
    let r = e
        .patch(
            "admin",
            &path,
            json!({"state": "-4", "risk": "3", "backout_plan": "revert"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rec = raw(&e, "change_request", id).await;
    assert_eq!(rec["state"], "-5");
    assert_eq!(rec["risk"], "3");
    assert_eq!(rec["backout_plan"], "revert");
    assert_eq!(rec["sys_mod_count"], "1");
    assert_eq!(rec["sys_updated_by"], "admin");
    assert_eq!(audit_fields(&e, id).await, ["backout_plan", "risk"]);
    // PUT behaves like PATCH.
    let r = e
        .send(reqwest::Method::PUT, "admin", &path, json!({"state": "3"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(raw(&e, "change_request", id).await["state"], "-5");
}

#[tokio::test]
async fn journals_on_problems_and_changes_read_back_like_incidents() {
    let e = emu().await;
    for table in ["problem", "change_request"] {
        let rec = create(
            &e,
            "admin",
            table,
            json!({"short_description": "j", "work_notes": "first"}),
        )
        .await;
        let id = rec["sys_id"].as_str().unwrap();
        let r = e
            .patch(
                "itil",
                &format!("/api/now/table/{table}/{id}"),
                json!({"comments": "second"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let after = raw(&e, table, id).await;
        assert_eq!(after["sys_mod_count"], "1", "{table}");
        assert_eq!(after["sys_updated_by"], "itil", "{table}");
        let rows = e
            .get(
                "admin",
                &format!("/api/now/table/sys_journal_field?sysparm_query=element_id%3D{id}"),
            )
            .await;
        let mut got: Vec<String> = rows
            .rows()
            .iter()
            .map(|j| {
                format!(
                    "{} {} {}",
                    j["name"].as_str().unwrap(),
                    j["element"].as_str().unwrap(),
                    j["value"].as_str().unwrap()
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                format!("{table} comments second"),
                format!("{table} work_notes first")
            ]
        );
        let dv = e
            .get("admin", &format!("/api/now/table/{table}/{id}?sysparm_display_value=true&sysparm_fields=work_notes,comments"))
            .await;
        let notes = dv.result()["work_notes"].as_str().unwrap();
        assert!(
            notes.contains(" - System Administrator (Work notes)\nfirst\n\n"),
            "{notes:?}"
        );
        let comments = dv.result()["comments"].as_str().unwrap();
        assert!(
            comments.contains(" - ITIL User (Additional comments)\nsecond\n\n"),
            "{comments:?}"
        );
    }
}

#[tokio::test]
async fn changes_since_a_time_are_found_by_sys_updated_on() {
    // What the change poller asks of any table (docs/sync.md): records updated since a mark.
    let e = emu().await;
    let c = create(
        &e,
        "itil",
        "change_request",
        json!({"short_description": "poll"}),
    )
    .await;
    let id = c["sys_id"].as_str().unwrap();
    let created = c["sys_updated_on"].as_str().unwrap().replace(' ', "+");
    e.patch(
        "itil",
        &format!("/api/now/table/change_request/{id}"),
        json!({"work_notes": "n"}),
    )
    .await;
    let r = e
        .get("itil", &format!("/api/now/table/change_request?sysparm_query=sys_idIN{id}%5Esys_updated_on%3E%3D{created}&sysparm_fields=sys_id,sys_mod_count"))
        .await;
    assert_eq!(r.rows().len(), 1, "{}", r.text);
    assert_eq!(r.rows()[0]["sys_mod_count"], "1");
}
