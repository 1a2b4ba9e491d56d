//! `snowlink doctor` tells the failure classes apart, one actionable line each.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stdout};
use reqwest::Method;
use serde_json::json;

fn messages(v: &serde_json::Value) -> String {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {}",
                f["level"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_instance_with_itil() {
    let env = TestEnv::start().await;
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 0, "{}", messages(&v));
    let m = messages(&v);
    assert!(
        m.contains("answers as ServiceNow; signed in as itil"),
        "{m}"
    );
    assert!(m.contains("roles: itil"), "{m}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_itil_role_is_named() {
    let env = TestEnv::start().await;
    env.write_config("guest", "guest");
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 3);
    let m = messages(&v);
    assert!(m.contains("no roles but not itil"), "{m}");
    assert!(m.contains("grant the itil role"), "{m}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password() {
    let env = TestEnv::start().await;
    env.write_config("itil", "nope");
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 3);
    assert!(
        messages(&v).contains("check username/password"),
        "{}",
        messages(&v)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hibernating_instance() {
    let env = TestEnv::start().await;
    env.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({"spec": "hibernate"})),
    )
    .await;
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 4);
    assert!(
        messages(&v).to_lowercase().contains("hibernat"),
        "{}",
        messages(&v)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_port_is_connection_refused() {
    let env = TestEnv::start().await;
    let port = common::free_port();
    env.point_config_at(&format!("http://127.0.0.1:{port}"));
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 4);
    assert!(
        messages(&v).to_lowercase().contains("refused"),
        "{}",
        messages(&v)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_server_that_is_not_servicenow() {
    use axum::{Router, routing::get};
    let env = TestEnv::start().await;
    let app = Router::new().fallback(get(|| async {
        axum::response::Html("<html><body><h1>Welcome to nginx!</h1></body></html>")
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    env.point_config_at(&format!("http://{addr}"));
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 4, "{}", messages(&v));
    let m = messages(&v).to_lowercase();
    assert!(m.contains("not") && m.contains("servicenow"), "{m}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_config_is_reported_without_contacting_anyone() {
    let env = TestEnv::start().await;
    std::fs::write(
        env.config_path(),
        "[instances.default]\nurl = \"https://x.service-now.com\"\npasword = \"x\"\n",
    )
    .unwrap();
    let out = env.run(&["doctor"]).await;
    assert_eq!(exit_code(&out), 2);
    assert!(
        stdout(&out).contains("did you mean `password`"),
        "{}",
        stdout(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn data_policy_rules_are_reported_and_enforced_on_create() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        serde_json::to_vec(&json!({"tables": {
            "sys_data_policy2": [{"sys_id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01", "short_description": "Group required",
                                  "model_table": "incident", "conditions": "", "active": "true"}],
            "sys_data_policy_rule": [{"sys_id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02", "sys_data_policy": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb01",
                                      "table": "incident", "field": "assignment_group", "mandatory": "true"}]
        }}))
        .unwrap(),
    )
    .unwrap();
    let env = TestEnv::start_with(servicenow_emulator::EmulatorConfig {
        seed: Some(seed),
        ..Default::default()
    })
    .await;
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 0, "{}", messages(&v));
    let m = messages(&v);
    assert!(
        m.contains("\"Group required\" makes assignment_group mandatory on every incident"),
        "{m}"
    );
    assert!(
        m.contains("when stateIN6,7"),
        "the base resolution policy too: {m}"
    );

    // A create without a group is refused by the instance, with its message; nothing is lost.
    let out = env.run(&["ticket", "create", "A-1001"]).await;
    assert_ne!(exit_code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("Data Policy Exception"), "{text}");
    assert!(text.contains("Assignment group"), "{text}");
    let out = env
        .run(&[
            "ticket",
            "create",
            "A-1001",
            "--assignment-group",
            "Database",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stdout(&out));
}

/// Appends a rule sending events to the default instance.
fn add_event_rule(env: &TestEnv) {
    let mut text = std::fs::read_to_string(env.config_path()).unwrap();
    text.push_str("\n[[rules]]\nname = \"to-events\"\ntarget = \"event\"\n");
    std::fs::write(env.config_path(), text).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn event_role_missing_is_a_warning_without_event_rules_and_an_error_with_one() {
    let env = TestEnv::start().await;
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 0, "{}", messages(&v));
    let m = messages(&v);
    assert!(
        m.contains("warn: cannot send events: the user lacks the evt_mgmt_integration role"),
        "{m}"
    );
    assert!(m.contains("grant evt_mgmt_integration"), "{m}");

    add_event_rule(&env);
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 3, "{}", messages(&v));
    let m = messages(&v);
    assert!(
        m.contains("error: 403 ahead: rule(s) to-events send events here"),
        "{m}"
    );
    assert!(
        m.contains("grant evt_mgmt_integration to this account"),
        "{m}"
    );
}

/// The demo's emulator (`snowlink demo`): its `itil` user holds evt_mgmt_integration, so doctor
/// says it can send events, and an event sent as that user is accepted.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_user_can_send_events() {
    let seed_dir = tempfile::tempdir().unwrap();
    let config = snowlink::cli::dashboard::demo_emulator_config(seed_dir.path()).unwrap();
    let env = TestEnv::start_with(config).await;
    add_event_rule(&env);
    let (out, v) = env.json(&["doctor"]).await;
    assert_eq!(exit_code(&out), 0, "{}", messages(&v));
    let m = messages(&v);
    assert!(
        m.contains("ok: can send events to Event Management (evt_mgmt_integration)"),
        "{m}"
    );
    assert!(
        m.contains("roles: evt_mgmt_integration, itil (can create"),
        "the incident roles are kept: {m}"
    );

    let resp = reqwest::Client::new()
        .post(format!("{}/api/global/em/jsonv2", env.url))
        .basic_auth("itil", Some("itil"))
        .json(&json!({"records": [{
            "source": "snowlink", "node": "warehouse", "type": "null_check",
            "resource": "orders", "severity": "3", "message_key": "demo-key",
            "description": "demo event"
        }]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "{}",
        resp.text().await.unwrap()
    );
    let alerts = env
        .admin_get("/api/now/table/em_alert?sysparm_query=message_key=demo-key")
        .await;
    assert_eq!(alerts["result"].as_array().unwrap().len(), 1, "{alerts}");
}
