//! Local commands through the real binary: config init/path/check, load, anomalies, show, export.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{TestEnv, exit_code, stderr, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn config_init_writes_a_private_commented_file_once() {
    let env = TestEnv::start().await;
    let path = env.dir.path().join("new.toml");
    let p = path.to_str().unwrap();
    let out = env.run(&["--config", p, "config", "init"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("[instances.default]")
    );
    let again = env.run(&["--config", p, "config", "init"]).await;
    assert_eq!(exit_code(&again), 2, "refuses to overwrite");
    let forced = env.run(&["--config", p, "config", "init", "--force"]).await;
    assert_eq!(exit_code(&forced), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn config_path_names_every_path() {
    let env = TestEnv::start().await;
    let (out, v) = env.json(&["config", "path"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(
        v["config_file"]["path"].as_str().unwrap(),
        env.config_path().to_str().unwrap()
    );
    assert!(
        v["db_path"]["path"]
            .as_str()
            .unwrap()
            .ends_with("snowlink.db")
    );
    assert!(v["log_dir"]["path"].as_str().is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn config_check_flags_a_world_readable_plain_password() {
    let env = TestEnv::start().await;
    let text = std::fs::read_to_string(env.config_path()).unwrap().replace(
        "password_env = \"SNOWLINK_TEST_PASSWORD\"",
        "password = \"itil\"",
    );
    std::fs::write(env.config_path(), text).unwrap();
    std::fs::set_permissions(env.config_path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 2);
    assert!(stdout(&out).contains("chmod 600"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("\"itil\""), "no secret printed");
    std::fs::set_permissions(env.config_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn load_reports_bad_lines_and_keeps_the_rest() {
    let env = TestEnv::start().await;
    let file = env.dir.path().join("extra.ndjson");
    std::fs::write(
        &file,
        "{\"id\":\"X-1\",\"title\":\"good one\",\"severity\":\"low\"}\n{\"id\":\"X-2\",\"title\":\"bad\",\"severity\":\"urgent\"}\nnot json\n{\"id\":\"X-3\",\"title\":\"good two\"}\n",
    )
    .unwrap();
    let out = env
        .run(&["load", file.to_str().unwrap(), "--source", "manual"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("line 2: field \"severity\""), "{err}");
    assert!(err.contains("line 3:"), "{err}");
    let (_, v) = env.json(&["anomalies"]).await;
    let ids: Vec<&str> = v["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"X-1") && ids.contains(&"X-3") && !ids.contains(&"X-2"));
    assert!(
        ids.len() >= 40 + 2,
        "the sample (44) plus two: {}",
        ids.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn anomalies_filters_and_show_detail() {
    let env = TestEnv::start().await;
    let (_, all) = env.json(&["anomalies"]).await;
    let total = all["anomalies"].as_array().unwrap().len();
    let (_, unlinked) = env.json(&["anomalies", "--unlinked"]).await;
    assert_eq!(unlinked["anomalies"].as_array().unwrap().len(), total);
    let (_, linked) = env.json(&["anomalies", "--linked"]).await;
    assert_eq!(linked["anomalies"].as_array().unwrap().len(), 0);
    let (_, archived) = env.json(&["anomalies", "--status", "archived"]).await;
    assert!(
        archived["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"].as_str().unwrap().starts_with("archived"))
    );
    let out = env.run(&["show", "A-1001"]).await;
    assert_eq!(exit_code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("failed checks:"), "{text}");
    assert!(text.contains("linked incidents: 0"), "{text}");
    let out = env.run(&["show", "A-9999"]).await;
    assert_eq!(exit_code(&out), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn export_is_json_without_credentials() {
    let env = TestEnv::start().await;
    let out = env.run(&["--json", "export"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(v["anomalies"].as_array().unwrap().len() >= 40);
    assert!(
        !text.to_lowercase().contains("password"),
        "no credential in the export"
    );
    let plain = env.run(&["export"]).await;
    assert_eq!(
        exit_code(&plain),
        2,
        "export without --json explains itself"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_flag_is_a_usage_error() {
    let env = TestEnv::start().await;
    let out = env.run(&["anomalies", "--bogus"]).await;
    assert_eq!(exit_code(&out), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn config_check_reports_key_clashes_and_unknown_actions() {
    let env = TestEnv::start().await;
    let mut text = std::fs::read_to_string(env.config_path()).unwrap();
    text = text.replacen(
        "[instances.default]",
        "[keys]\nacknowledge = \"q\"\nacknowlege = \"z\"\n\n[instances.default]",
        1,
    );
    std::fs::write(env.config_path(), text).unwrap();
    let out = env.run(&["config", "check"]).await;
    assert_eq!(exit_code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("keys:"), "{text}");
    assert!(text.contains("acknowlege"), "{text}");
}
