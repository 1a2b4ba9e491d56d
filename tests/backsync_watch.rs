//! Change detection runs in the background of `snowlink sync --watch` every `poll_interval`:
//! a person's change reaches the anomaly without any other command, and the process stops
//! cleanly on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use std::time::{Duration, Instant};

use backsync_common::*;
use snowlink::domain::{AnomalyKey, ArchiveReason, Status};

/// Polls the store until the anomaly has `want`; false after `limit`.
async fn wait_for(bs: &Bs, key: &AnomalyKey, want: Status, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        if bs.status(key) == want {
            return true;
        }
        if start.elapsed() >= limit {
            eprintln!(
                "{key} is {:?}, not {want:?}, after {limit:?}",
                bs.status(key)
            );
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_watch_applies_changes_in_the_background() {
    let bs = start(1, true).await;
    let a = bs.anomaly("W-1", &[0]);
    // The config polls every second (sync_common::write_config).
    let mut watch = sync_common::spawn(&bs.env, &["sync", "--watch"]);
    // Its first pass takes the baseline; wait for it before changing anything.
    let start = Instant::now();
    while !bs.store().change_targets("default").unwrap()[0].seen {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no baseline taken"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bs.assign(0).await;
    assert!(wait_for(&bs, &a, Status::Acknowledged, Duration::from_secs(60)).await);
    bs.resolve(0, "Duplicate").await;
    assert!(
        wait_for(
            &bs,
            &a,
            Status::Archived(ArchiveReason::Duplicate),
            Duration::from_secs(60)
        )
        .await
    );
    sync_common::terminate(&watch);
    let status = watch.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(bs.history_from_servicenow(&a).len(), 2);
}
