//! Shared by the Event Management tests: an emulator whose integration account
//! `snowlink.events` has the itil and evt_mgmt_integration roles, the config pointing at it,
//! and reads of `em_event` / `em_alert` as admin.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use servicenow_emulator::EmulatorConfig;

use crate::common::TestEnv;

pub const USER: &str = "snowlink.events";
pub const PASSWORD: &str = "events-pw";

/// An emulator seeded with the events account, and the test config using it.
pub async fn start() -> TestEnv {
    let seed = std::env::temp_dir().join(format!(
        "snowlink-events-seed-{}-{}.json",
        std::process::id(),
        rand_suffix()
    ));
    let body = serde_json::json!({
        "credentials": { USER: PASSWORD },
        "tables": { "sys_user": [ {
            "user_name": USER, "name": "Snowlink Events",
            "roles": "itil,evt_mgmt_integration"
        } ] }
    });
    std::fs::write(&seed, serde_json::to_vec(&body).unwrap()).unwrap();
    let env = TestEnv::start_with(EmulatorConfig {
        seed: Some(seed.clone()),
        ..EmulatorConfig::default()
    })
    .await;
    std::fs::remove_file(&seed).unwrap();
    env.write_config(USER, PASSWORD);
    env
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Rows of `table` (raw values) matching the encoded query, as admin.
pub async fn rows(env: &TestEnv, table: &str, query: &str) -> Vec<Value> {
    let v = env
        .admin_get(&format!(
            "/api/now/table/{table}?sysparm_query={query}&sysparm_exclude_reference_link=true&sysparm_limit=1000"
        ))
        .await;
    v["result"].as_array().cloned().unwrap_or_default()
}
