//! Back-sync of how problems and change requests end (issue 12 × 13): a problem's
//! `resolution_code` and a change's `close_code` give the archive reason, as an incident's close
//! code does. The Table API cannot move their states on a current release, so the test moves
//! them the way a real instance allows: the problem through the Ansible ITSM app's state
//! endpoint, the change through the Change Management API (docs/emulator.md, "Moving problem
//! and change states").
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use backsync_common::{field, patch_path, record, sync_changes};
use common::TestEnv;
use serde_json::json;
use snowlink::domain::{ArchiveReason, Status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problem_resolution_codes_and_change_close_codes_archive_with_their_reason() {
    let env = TestEnv::start().await;
    sync_common::write_config(&env, "itil", "itil", "back_sync = true");
    let dup = record(&env, "problem", "PRB0000001").await; // New
    let risk = record(&env, "problem", "PRB0000002").await; // Root Cause Analysis
    let original = record(&env, "problem", "PRB0000003").await;
    let change = record(&env, "change_request", "CHG0000002").await; // emergency, Implement
    let keys = {
        let mut store = sync_common::open_store(&env);
        let mut keys = Vec::new();
        for (id, r) in [("T-DUP", &dup), ("T-RISK", &risk), ("T-CHG", &change)] {
            let k = sync_common::seed_anomaly(&mut store, id);
            sync_common::link(&mut store, &k, r);
            keys.push(k);
        }
        keys
    };
    let first = sync_changes(&env).await;
    assert_eq!(first["baselined"], 3, "{first}");

    // The Table API still ignores a state PATCH; the state endpoint needs a problem role.
    let move_path = |n: &str, s: &str| format!("/api/x_rhtpp_ansible/problem/{n}/new_state/{s}");
    let (status, body) = patch_path(
        &env,
        "itil",
        &move_path("PRB0000001", "107"),
        json!({"resolution_code": "duplicate", "duplicate_of": original.sys_id}),
    )
    .await;
    assert_eq!(status, 403, "itil may not close a problem: {body}");
    // The real refusal of a move the state model does not have.
    let (status, body) =
        patch_path(&env, "admin", &move_path("PRB0000001", "106"), json!({})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string()
            .contains("Problem state transition from state 101 to 106 is not possible"),
        "{body}"
    );

    // Duplicate: New → Closed (a closed problem needs an assignee, the data policy says);
    // accepted risk: Root Cause Analysis → Resolved.
    let beth = env
        .admin_get(
            "/api/now/table/sys_user?sysparm_query=user_name=beth.anglin&sysparm_fields=sys_id",
        )
        .await["result"][0]["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = patch_path(
        &env,
        "admin",
        &move_path("PRB0000001", "107"),
        json!({"resolution_code": "duplicate", "duplicate_of": original.sys_id, "assigned_to": beth}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = patch_path(
        &env,
        "admin",
        &move_path("PRB0000002", "106"),
        json!({"resolution_code": "risk_accepted", "cause_notes": "vendor bug", "close_notes": "accepted"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(field(&env, &dup, "state").await, "107");
    assert_eq!(field(&env, &risk, "state").await, "106");

    // The change: Implement → Review → Closed, successful, through the Change API; a jump the
    // model does not have is refused.
    let chg = format!("/api/sn_chg_rest/v1/change/{}", change.sys_id);
    let (status, body) = patch_path(&env, "admin", &chg, json!({"state": "-5"})).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = patch_path(&env, "admin", &chg, json!({"state": "0"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["state"]["display_value"], "Review", "{body}");
    let (status, body) = patch_path(
        &env,
        "admin",
        &chg,
        json!({"state": "3", "close_code": "successful", "close_notes": "went in"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(field(&env, &change, "state").await, "3");

    let changes = sync_changes(&env).await;
    assert_eq!(changes["applied"].as_array().unwrap().len(), 3, "{changes}");
    let store = sync_common::open_store(&env);
    let want = [
        Status::Archived(ArchiveReason::Duplicate),
        Status::Archived(ArchiveReason::Discarded),
        Status::Archived(ArchiveReason::Resolved),
    ];
    for (k, want) in keys.iter().zip(want) {
        assert_eq!(store.get_anomaly(k).unwrap().unwrap().status, want, "{k}");
        let h = store.status_history(k).unwrap();
        let last = h.last().unwrap();
        assert_eq!(last.user, "servicenow:admin", "{h:?}");
        assert_eq!(last.to, want, "{h:?}");
    }
    let detail = store
        .status_history(&keys[0])
        .unwrap()
        .last()
        .unwrap()
        .detail
        .clone();
    assert!(
        detail
            .as_deref()
            .is_some_and(|d| d.contains("PRB0000001") && d.contains("resolution code Duplicate")),
        "{detail:?}"
    );
}
