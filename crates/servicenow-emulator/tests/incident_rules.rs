//! Incident business rules (§8): numbers, defaults, priority, the state model,
//! the resolution data policy, role rules, stamps and system fields.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use serde_json::json;

const ADMIN_ID: &str = "6816f79cc0a8016401c5a33be04be441";

#[tokio::test]
async fn new_incidents_are_numbered_from_inc0010001() {
    let e = emu().await;
    let a = e
        .create_incident("admin", json!({"short_description": "a"}))
        .await;
    let b = e
        .create_incident("itil", json!({"short_description": "b"}))
        .await;
    assert_eq!(a["number"], "INC0010001");
    assert_eq!(b["number"], "INC0010002");
    assert_eq!(a["task_effective_number"], "INC0010001");
}

#[tokio::test]
async fn a_post_with_only_a_short_description_gets_the_server_defaults() {
    let e = emu().await;
    let r = e
        .create_incident("admin", json!({"short_description": "only this"}))
        .await;
    let expect = [
        ("state", "1"),
        ("incident_state", "1"),
        ("impact", "3"),
        ("urgency", "3"),
        ("priority", "5"),
        ("active", "true"),
        ("severity", "3"),
        ("notify", "1"),
        ("escalation", "0"),
        ("approval", "not requested"),
        ("opened_by", ADMIN_ID),
        ("sys_created_by", "admin"),
        ("sys_updated_by", "admin"),
        ("sys_mod_count", "0"),
        ("correlation_id", ""),
        ("sys_class_name", "incident"),
    ];
    for (field, value) in expect {
        assert_eq!(r[field], value, "{field}");
    }
    let opened = r["opened_at"].as_str().unwrap();
    assert_eq!(opened.len(), 19);
    assert_eq!(r["sys_created_on"], opened);
    assert_eq!(r["sys_updated_on"], opened);
}

#[tokio::test]
async fn priority_is_recomputed_on_every_write() {
    let e = emu().await;
    let r = e
        .create_incident("admin", json!({"short_description": "p", "priority": "1"}))
        .await;
    assert_eq!(r["priority"], "5", "client priority is overwritten");
    let id = r["sys_id"].as_str().unwrap();
    let path = format!("/api/now/table/incident/{id}");
    let r = e.patch("admin", &path, json!({"impact": "1"})).await;
    assert_eq!(r.result()["priority"], "3");
    let r = e
        .patch("admin", &path, json!({"urgency": "1", "priority": "5"}))
        .await;
    assert_eq!(r.result()["priority"], "1");
    let r = e
        .patch("admin", &path, json!({"impact": "2", "urgency": "3"}))
        .await;
    assert_eq!(r.result()["priority"], "4");
}

#[tokio::test]
async fn resolving_without_resolution_fields_is_a_data_policy_error() {
    let e = emu().await;
    let id = e
        .create_incident("itil", json!({"short_description": "r"}))
        .await["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/now/table/incident/{id}");
    let r = e.patch("itil", &path, json!({"state": "6"})).await;
    assert_eq!(r.status, 403);
    let (msg, detail) = r.error();
    assert_eq!(msg, "Operation Failed");
    assert_eq!(
        detail,
        "Data Policy Exception: \n\tThe following fields are mandatory: Resolution code, Resolution notes"
    );
    let r = e
        .patch(
            "itil",
            &path,
            json!({"state": "6", "close_code": "Solution provided"}),
        )
        .await;
    assert_eq!(
        r.error().1,
        "Data Policy Exception: \n\tThe following fields are mandatory: Resolution notes"
    );
    // Nothing was stored by the refused writes.
    assert_eq!(e.get("admin", &path).await.result()["close_code"], "");
}

