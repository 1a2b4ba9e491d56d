//! `snowlink config check [--online]` over `[[rules]]`: offline checks need no instance; the
//! online ones ask the emulator for the rules' groups, users and choices.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code};

fn findings(v: &serde_json::Value) -> String {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}: {}",
                f["level"].as_str().unwrap(),
                f["subject"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn add_rules(env: &TestEnv, rules: &str) {
    let path = env.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{rules}")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn online_finds_what_only_the_instance_knows() {
    let env = TestEnv::start().await;
    add_rules(
        &env,
        r#"
[[rules]]
name = "good"
match = { source = "warehouse-dq", severity = ">=high" }
template = { assignment_group = "Database", assigned_to = "beth.anglin", category = "database", subcategory = "oracle" }
[[rules]]
name = "typo"
template = { assignment_group = "Databse", category = "Database" }
"#,
    );
    let (out, v) = env.json(&["config", "check"]).await;
    let offline = findings(&v);
    assert_eq!(exit_code(&out), 0, "{offline}");
    assert!(
        offline.contains("ok rule good: creates incidents on instance default"),
        "{offline}"
    );
    assert!(
        !offline.contains("Databse"),
        "offline check does not ask the instance: {offline}"
    );

    let (out, v) = env.json(&["config", "check", "--online"]).await;
    let online = findings(&v);
    assert_eq!(exit_code(&out), 2, "{online}");
    for want in [
        "ok rule good: template.assignment_group: group \"Database\" exists on instance default",
        "ok rule good: template.assigned_to: user \"beth.anglin\" exists on instance default",
        "ok rule good: template.subcategory: \"oracle\" is a choice of incident.subcategory",
        "error rule typo: template.assignment_group: no group \"Databse\" on instance default; fix the name",
        "error rule typo: template.category: \"Database\" is not a value of incident.category",
    ] {
        assert!(online.contains(want), "missing {want:?} in\n{online}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_rules_fail_the_check_with_exit_2() {
    let env = TestEnv::start().await;
    add_rules(
        &env,
        "[[rules]]\nname = \"r\"\nmatch = { title = \"(\" }\nflood_limit = 0\n",
    );
    let (out, v) = env.json(&["config", "check", "--online"]).await;
    let all = findings(&v);
    assert_eq!(exit_code(&out), 2, "{all}");
    assert!(
        all.contains("error rule r: match.title: \"(\" is not a valid regex"),
        "{all}"
    );
    assert!(
        all.contains("error rule r: flood_limit: 0 would let no incident be created"),
        "{all}"
    );
    // Rules that do not compile are not looked up online.
    assert!(!all.contains("exists on instance"), "{all}");
    add_rules(&env, "[[rules]]\nname = \"s\"\nflod_limit = 3\n");
    let (out, v) = env.json(&["config", "check"]).await;
    let all = findings(&v);
    assert_eq!(exit_code(&out), 2, "{all}");
    assert!(all.contains("did you mean `flood_limit`?"), "{all}");
}
