//! Data policies are data: the seeded resolution policy and any added by `--seed` are enforced
//! on Table API writes with ServiceNow's 403 "Data Policy Exception", and readable as records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, emu_with};
use serde_json::json;
use servicenow_emulator::EmulatorConfig;

#[tokio::test]
async fn the_resolution_policy_is_a_readable_record() {
    let e = emu().await;
    let r = e
        .get(
            "itil",
            "/api/now/table/sys_data_policy2?sysparm_query=model_table%3Dincident%5Eactive%3Dtrue",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.rows().len(), 1);
    assert_eq!(r.rows()[0]["conditions"], "stateIN6,7");
    let id = r.rows()[0]["sys_id"].as_str().unwrap().to_string();
    let rules = e
        .get(
            "itil",
            &format!("/api/now/table/sys_data_policy_rule?sysparm_query=sys_data_policy%3D{id}%5Emandatory%3Dtrue&sysparm_fields=field"),
        )
        .await;
    let mut fields: Vec<&str> = rules
        .rows()
        .iter()
        .map(|r| r["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["close_code", "close_notes"]);
}

#[tokio::test]
async fn a_seeded_policy_makes_category_mandatory_on_create() {
    let seed = std::env::temp_dir().join(format!("snowlink-dp-seed-{}.json", std::process::id()));
    std::fs::write(
        &seed,
        serde_json::to_vec(&json!({"tables": {
            "sys_data_policy2": [{"sys_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01", "short_description": "Category required",
                                  "model_table": "incident", "conditions": "", "active": "true"}],
            "sys_data_policy_rule": [{"sys_id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02", "sys_data_policy": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01",
                                      "table": "incident", "field": "category", "mandatory": "true"}]
        }}))
        .unwrap(),
    )
    .unwrap();
    let e = emu_with(EmulatorConfig {
        seed: Some(seed.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    let refused = e
        .post(
            "itil",
            "/api/now/table/incident",
            json!({"short_description": "x", "category": ""}),
        )
        .await;
    assert_eq!(refused.status, 403);
    let detail = refused.json["error"]["detail"].as_str().unwrap();
    assert!(detail.starts_with("Data Policy Exception"), "{detail}");
    assert!(detail.contains("Category"), "{detail}");
    let ok = e
        .post(
            "itil",
            "/api/now/table/incident",
            json!({"short_description": "x", "category": "network"}),
        )
        .await;
    assert_eq!(ok.status, 201);
    let _ = std::fs::remove_file(seed);
}
