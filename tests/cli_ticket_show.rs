//! `snowlink ticket show` against the emulator: notes written by another ServiceNow user come
//! back with that user as author, newest first, snowlink's own notes marked; a user who may not
//! read `sys_journal_field` gets the same entries from the display values.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr, stdout};
use serde_json::{Value, json};

/// Beth Anglin (itil, in the built-in seed) gets a password: she plays the colleague who works
/// the incident in ServiceNow.
async fn env_with_beth() -> TestEnv {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(
        &seed,
        serde_json::to_vec(&json!({"credentials": {"beth.anglin": "beth"}})).unwrap(),
    )
    .unwrap();
    let env = TestEnv::start_with(servicenow_emulator::EmulatorConfig {
        seed: Some(seed.clone()),
        ..Default::default()
    })
    .await;
    // The seed is read at start; the directory may go.
    drop(dir);
    env
}

/// PATCHes one journal field of `sys_id` as Beth, then waits past the second of that write.
async fn beth_writes(env: &TestEnv, sys_id: &str, field: &str, text: &str) {
    let resp = reqwest::Client::new()
        .patch(format!("{}/api/now/table/incident/{sys_id}", env.url))
        .basic_auth("beth.anglin", Some("beth"))
        .header("Accept", "application/json")
        .json(&json!({ field: text }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    past_this_second().await;
}

/// Waits until the clock is past the current second, so the next journal entry is strictly
/// newer than every one written so far (journal times have whole seconds).
async fn past_this_second() {
    let written = jiff::Timestamp::now().as_second();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while jiff::Timestamp::now().as_second() <= written {
        assert!(
            std::time::Instant::now() < deadline,
            "the clock did not move"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// (kind, author, text, snowlink) of each journal entry, in order.
fn entries(v: &Value) -> Vec<(String, String, String, bool)> {
    v["journal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["author"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
                e["snowlink"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn shows_others_notes_newest_first_and_marks_own_with_either_journal_source() {
    let env = env_with_beth().await;
    env.write_config("admin", "admin");
    let (out, created) = env.json(&["ticket", "create", "A-1001"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let number = created["incident"]["number"].as_str().unwrap().to_string();
    let sys_id = created["incident"]["sys_id"].as_str().unwrap().to_string();
    let out = env.run(&["ack", "A-1001"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    // The ack's status note is on the incident (written by snowlink's user, admin).
    assert!(
        env.work_notes(&sys_id)
            .await
            .iter()
            .any(|n| n.contains("Anomaly A-1001 status: Acknowledged")),
        "status note delivered"
    );
    past_this_second().await;
    beth_writes(
        &env,
        &sys_id,
        "work_notes",
        "checked the loader\n\nit drops NULLs",
    )
    .await;
    beth_writes(&env, &sys_id, "comments", "we see it in the report too").await;

    // snowlink as admin: sys_journal_field is readable.
    let (out, v) = env.json(&["ticket", "show", &number]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(v["number"], number.as_str());
    assert_eq!(v["sys_id"], sys_id.as_str());
    assert_eq!(v["state"], "New");
    assert_eq!(v["caller"], "System Administrator");
    assert!(!v["opened_at"].as_str().unwrap().is_empty());
    assert_eq!(v["journal_source"], "sys_journal_field");
    let from_table = entries(&v);
    assert!(from_table.len() >= 3, "{from_table:#?}");
    assert_eq!(
        from_table[0],
        (
            "comment".into(),
            "Beth Anglin".into(),
            "we see it in the report too".into(),
            false
        )
    );
    assert_eq!(
        from_table[1],
        (
            "work_note".into(),
            "Beth Anglin".into(),
            "checked the loader\n\nit drops NULLs".into(),
            false
        )
    );
    assert_eq!(v["journal"][0]["author_user_name"], "beth.anglin");
    let own: Vec<_> = from_table[2..].iter().filter(|e| e.3).collect();
    assert!(
        own.iter().any(|e| e.0 == "work_note"
            && e.1 == "System Administrator"
            && e.2.contains("Anomaly A-1001 status: Acknowledged")),
        "snowlink's status note is marked: {from_table:#?}"
    );

    // The human form: header fields, authors, the mark.
    let out = env.run(&["ticket", "show", &number]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&number), "{text}");
    assert!(text.contains("caller:     System Administrator"), "{text}");
    assert!(text.contains("Beth Anglin  comment"), "{text}");
    assert!(
        text.contains("System Administrator  work note (snowlink)"),
        "{text}"
    );
    let comment_at = text.find("we see it in the report too").unwrap();
    let note_at = text.find("checked the loader").unwrap();
    assert!(comment_at < note_at, "newest first: {text}");

    // snowlink as itil: the journal table answers no rows to it; display values stand in.
    env.write_config("itil", "itil");
    let (out, v) = env.json(&["ticket", "show", &number.to_lowercase()]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(v["journal_source"], "display_value");
    assert_eq!(entries(&v), from_table, "the same entries either way");
    assert!(v["journal"][0].get("author_user_name").is_none());

    // By sys_id too.
    let (out, v) = env.json(&["ticket", "show", &sys_id]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(v["number"], number.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_number_is_not_found_and_bad_credentials_are_auth() {
    let env = TestEnv::start().await;
    let out = env.run(&["ticket", "show", "INC0999999"]).await;
    assert_eq!(exit_code(&out), 5, "{}", stderr(&out));
    assert!(stderr(&out).contains("INC0999999"), "{}", stderr(&out));
    let (out, v) = env.json(&["ticket", "show", "INC0999999"]).await;
    assert_eq!(exit_code(&out), 5);
    assert_eq!(v["error"]["kind"], "not_found", "{v}");

    env.write_config("itil", "wrong");
    let out = env.run(&["ticket", "show", "INC0999999"]).await;
    assert_eq!(exit_code(&out), 3, "{}", stderr(&out));

    env.point_config_at(&format!("http://127.0.0.1:{}", common::free_port()));
    let out = env.run(&["ticket", "show", "INC0999999"]).await;
    assert_eq!(exit_code(&out), 4, "{}", stderr(&out));
}
