//! End to end in a real terminal, with two ServiceNow emulators (issue 13 point 3, "the create
//! form chooses the target instance"): the dashboard runs on the default instance, the form's
//! Instance field picks the sandbox, the assignment group is picked from the sandbox's own list
//! (a group that exists only there), and the submit makes the incident on the sandbox — created
//! by the sandbox's user, with that group's sys_id — and nothing on the default instance. The
//! links pane labels the new link `sandbox ·`, and the incident view reads it through the
//! sandbox's client. Waiting is by polling for conditions with generous bounds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tmux_common;

use common::TestEnv;
use serde_json::{Value, json};
use servicenow_emulator::EmulatorConfig;
use tmux_common::{Tmux, created_number};

const SB_USER: &str = "sb.bot";
const SB_PASSWORD: &str = "sb-secret";
const SB_GROUP: &str = "Lakehouse Sandbox Team";
const SB_GROUP_ID: &str = "5b0c2d9e1f2a4b3c8d7e6f5a4b3c2d1e";

async fn get(base: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_creates_on_the_instance_it_chose_with_that_instances_group() {
    tmux_common::require();
    let env = TestEnv::start().await;
    let seed_dir = tempfile::tempdir().unwrap();
    let seed = seed_dir.path().join("sandbox.json");
    std::fs::write(
        &seed,
        json!({
            "credentials": { SB_USER: SB_PASSWORD },
            "tables": {
                "sys_user": [{ "user_name": SB_USER, "name": "Sandbox Bot", "roles": "itil" }],
                "sys_user_group": [{ "sys_id": SB_GROUP_ID, "name": SB_GROUP, "type": "itil" }]
            }
        })
        .to_string(),
    )
    .unwrap();
    let sandbox = servicenow_emulator::start(EmulatorConfig {
        seed: Some(seed),
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let sb = sandbox.base_url();
    // The group is the sandbox's alone.
    let here = get(
        &env.url,
        &format!("/api/now/table/sys_user_group?sysparm_query=name={SB_GROUP}"),
    )
    .await;
    assert_eq!(here["result"].as_array().unwrap().len(), 0, "{here}");
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    std::fs::write(
        env.config_path(),
        format!(
            "{config}\n[instances.sandbox]\nurl = \"{sb}\"\nusername = \"{SB_USER}\"\n\
             password_command = \"printf {SB_PASSWORD}\"\ntimeout_secs = 5\n"
        ),
    )
    .unwrap();

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=itil USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("A-1001");
    // The sandbox is connected (its client is what the form's lookups use).
    tmux.wait_for("sandbox ● 0");
    tmux.select("A-1001");

    tmux.keys(&["c"]);
    tmux.wait_for("Create incident on default for A-1001");
    // Short description → Table → Instance; pick the sandbox.
    tmux.keys(&["BTab", "BTab", "Right"]);
    tmux.wait_for("Create incident on sandbox for A-1001");
    // Instance → Table → Short → Description → Category → Subcategory → Impact → Urgency →
    // Assignment group.
    tmux.keys(&["Tab"; 8]);
    tmux.wait_for("▶Assign. group");
    tmux.text("Lakeh");
    tmux.wait_for(SB_GROUP);
    tmux.keys(&["Enter"]);
    tmux.keys(&["C-s"]);
    let number = created_number(&tmux.wait_for("created INC"));

    // On the sandbox, by its user, with its group's sys_id.
    let on_sb = get(
        &sb,
        &format!(
            "/api/now/table/incident?sysparm_query=number={number}&sysparm_exclude_reference_link=true"
        ),
    )
    .await;
    let inc = &on_sb["result"][0];
    assert_eq!(inc["sys_created_by"], SB_USER, "{on_sb}");
    assert_eq!(inc["assignment_group"], SB_GROUP_ID, "{on_sb}");
    assert!(
        inc["description"]
            .as_str()
            .unwrap()
            .contains("--- snowlink anomaly A-1001 ---"),
        "{on_sb}"
    );
    // Not on the default instance.
    let on_default = get(
        &env.url,
        "/api/now/table/incident?sysparm_query=descriptionLIKEsnowlink anomaly A-1001",
    )
    .await;
    assert_eq!(
        on_default["result"].as_array().unwrap().len(),
        0,
        "{on_default}"
    );

    // The links pane names the sandbox (the line under the number: instance · group · who).
    let pane = tmux.wait_for("sandbox · Lakehou");
    assert!(pane.contains(&number), "{pane}");
    assert!(!pane.contains("default · "), "{pane}");
    // The incident view reads it through the sandbox's client (the default instance has
    // neither the incident nor the group).
    tmux.keys(&["Enter"]);
    let pane = tmux.wait_for(&format!("Group: {SB_GROUP}"));
    assert!(pane.contains(&number), "{pane}");
    tmux.keys(&["q"]);
}
