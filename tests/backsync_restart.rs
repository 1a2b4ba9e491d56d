//! Change detection across restarts: every `snowlink sync --once` is a new process over the same
//! store; a change made while none runs is not missed, one already applied is not applied again,
//! and the watermark is durable.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use backsync_common::*;
use snowlink::domain::{ArchiveReason, Status};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_between_changes_neither_miss_nor_reapply() {
    let bs = start(2, true).await;
    let a = bs.anomaly("S-1", &[0]);
    let b = bs.anomaly("S-2", &[1]);
    bs.sync_once().await;
    let mark = bs
        .store()
        .change_watermark("default", "incident")
        .unwrap()
        .unwrap();
    assert_eq!(
        mark,
        seed_time(1),
        "the newest change seen, in ServiceNow's clock"
    );

    bs.assign(0).await;
    let c = bs.sync_once().await;
    assert_eq!(applied_numbers(&c), [bs.incidents[0].number.clone()]);
    let mark2 = bs
        .store()
        .change_watermark("default", "incident")
        .unwrap()
        .unwrap();
    assert!(mark2 > mark, "{mark2} > {mark}");

    // A new process: the change is inside the overlap and read again, but not applied again.
    let c = bs.sync_once().await;
    assert_eq!(c["returned"], 1, "{c}");
    assert_eq!(
        (c["unchanged"].as_u64(), c["changed"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(c["applied"].as_array().unwrap().is_empty());

    // Changes made while no snowlink runs are found by the next one.
    bs.resolve(0, "Solution provided").await;
    bs.set_state(BETH, 1, "2").await;
    let c = bs.sync_once().await;
    assert_eq!(
        applied_numbers(&c),
        [
            bs.incidents[0].number.clone(),
            bs.incidents[1].number.clone()
        ]
    );
    assert_eq!(bs.status(&a), Status::Archived(ArchiveReason::Resolved));
    assert_eq!(bs.status(&b), Status::Acknowledged);
    bs.sync_once().await;
    bs.sync_once().await;
    assert_eq!(
        bs.history_from_servicenow(&a).len(),
        2,
        "ack once, archive once"
    );
    assert_eq!(bs.history_from_servicenow(&b).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_read_keeps_the_watermark_and_the_next_run_catches_up() {
    let bs = start(1, true).await;
    let a = bs.anomaly("F-1", &[0]);
    bs.sync_once().await;
    bs.assign(0).await;
    sync_common::add_fault(
        &bs.env,
        "status=500,count=1,method=GET,path=/api/now/table/incident",
    )
    .await;
    let (out, report) = bs.env.json(&["sync", "--once"]).await;
    assert_eq!(common::exit_code(&out), 0, "{report}");
    let c = &report["changes"];
    assert!(c["error"].as_str().unwrap().contains("500"), "{c}");
    assert_eq!(c["watermark"], serde_json::Value::Null);
    assert_eq!(bs.status(&a), Status::Active);
    assert_eq!(
        bs.store()
            .change_watermark("default", "incident")
            .unwrap()
            .as_deref(),
        Some(seed_time(0).as_str())
    );
    let c = bs.sync_once().await;
    assert_eq!(applied_numbers(&c), [bs.incidents[0].number.clone()]);
    assert_eq!(bs.status(&a), Status::Acknowledged);
}