#[tokio::test]
async fn resolution_fields_already_stored_satisfy_the_policy() {
    let e = emu().await;
    let id = e
        .create_incident("itil", json!({"short_description": "r"}))
        .await["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/now/table/incident/{id}?sysparm_exclude_reference_link=true");
    let r = e
        .patch(
            "itil",
            &path,
            json!({"close_code": "Solution provided", "close_notes": "done"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = e.patch("itil", &path, json!({"state": "6"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rec = r.result();
    assert_eq!(rec["state"], "6");
    assert_eq!(rec["incident_state"], "6");
    assert_eq!(rec["active"], "true");
    assert_eq!(rec["resolved_by"], "681b365ec0a80164000fb0b05854a0cd");
    assert_eq!(rec["resolved_at"].as_str().unwrap().len(), 19);
    assert_eq!(rec["closed_at"], "");
}

#[tokio::test]
async fn closing_needs_admin_and_stamps_closed_fields() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000002").await; // resolved, with a close code
    let path = format!("/api/now/table/incident/{id}?sysparm_exclude_reference_link=true");
    let r = e.patch("itil", &path, json!({"state": "7"})).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.error().1,
        "ACL Exception Update Failed due to security constraints"
    );
    let r = e.patch("admin", &path, json!({"state": "7"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.result()["active"], "false");
    assert_eq!(r.result()["closed_by"], ADMIN_ID);
    assert_eq!(r.result()["closed_at"].as_str().unwrap().len(), 19);
    // Closed incidents are read-only for itil.
    let r = e
        .patch("itil", &path, json!({"work_notes": "late note"}))
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn canceled_incidents_are_inactive_and_reopening_clears_the_stamps() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000008").await; // resolved
    let path = format!("/api/now/table/incident/{id}");
    let r = e.patch("itil", &path, json!({"state": "2"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.result()["resolved_at"], "");
    assert_eq!(r.result()["resolved_by"], "");
    assert_eq!(r.result()["reopen_count"], "1");
    let r = e.patch("itil", &path, json!({"state": "8"})).await;
    assert_eq!(r.result()["active"], "false");
}

#[tokio::test]
async fn incident_state_mirrors_state_both_ways() {
    let e = emu().await;
    let id = e
        .create_incident(
            "itil",
            json!({"short_description": "m", "incident_state": "2"}),
        )
        .await;
    assert_eq!(id["state"], "2");
    let path = format!("/api/now/table/incident/{}", id["sys_id"].as_str().unwrap());
    let r = e
        .patch("itil", &path, json!({"state": "3", "hold_reason": "1"}))
        .await;
    assert_eq!(r.result()["incident_state"], "3");
}

#[tokio::test]
async fn effective_updates_bump_mod_count_and_no_ops_do_not() {
    let e = emu().await;
    let rec = e
        .create_incident("admin", json!({"short_description": "c"}))
        .await;
    let path = format!(
        "/api/now/table/incident/{}",
        rec["sys_id"].as_str().unwrap()
    );
    let r = e.patch("itil", &path, json!({"description": "one"})).await;
    assert_eq!(r.result()["sys_mod_count"], "1");
    assert_eq!(r.result()["sys_updated_by"], "itil");
    assert_eq!(r.result()["sys_created_by"], "admin");
    let r = e.patch("admin", &path, json!({"description": "one"})).await;
    assert_eq!(r.result()["sys_mod_count"], "1", "a no-op is not an update");
    assert_eq!(r.result()["sys_updated_by"], "itil");
    let r = e
        .patch("admin", &path, json!({"work_notes": "journal only"}))
        .await;
    assert_eq!(
        r.result()["sys_mod_count"],
        "2",
        "a journal entry is an update"
    );
}

#[tokio::test]
async fn correlation_ids_are_free_strings_and_not_unique() {
    let e = emu().await;
    let body = json!({"short_description": "dup", "correlation_id": "snowlink:src/A-1#c1", "correlation_display": "snowlink"});
    let a = e.create_incident("itil", body.clone()).await;
    let b = e.create_incident("itil", body).await;
    assert_ne!(a["sys_id"], b["sys_id"]);
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_query=correlation_id%3Dsnowlink%3Asrc%2FA-1%23c1&sysparm_fields=number,correlation_display")
        .await;
    assert_eq!(r.rows().len(), 2);
    assert_eq!(r.rows()[0]["correlation_display"], "snowlink");
}

#[tokio::test]
async fn input_display_value_resolves_references_and_choice_labels() {
    let e = emu().await;
    let r = e
        .post(
            "itil",
            "/api/now/table/incident?sysparm_input_display_value=true&sysparm_exclude_reference_link=true",
            json!({"short_description": "d", "assignment_group": "Service Desk", "impact": "1 - High", "urgency": "2"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.result()["assignment_group"],
        "d625dccec0a8016700a222a0f7900d06"
    );
    assert_eq!(r.result()["impact"], "1");
    assert_eq!(r.result()["priority"], "2");
}

#[tokio::test]
async fn seed_incidents_cover_several_states() {
    let e = emu().await;
    let r = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_fields=state,close_code,active",
        )
        .await;
    let states: std::collections::BTreeSet<&str> = r
        .rows()
        .iter()
        .map(|x| x["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states.into_iter().collect::<Vec<_>>(),
        ["1", "2", "3", "6", "7", "8"]
    );
    for row in r.rows() {
        let s = row["state"].as_str().unwrap();
        if s == "6" || s == "7" {
            assert_ne!(
                row["close_code"], "",
                "resolved seed rows carry a close code"
            );
        }
        assert_eq!(
            row["active"],
            if s == "7" || s == "8" {
                "false"
            } else {
                "true"
            }
        );
    }
}
