//! The §3 matrix: sysparm_display_value × sysparm_exclude_reference_link for a
//! reference, an empty reference, a choice and a string.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use serde_json::{Value, json};

const GROUP: &str = "287ebd7da9fe198100f92cc8d1d2154e";

async fn row(e: &common::Emu, dv: &str, excl: &str) -> Value {
    let path = format!(
        "/api/now/table/incident?sysparm_query=number%3DINC0000001&sysparm_display_value={dv}&sysparm_exclude_reference_link={excl}\
         &sysparm_fields=assignment_group,problem_id,state,short_description,opened_at,active"
    );
    let r = e.get("admin", &path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.rows()[0].clone()
}

#[tokio::test]
async fn the_whole_matrix() {
    let e = emu().await;
    let link = format!("{}/api/now/table/sys_user_group/{GROUP}", e.base);
    let sd = "Unable to connect to office wifi";
    let cases = [
        (
            "false",
            "false",
            json!({"link": link, "value": GROUP}),
            json!(""),
            json!("2"),
            json!(sd),
        ),
        (
            "false",
            "true",
            json!(GROUP),
            json!(""),
            json!("2"),
            json!(sd),
        ),
        (
            "true",
            "false",
            json!({"display_value": "Network", "link": link}),
            json!(""),
            json!("In Progress"),
            json!(sd),
        ),
        (
            "true",
            "true",
            json!("Network"),
            json!(""),
            json!("In Progress"),
            json!(sd),
        ),
        (
            "all",
            "false",
            json!({"display_value": "Network", "link": link, "value": GROUP}),
            json!({"display_value": "", "value": ""}),
            json!({"display_value": "In Progress", "value": "2"}),
            json!({"display_value": sd, "value": sd}),
        ),
        (
            "all",
            "true",
            json!({"display_value": "Network", "value": GROUP}),
            json!({"display_value": "", "value": ""}),
            json!({"display_value": "In Progress", "value": "2"}),
            json!({"display_value": sd, "value": sd}),
        ),
    ];
    for (dv, excl, reference, empty_ref, choice, string) in cases {
        let r = row(&e, dv, excl).await;
        assert_eq!(
            r["assignment_group"], reference,
            "reference dv={dv} excl={excl}"
        );
        assert_eq!(
            r["problem_id"], empty_ref,
            "empty reference dv={dv} excl={excl}"
        );
        assert_eq!(r["state"], choice, "choice dv={dv} excl={excl}");
        assert_eq!(r["short_description"], string, "string dv={dv} excl={excl}");
    }
}

#[tokio::test]
async fn parameter_defaults_are_false() {
    let e = emu().await;
    assert_eq!(row(&e, "", "").await, row(&e, "false", "false").await);
}

#[tokio::test]
async fn dates_and_booleans_display_as_stored_utc_text() {
    let e = emu().await;
    let raw = row(&e, "false", "true").await;
    let all = row(&e, "all", "true").await;
    let opened = raw["opened_at"].as_str().unwrap();
    assert_eq!(opened.len(), 19, "YYYY-MM-DD HH:MM:SS");
    assert_eq!(
        all["opened_at"],
        json!({"display_value": opened, "value": opened})
    );
    assert_eq!(
        all["active"],
        json!({"display_value": "true", "value": "true"})
    );
}

#[tokio::test]
async fn task_choices_show_their_labels() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_query=number%3DINC0000004&sysparm_display_value=true&sysparm_fields=impact,urgency,priority,category,subcategory,hold_reason")
        .await;
    assert_eq!(
        r.rows()[0],
        json!({"impact": "2 - Medium", "urgency": "1 - High", "priority": "2 - High", "category": "Network", "subcategory": "VPN", "hold_reason": ""})
    );
}

#[tokio::test]
async fn dot_walked_fields_follow_the_display_mode() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_query=number%3DINC0000001&sysparm_display_value=all&sysparm_fields=assignment_group.name,assignment_group.manager")
        .await;
    let row = &r.rows()[0];
    assert_eq!(
        row["assignment_group.name"],
        json!({"display_value": "Network", "value": "Network"})
    );
    assert_eq!(
        row["assignment_group.manager"]["display_value"],
        "Beth Anglin"
    );
}
