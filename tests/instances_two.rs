//! Several instances at once against two emulators (issue 13 points 3, 4): an anomaly linked to
//! an incident on each; one command reaches both, each through its own user; `links` lists both
//! whatever `--instance` selects; with one instance hibernating the other's deliveries go out in
//! the same run and the hibernating one's wait, then go out when it is back — nothing crosses
//! over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr, stdout, work_notes_by};
use serde_json::Value;
use servicenow_emulator::RunningEmulator;

struct Two {
    env: TestEnv,
    sandbox: RunningEmulator,
}

async fn start() -> Two {
    let env = TestEnv::start().await;
    let sandbox = servicenow_emulator::start(Default::default())
        .await
        .unwrap();
    env.add_admin_instance("sandbox", &sandbox.base_url(), "");
    Two { env, sandbox }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_anomaly_on_two_instances_reaches_both_through_their_own_users() {
    let t = start().await;
    let (env, sandbox_url) = (&t.env, t.sandbox.base_url());
    let out = env.run(&["ticket", "link", "A-1001", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env
        .run(&[
            "--instance",
            "sandbox",
            "ticket",
            "link",
            "A-1001",
            "INC0000007",
        ])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    // `links` lists both, labelled, whatever --instance selects.
    for args in [vec!["links"], vec!["--instance", "sandbox", "links"]] {
        let out = env.run(&args).await;
        let text = stdout(&out);
        assert!(text.contains("INSTANCE"), "{text}");
        assert!(
            text.contains("default") && text.contains("sandbox"),
            "{text}"
        );
    }
    let (_, v) = env.json(&["links"]).await;
    let mut on: Vec<(String, String)> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["incident"]["instance"].as_str().unwrap().to_string(),
                l["incident"]["number"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    on.sort();
    assert_eq!(
        on,
        [
            ("default".to_string(), "INC0000005".to_string()),
            ("sandbox".to_string(), "INC0000007".to_string())
        ]
    );

    // One ack from the default instance reaches both incidents, each as its instance's user.
    let (out, v) = env.json(&["ack", "A-1001"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let mine = work_notes_by(&env.url, "INC0000005").await;
    let theirs = work_notes_by(&sandbox_url, "INC0000007").await;
    assert!(
        mine.iter()
            .any(|(by, n)| by == "itil" && n.contains("A-1001") && n.contains("Acknowledged")),
        "{mine:?}"
    );
    assert!(
        theirs
            .iter()
            .any(|(by, n)| by == "admin" && n.contains("A-1001") && n.contains("Acknowledged")),
        "{theirs:?}"
    );
    // Nothing crossed over: each instance has exactly its own incident's note.
    assert!(work_notes_by(&env.url, "INC0000007").await.is_empty());
    assert!(work_notes_by(&sandbox_url, "INC0000005").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_hibernating_never_holds_up_the_other() {
    let t = start().await;
    let (env, sandbox_url) = (&t.env, t.sandbox.base_url());
    env.run(&["ticket", "link", "A-1002", "INC0000005"]).await;
    env.run(&[
        "--instance",
        "sandbox",
        "ticket",
        "link",
        "A-1002",
        "INC0000007",
    ])
    .await;
    // The sandbox hibernates.
    let resp = reqwest::Client::new()
        .post(format!("{sandbox_url}/__emulator/faults"))
        .json(&serde_json::json!({"spec": "hibernate"}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());

    let (out, v) = env
        .json(&["comment", "A-1002", "checked the loader, rerunning"])
        .await;
    // Pending (the sandbox's note waits) — but the default instance's went out in this run.
    assert_eq!(exit_code(&out), 6, "{v}\n{}", stderr(&out));
    assert!(
        work_notes_by(&env.url, "INC0000005")
            .await
            .iter()
            .any(|(_, n)| n.contains("checked the loader")),
        "the healthy instance's note was held up"
    );
    let out = env.run(&["outbox"]).await;
    assert!(stdout(&out).contains("INC0000007"), "{}", stdout(&out));

    // Back: `sync --once` delivers the sandbox's note through its own worker, once.
    let resp = reqwest::Client::new()
        .delete(format!("{sandbox_url}/__emulator/faults"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let (out, v) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let theirs = work_notes_by(&sandbox_url, "INC0000007").await;
    assert_eq!(
        theirs
            .iter()
            .filter(|(_, n)| n.contains("checked the loader"))
            .count(),
        1,
        "{theirs:?}"
    );
    assert_eq!(
        work_notes_by(&env.url, "INC0000005")
            .await
            .iter()
            .filter(|(_, n)| n.contains("checked the loader"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_go_to_the_selected_instance_only_and_each_keeps_its_links() {
    let t = start().await;
    let (env, sandbox_url) = (&t.env, t.sandbox.base_url());
    let (out, here) = env.json(&["ticket", "create", "A-1003"]).await;
    assert_eq!(exit_code(&out), 0, "{here}\n{}", stderr(&out));
    let (out, there) = env
        .json(&["--instance", "sandbox", "ticket", "create", "A-1003"])
        .await;
    assert_eq!(exit_code(&out), 0, "{there}\n{}", stderr(&out));
    let number = |v: &Value| {
        v["incident"]["number"]
            .as_str()
            .or(v["number"].as_str())
            .unwrap_or_else(|| panic!("no number in {v}"))
            .to_string()
    };
    let (mine, theirs) = (number(&here), number(&there));
    let created_by = |base: String, n: String| async move {
        let v: Value = reqwest::Client::new()
            .get(format!(
                "{base}/api/now/table/incident?sysparm_query=number={n}&sysparm_fields=sys_created_by"
            ))
            .basic_auth("admin", Some("admin"))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["result"]
            .as_array()
            .unwrap()
            .first()
            .map(|r| r["sys_created_by"].as_str().unwrap().to_string())
    };
    assert_eq!(
        created_by(env.url.clone(), mine.clone()).await.as_deref(),
        Some("itil")
    );
    assert_eq!(
        created_by(sandbox_url.clone(), theirs.clone())
            .await
            .as_deref(),
        Some("admin")
    );
    // The anomaly has one link on each instance, each labelled with its own.
    let (_, v) = env.json(&["links"]).await;
    let on: Vec<(String, String)> = v["links"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["anomaly"]["id"] == "A-1003")
        .map(|l| {
            (
                l["incident"]["instance"].as_str().unwrap().to_string(),
                l["incident"]["number"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(on.len(), 2, "{v}");
    assert!(on.contains(&("default".to_string(), mine)), "{on:?}");
    assert!(on.contains(&("sandbox".to_string(), theirs)), "{on:?}");
}
