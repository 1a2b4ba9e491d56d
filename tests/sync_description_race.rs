//! Appending the anomaly block to a description never loses a human edit (docs/sync.md,
//! "Description appends"): the emulator's `edit-description` fault edits the record as another
//! user right after our GET is answered, so our PATCH overwrites that edit; the sync path must
//! notice (sys_mod_count) and write back the human's text with the block, exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code, stderr, stdout};
use serde_json::Value;
use snowlink::domain::IncidentRef;
use snowlink::store::{DeliveryKind, NewDelivery, OutboxId};
use sync_common::*;

const HUMAN_LINE: &str = "Edited by a human (beth.anglin) at ";

fn block_count(desc: &str, anomaly: &str) -> usize {
    let header = format!("--- snowlink anomaly {anomaly} ---");
    desc.lines().filter(|l| l.trim_end() == header).count()
}

fn record_path(sys_id: &str) -> String {
    format!("/api/now/table/incident/{sys_id}")
}

/// Requests of the log on this record (GET or PATCH), in order.
fn on_record<'a>(log: &'a [Value], sys_id: &str) -> Vec<&'a Value> {
    let path = record_path(sys_id);
    log.iter().filter(|r| r["path"] == path.as_str()).collect()
}

/// PATCHes that wrote the description (they ask for sys_mod_count back; work notes do not).
fn description_patches(log: &[Value], sys_id: &str) -> usize {
    on_record(log, sys_id)
        .into_iter()
        .filter(|r| {
            r["method"] == "PATCH" && r["query"].as_str().unwrap().contains("sys_mod_count")
        })
        .count()
}

fn edits_fired(log: &[Value]) -> usize {
    log.iter()
        .filter(|r| r["fault"] == "edit-description")
        .count()
}

fn audit_reads(log: &[Value]) -> usize {
    log.iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/table/sys_audit"))
        .count()
}

async fn arm_edit(env: &TestEnv, sys_id: &str) {
    add_fault(
        env,
        &format!("edit-description,count=1,path={}", record_path(sys_id)),
    )
    .await;
}

