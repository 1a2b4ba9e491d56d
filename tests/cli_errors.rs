//! Every ServiceNow error class, as a user of the real binary meets it: one line naming the
//! cause and the fix, and the exit code of the CLI contract.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr};
use reqwest::Method;
use serde_json::json;

async fn with_fault(spec: &str) -> TestEnv {
    let env = TestEnv::start().await;
    env.control(
        Method::POST,
        "/__emulator/faults",
        Some(json!({ "spec": spec })),
    )
    .await;
    env
}

async fn search(env: &TestEnv) -> (i32, String) {
    let out = env.run(&["ticket", "search", "email"]).await;
    (exit_code(&out), stderr(&out))
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_auth_error_with_fix() {
    let env = TestEnv::start().await;
    env.write_config("itil", "wrong-password");
    let (code, err) = search(&env).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("401"), "{err}");
    assert!(err.contains("check username/password"), "{err}");
    assert!(
        !err.contains("wrong-password"),
        "never print the secret: {err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hibernating_instance_is_unavailable() {
    let env = with_fault("hibernate").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.to_lowercase().contains("hibernat"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_read_names_the_wait() {
    let env = with_fault("status=429,retry-after=7").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("429"), "{err}");
    assert!(err.contains('7'), "the wait is named: {err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_without_headers() {
    let env = with_fault("status=429").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("429"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_error_500() {
    let env = with_fault("status=500").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("500"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn html_502_and_503_from_a_load_balancer() {
    for spec in ["status=502,html", "status=503,html"] {
        let env = with_fault(spec).await;
        let (code, err) = search(&env).await;
        assert_eq!(code, 4, "{spec}: {err}");
        assert!(err.contains("50"), "{spec}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_reset() {
    let env = with_fault("reset").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_202_on_get_is_unavailable() {
    let env = with_fault("empty-202").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("202"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unreadable_query_field_is_permission_error() {
    let env = with_fault("reason=query,method=GET").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("Insufficient rights to query records"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn api_acl_is_permission_error() {
    let env = with_fault("reason=api").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 3, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_incident_is_not_found() {
    let env = TestEnv::start().await;
    let out = env.run(&["ticket", "link", "A-1001", "INC9999999"]).await;
    assert_eq!(exit_code(&out), 5, "{}", stderr(&out));
    assert!(stderr(&out).contains("INC9999999 not found"));
    // Nothing was recorded locally.
    let (_, v) = env.json(&["show", "A-1001"]).await;
    assert_eq!(v["links"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_listening_is_unreachable() {
    let env = TestEnv::start().await;
    let port = common::free_port();
    env.point_config_at(&format!("http://127.0.0.1:{port}"));
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.to_lowercase().contains("refused"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_remote_host_is_refused_before_sending() {
    let env = TestEnv::start().await;
    env.point_config_at("http://acme.service-now.com");
    let (code, err) = search(&env).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("https"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_503_names_the_wait_the_server_asked_for() {
    let env = with_fault("status=503,html,retry-after=9").await;
    let (code, err) = search(&env).await;
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("retry after 9s"), "{err}");
}
