//! Back-sync's mapping against the emulator, with a person changing the incidents as herself:
//! assign / In Progress → Acknowledged, Resolved / Closed → Archived (Resolved), close codes
//! Duplicate and "no problem" → Duplicate / Invalid, Canceled → Discarded; never backward; a
//! reopen does not re-acknowledge; M:N archives only when every incident is done; nothing is
//! applied with back_sync off.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use backsync_common::*;
use jiff::Timestamp;
use snowlink::domain::{ArchiveReason, Status};

const RESOLVED: Status = Status::Archived(ArchiveReason::Resolved);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_acknowledges_and_resolve_archives_with_history_from_servicenow() {
    let bs = start(2, true).await;
    let a = bs.anomaly("A-1", &[0]);
    let b = bs.anomaly("A-2", &[1]);
    let first = bs.sync_once().await;
    assert_eq!(first["baselined"], 2, "{first}");
    assert!(first["applied"].as_array().unwrap().is_empty());

    bs.assign(0).await;
    bs.set_state(BETH, 1, "2").await;
    let c = bs.sync_once().await;
    assert_eq!(
        applied_numbers(&c),
        [
            bs.incidents[0].number.clone(),
            bs.incidents[1].number.clone()
        ]
    );
    assert_eq!(bs.status(&a), Status::Acknowledged);
    assert_eq!(bs.status(&b), Status::Acknowledged);

    bs.resolve(0, "Solution provided").await;
    let before = Timestamp::now();
    bs.sync_once().await;
    assert_eq!(bs.status(&a), RESOLVED);
    let h = bs.history_from_servicenow(&a);
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[1].user, "servicenow:beth.anglin");
    assert_eq!((h[1].from, h[1].to), (Status::Acknowledged, RESOLVED));
    let detail = h[1].detail.as_deref().unwrap();
    assert!(
        detail.contains(&bs.incidents[0].number)
            && detail.contains("Resolved")
            && detail.contains("Solution provided"),
        "{detail}"
    );
    // The time is ServiceNow's (whole seconds), not when snowlink noticed.
    assert!(h[1].at <= before, "{} after {before}", h[1].at);
    assert_eq!(h[1].at.subsec_nanosecond(), 0);
    // `snowlink show` says it, with the incident and who.
    let out = bs.env.run(&["show", &a.id]).await;
    let text = common::stdout(&out);
    assert!(text.contains("by servicenow:beth.anglin"), "{text}");
    assert!(text.contains(detail), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_codes_and_cancel_choose_the_archive_reason() {
    let bs = start(5, true).await;
    let keys: Vec<_> = (0..5)
        .map(|i| bs.anomaly(&format!("C-{i}"), &[i]))
        .collect();
    bs.sync_once().await;
    bs.resolve(0, "Duplicate").await;
    bs.resolve(1, "User error").await;
    bs.resolve(2, "Not Solved (Not Reproducible)").await;
    bs.close(3, "Workaround provided").await;
    bs.set_state(BETH, 4, "8").await;
    let c = bs.sync_once().await;
    assert_eq!(c["applied"].as_array().unwrap().len(), 5, "{c}");
    let got: Vec<Status> = keys.iter().map(|k| bs.status(k)).collect();
    assert_eq!(
        got,
        [
            Status::Archived(ArchiveReason::Duplicate),
            Status::Archived(ArchiveReason::Invalid),
            Status::Archived(ArchiveReason::Invalid),
            RESOLVED,
            Status::Archived(ArchiveReason::Discarded),
        ]
    );
    // Closed by admin: the history names who did it.
    assert_eq!(
        bs.history_from_servicenow(&keys[3])[0].user,
        "servicenow:admin"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_backward_and_a_reopen_does_not_re_acknowledge() {
    let bs = start(2, true).await;
    let a = bs.anomaly("R-1", &[0]);
    let b = bs.anomaly("R-2", &[1]);
    bs.sync_once().await;

    // Assigned, then unassigned again while New: acknowledged stays acknowledged.
    bs.assign(0).await;
    bs.sync_once().await;
    assert_eq!(bs.status(&a), Status::Acknowledged);
    bs.patch_as(BETH, 0, serde_json::json!({"assigned_to": ""}))
        .await;
    let c = bs.sync_once().await;
    assert_eq!(c["changed"], 1, "{c}");
    assert_eq!(bs.status(&a), Status::Acknowledged);

    // Resolved then reopened: archived stays archived.
    bs.resolve(0, "Solution provided").await;
    bs.sync_once().await;
    assert_eq!(bs.status(&a), RESOLVED);
    bs.set_state(BETH, 0, "2").await;
    let c = bs.sync_once().await;
    assert!(c["applied"].as_array().unwrap().is_empty(), "{c}");
    assert_eq!(bs.status(&a), RESOLVED);

    // The person moved the anomaly back to Active after back-sync archived it; the incident's
    // reopen does not acknowledge it again, and a later resolve archives it again.
    bs.resolve(1, "Solution provided").await;
    bs.sync_once().await;
    assert_eq!(bs.status(&b), RESOLVED);
    bs.store()
        .record_status_change(&b, Status::Active, "tester", Timestamp::now())
        .unwrap();
    bs.set_state(BETH, 1, "2").await;
    bs.sync_once().await;
    assert_eq!(
        bs.status(&b),
        Status::Active,
        "a reopen does not re-acknowledge"
    );
    bs.resolve(1, "Solution provided").await;
    bs.sync_once().await;
    assert_eq!(bs.status(&b), RESOLVED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anomaly_on_several_incidents_is_archived_when_all_are_done() {
    let bs = start(3, true).await;
    let m = bs.anomaly("M-1", &[0, 1, 2]);
    bs.sync_once().await;

    bs.resolve(0, "Duplicate").await;
    bs.sync_once().await;
    assert_eq!(bs.status(&m), Status::Active, "two incidents still open");
    bs.set_state(BETH, 1, "8").await;
    bs.assign(2).await;
    bs.sync_once().await;
    // The open, assigned third incident acknowledges; nothing archives yet.
    assert_eq!(bs.status(&m), Status::Acknowledged);
    bs.resolve(2, "User error").await;
    bs.sync_once().await;
    // Duplicate, Discarded and Invalid: the fixed precedence picks Duplicate.
    assert_eq!(bs.status(&m), Status::Archived(ArchiveReason::Duplicate));
    let h = bs.history_from_servicenow(&m);
    assert_eq!(h.len(), 2, "{h:?}");
    assert!(
        h[1].detail
            .as_deref()
            .unwrap()
            .contains(&bs.incidents[2].number)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_applied_with_back_sync_off() {
    let bs = start(2, false).await;
    let a = bs.anomaly("O-1", &[0]);
    let b = bs.anomaly("O-2", &[1]);
    bs.sync_once().await;
    bs.assign(0).await;
    bs.resolve(1, "Solution provided").await;
    let c = bs.sync_once().await;
    assert_eq!(c["back_sync"], false);
    assert_eq!(c["changed"], 2, "the changes are seen: {c}");
    assert!(c["applied"].as_array().unwrap().is_empty(), "{c}");
    assert_eq!(bs.status(&a), Status::Active);
    assert_eq!(bs.status(&b), Status::Active);
    assert!(bs.store().status_history(&a).unwrap().is_empty());
    // The same read fed the link state.
    let link = &bs.store().links_for_anomaly(&b).unwrap()[0];
    assert_eq!(link.last.state.as_deref(), Some("Resolved"));
}