/// The path users take: `snowlink ticket link` appends the block (and a link note) through the
/// outbox right away. The account can read sys_audit (admin), so the overwritten edit is found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_human_edit_during_ticket_link_survives_with_the_block_once() {
    let env = TestEnv::start().await;
    env.write_config("admin", "admin");
    let before = env.incident("INC0000005").await;
    let sys_id = before["sys_id"].as_str().unwrap().to_string();
    let original = before["description"].as_str().unwrap().trim().to_string();
    assert!(!original.is_empty(), "the seed incident has a description");
    arm_edit(&env, &sys_id).await;
    clear_requests(&env).await;

    let out = env.run(&["ticket", "link", "A-1003", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    let log = requests(&env).await;
    assert_eq!(edits_fired(&log), 1, "the race was hit: {log:#?}");
    assert_eq!(audit_reads(&log), 1, "the overwrite was noticed: {log:#?}");
    assert_eq!(
        description_patches(&log, &sys_id),
        2,
        "one write, one repair: {log:#?}"
    );
    let desc = env.incident("INC0000005").await["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(desc.contains(&original), "the original text stays: {desc}");
    assert!(
        desc.contains(HUMAN_LINE),
        "the human's edit is back: {desc}"
    );
    assert_eq!(block_count(&desc, "A-1003"), 1, "{desc}");
    let human = desc.find(HUMAN_LINE).unwrap();
    let block = desc.find("--- snowlink anomaly A-1003 ---").unwrap();
    assert!(human < block, "their text, then our block: {desc}");
}

async fn setup(user: &str) -> (TestEnv, IncidentRef, snowlink::store::Store) {
    let env = TestEnv::start().await;
    write_config(&env, user, user, "");
    let inc = create_incidents(&env, 1).await.remove(0);
    let store = open_store(&env);
    (env, inc, store)
}

const BLOCK: &str =
    "--- snowlink anomaly A-81 ---\nAnomaly ID: A-81\nLink: https://dq.example.com/anomalies/A-81";

fn enqueue_append(store: &mut snowlink::store::Store, inc: &IncidentRef) -> OutboxId {
    let key = seed_anomaly(store, "A-81");
    store
        .enqueue(
            &NewDelivery::to_incident(inc, DeliveryKind::DescriptionAppend, BLOCK, Some(&key)),
            jiff::Timestamp::now(),
        )
        .unwrap()
}

async fn set_description(env: &TestEnv, sys_id: &str, text: &str) {
    let resp = reqwest::Client::new()
        .patch(format!("{}{}", env.url, record_path(sys_id)))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .json(&serde_json::json!({ "description": text }))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
}

/// No race: the append costs exactly one GET and one PATCH, and no audit read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_race_an_append_is_one_get_and_one_patch() {
    let (env, inc, mut store) = setup("admin").await;
    set_description(&env, &inc.sys_id, "Users report errors.").await;
    let id = enqueue_append(&mut store, &inc);
    clear_requests(&env).await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(ids(&report["delivered"]), vec![id]);
    let log = requests(&env).await;
    let methods: Vec<&str> = on_record(&log, &inc.sys_id)
        .iter()
        .map(|r| r["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["GET", "PATCH"], "{log:#?}");
    assert_eq!(audit_reads(&log), 0);
    assert_eq!(edits_fired(&log), 0);
    let desc = env.incident(&inc.number).await["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(desc, format!("Users report errors.\n\n{BLOCK}"));
}

/// Through `sync --once` with a delivery already queued: the same repair.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_race_during_sync_is_repaired() {
    let (env, inc, mut store) = setup("admin").await;
    set_description(&env, &inc.sys_id, "Users report errors.").await;
    let id = enqueue_append(&mut store, &inc);
    arm_edit(&env, &inc.sys_id).await;
    clear_requests(&env).await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(ids(&report["delivered"]), vec![id]);
    let log = requests(&env).await;
    assert_eq!(edits_fired(&log), 1, "{log:#?}");
    assert_eq!(description_patches(&log, &inc.sys_id), 2, "{log:#?}");
    let rec = env.incident(&inc.number).await;
    let desc = rec["description"].as_str().unwrap();
    let lines: Vec<&str> = desc.lines().collect();
    assert_eq!(lines[0], "Users report errors.", "{desc}");
    assert!(lines[1].starts_with(HUMAN_LINE), "{desc}");
    assert_eq!(lines[2], "", "{desc}");
    assert_eq!(lines[3..].join("\n"), BLOCK, "{desc}");
    // Our write, the human's, our repair: three updates after the admin's setup write.
    assert_eq!(rec["sys_mod_count"], "4", "{rec}");
}

/// An account that cannot read sys_audit (a base instance lets only admins) cannot get the
/// overwritten text back: the attempt says so as a retry error, never as a plain success, and
/// the next attempt finds the block in place and adds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_audit_access_the_overwrite_is_reported() {
    let (env, inc, mut store) = setup("itil").await;
    let id = enqueue_append(&mut store, &inc);
    arm_edit(&env, &inc.sys_id).await;
    clear_requests(&env).await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    let log = requests(&env).await;
    assert_eq!(edits_fired(&log), 1, "{log:#?}");
    assert_eq!(audit_reads(&log), 1, "{log:#?}");
    assert_eq!(description_patches(&log, &inc.sys_id), 1, "{log:#?}");
    assert!(report["retried"].as_u64().unwrap() >= 1, "{report}");
    assert_eq!(ids(&report["reconciled"]), vec![id], "{report}");
    let rows: Vec<_> = store
        .audit_log(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.outbox_id == Some(id))
        .collect();
    let retry = rows
        .iter()
        .find(|r| r.outcome.contains("cannot read sys_audit"))
        .unwrap_or_else(|| panic!("no retry entry naming the cause: {rows:#?}"));
    assert!(
        retry.outcome.contains("their edit was overwritten"),
        "{retry:?}"
    );
    let desc = env.incident(&inc.number).await["description"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(block_count(&desc, "A-81"), 1, "{desc}");
}
