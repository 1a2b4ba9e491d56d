//! Change detection and back-sync on the other task tables (issue 13 point 1 with issue 12): an
//! anomaly linked to a problem and one linked to a change request. Another user assigns them
//! through the Table API: each anomaly is acknowledged from ServiceNow. The same user's PATCH of
//! their state answers 200 and changes nothing on current releases (the emulator plays that
//! quirk), so nothing is archived — snowlink follows what the record really says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use backsync_common::{patch_path, record, sync_changes};
use common::TestEnv;
use serde_json::{Value, json};
use snowlink::domain::{IncidentRef, Status};

async fn patch_as_admin(env: &TestEnv, r: &IncidentRef, body: Value) {
    let path = format!("/api/now/table/{}/{}", r.table, r.sys_id);
    let (status, answer) = patch_path(env, "admin", &path, body).await;
    assert!((200..300).contains(&status), "{status}: {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn problems_and_changes_come_back_like_incidents_and_their_state_quirk_is_respected() {
    let env = TestEnv::start().await;
    sync_common::write_config(&env, "itil", "itil", "back_sync = true");
    let problem = record(&env, "problem", "PRB0000001").await;
    let change = record(&env, "change_request", "CHG0000001").await;
    let (p, c) = {
        let mut store = sync_common::open_store(&env);
        let p = sync_common::seed_anomaly(&mut store, "T-P");
        let c = sync_common::seed_anomaly(&mut store, "T-C");
        sync_common::link(&mut store, &p, &problem);
        sync_common::link(&mut store, &c, &change);
        (p, c)
    };
    let first = sync_changes(&env).await;
    assert_eq!(first["baselined"], 2, "{first}");

    // Another user assigns both (allowed), and tries to resolve/close them (ignored).
    let beth = env
        .admin_get(
            "/api/now/table/sys_user?sysparm_query=user_name=beth.anglin&sysparm_fields=sys_id",
        )
        .await["result"][0]["sys_id"]
        .as_str()
        .unwrap()
        .to_string();
    for r in [&problem, &change] {
        patch_as_admin(&env, r, json!({ "assigned_to": beth })).await;
    }
    patch_as_admin(&env, &problem, json!({ "state": "106", "resolution_code": "fix_applied", "cause_notes": "etl bug", "fix_notes": "patched" })).await;
    patch_as_admin(
        &env,
        &change,
        json!({ "state": "3", "close_code": "successful", "close_notes": "done" }),
    )
    .await;
    let state = |t: &'static str, id: String| {
        let env = &env;
        async move {
            env.admin_get(&format!("/api/now/table/{t}/{id}?sysparm_fields=state"))
                .await["result"]["state"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    // The quirk: the state did not move.
    assert_eq!(state("problem", problem.sys_id.clone()).await, "101");
    assert_eq!(state("change_request", change.sys_id.clone()).await, "-5");

    let changes = sync_changes(&env).await;
    assert_eq!(changes["applied"].as_array().unwrap().len(), 2, "{changes}");
    let store = sync_common::open_store(&env);
    for k in [&p, &c] {
        assert_eq!(
            store.get_anomaly(k).unwrap().unwrap().status,
            Status::Acknowledged,
            "{k}: assigned, not archived (the state never moved)"
        );
        let h = store.status_history(k).unwrap();
        assert_eq!(h.last().unwrap().user, "servicenow:admin", "{h:?}");
    }
    // Each link's state is read from its own table.
    let links = store.all_links().unwrap();
    for l in links.iter().filter(|l| l.incident.table != "incident") {
        assert!(l.read_at.is_some(), "{l:?}");
        assert!(
            l.last
                .assigned_to
                .as_deref()
                .is_some_and(|a| a.contains("Beth")),
            "{l:?}"
        );
    }
}
