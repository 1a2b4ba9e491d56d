//! The ticket workflow through the real binary against the emulator: what ServiceNow ends up
//! holding (fields, description, journal), not just exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr, stdout};

#[tokio::test(flavor = "multi_thread")]
async fn create_sets_fields_description_block_and_correlation() {
    let env = TestEnv::start().await;
    let (out, v) = env
        .json(&[
            "ticket",
            "create",
            "A-1001",
            "--category",
            "database",
            "--subcategory",
            "oracle",
            "--impact",
            "1",
            "--urgency",
            "2",
            "--assignment-group",
            "Database",
            "--assigned-to",
            "beth.anglin",
            "--caller",
            "abel.tuter",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let number = v["incident"]["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("INC001"), "{number}");
    let inc = env.incident(&number).await;
    assert_eq!(inc["category"], "database");
    assert_eq!(inc["subcategory"], "oracle");
    assert_eq!(inc["impact"], "1");
    assert_eq!(inc["urgency"], "2");
    assert_eq!(inc["priority"], "2", "server computes priority from 1x2");
    assert_eq!(inc["assignment_group"], "287ee6fea9fe198100ada7950d0b1b73");
    assert!(
        !inc["caller_id"].as_str().unwrap().is_empty(),
        "caller really set"
    );
    assert!(!inc["assigned_to"].as_str().unwrap().is_empty());
    assert_eq!(inc["correlation_display"], "snowlink");
    let corr = inc["correlation_id"].as_str().unwrap();
    assert!(corr.starts_with("snowlink:warehouse-dq/A-1001#"), "{corr}");
    let desc = inc["description"].as_str().unwrap();
    assert!(desc.contains("--- snowlink anomaly A-1001 ---"), "{desc}");
    assert!(
        desc.contains("https://dq.example.com/anomalies/A-1001"),
        "{desc}"
    );
    assert!(desc.contains("notNull"), "failed checks listed: {desc}");

    // show and links report the new link.
    let (_, shown) = env.json(&["show", "A-1001"]).await;
    assert_eq!(shown["links"][0]["incident"]["number"], number.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_prints_payload_and_sends_nothing() {
    let env = TestEnv::start().await;
    let before = env
        .admin_get("/api/now/table/incident?sysparm_fields=sys_id")
        .await["result"]
        .as_array()
        .unwrap()
        .len();
    let (out, v) = env
        .json(&[
            "ticket",
            "create",
            "A-1002",
            "--category",
            "database",
            "--dry-run",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(v["request"]["method"], "POST");
    assert_eq!(v["request"]["body"]["category"], "database");
    // A-1002 is critical: without --impact/--urgency it is 1/1 (priority 1), not 3/3 (5).
    assert_eq!(v["request"]["body"]["impact"], "1");
    assert_eq!(v["request"]["body"]["urgency"], "1");
    assert!(
        v["request"]["body"]["description"]
            .as_str()
            .unwrap()
            .contains("--- snowlink anomaly A-1002 ---")
    );
    let after = env
        .admin_get("/api/now/table/incident?sysparm_fields=sys_id")
        .await["result"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_case_category_is_refused_with_a_suggestion() {
    let env = TestEnv::start().await;
    let out = env
        .run(&["ticket", "create", "A-1001", "--category", "Database"])
        .await;
    assert_eq!(exit_code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("did you mean \"database\""), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_group_is_not_found() {
    let env = TestEnv::start().await;
    let out = env
        .run(&[
            "ticket",
            "create",
            "A-1001",
            "--assignment-group",
            "Nope Team",
        ])
        .await;
    assert_eq!(exit_code(&out), 5, "{}", stderr(&out));
    assert!(stderr(&out).contains("assignment group \"Nope Team\" not found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn link_appends_block_and_note_and_unlink_is_local() {
    let env = TestEnv::start().await;
    let out = env.run(&["ticket", "link", "A-1003", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("linking modifies the incident"));
    let inc = env.incident("INC0000005").await;
    let desc = inc["description"].as_str().unwrap();
    assert!(desc.contains("--- snowlink anomaly A-1003 ---"), "{desc}");
    let sys_id = inc["sys_id"].as_str().unwrap().to_string();
    let notes = env.work_notes(&sys_id).await;
    assert!(
        notes.iter().any(|n| n.contains("Linked to anomaly A-1003")),
        "{notes:?}"
    );
    // Linking a second anomaly to the same incident: one incident, several anomalies.
    let out = env.run(&["ticket", "link", "A-1004", "inc0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (_, shown) = env.json(&["show", "A-1003"]).await;
    assert_eq!(shown["links"][0]["also_linked"][0], "warehouse-dq/A-1004");
    let links = env.run(&["links"]).await;
    assert!(
        stdout(&links).contains("INC0000005 is linked to 2 anomalies: A-1003, A-1004"),
        "{}",
        stdout(&links)
    );

    let out = env.run(&["ticket", "unlink", "A-1003", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("notes already written stay"));
    let (_, shown) = env.json(&["show", "A-1003"]).await;
    assert_eq!(shown["links"].as_array().unwrap().len(), 0);
    // The journal still holds the link note.
    assert!(
        env.work_notes(&sys_id)
            .await
            .iter()
            .any(|n| n.contains("A-1003"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_by_text_and_number() {
    let env = TestEnv::start().await;
    let (out, v) = env.json(&["ticket", "search", "email"]).await;
    assert_eq!(exit_code(&out), 0);
    let found = v["incidents"].as_array().unwrap();
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|i| !i["state"].as_str().unwrap().is_empty())
    );
    let (out, v) = env.json(&["ticket", "search", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(v["incidents"][0]["number"], "INC0000005");
    let out = env.run(&["ticket", "search", "zzzz-no-such-thing"]).await;
    assert_eq!(exit_code(&out), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_profiles_work_end_to_end() {
    let env = TestEnv::start().await;
    for grant in ["password", "client_credentials"] {
        let text = std::fs::read_to_string(env.config_path()).unwrap();
        let base = text
            .split("\n[instances.default]")
            .next()
            .unwrap()
            .to_string();
        let rest = format!(
            "\n[instances.default]\nurl = \"{}\"\nusername = \"itil\"\npassword_env = \"SNOWLINK_TEST_PASSWORD\"\nauth = \"oauth\"\nclient_id = \"snowlink\"\nclient_secret_command = \"echo snowlink-secret\"\ngrant = \"{grant}\"\n\n[[sources]]\nname = \"warehouse-dq\"\nkind = \"file\"\npath = \"{}\"\n",
            env.url,
            common::SAMPLE
        );
        std::fs::write(env.config_path(), base + &rest).unwrap();
        let (out, v) = env.json(&["ticket", "search", "INC0000005"]).await;
        assert_eq!(exit_code(&out), 0, "{grant}: {}", stderr(&out));
        assert_eq!(v["incidents"][0]["number"], "INC0000005");
        let out = env.run(&["ticket", "link", "A-1040", "INC0000005"]).await;
        let _ = env.run(&["ticket", "unlink", "A-1040", "INC0000005"]).await;
        assert_eq!(exit_code(&out), 0, "{grant}: {}", stderr(&out));
    }
    let log = env
        .control(reqwest::Method::GET, "/__emulator/requests", None)
        .await;
    assert!(
        log.to_string().contains("/oauth_token.do"),
        "tokens came from the OAuth endpoint"
    );
}
