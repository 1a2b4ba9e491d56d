//! Delivering the outbox to ServiceNow (DESIGN §Outbox) and keeping link state fresh.
//!
//! - [`Worker`]: claims due deliveries of one instance and delivers them, FIFO per incident,
//!   parallel across incidents; retries, pauses, fails or dead-letters by the client's error;
//!   reconciles unknown outcomes before resending. `run_once`, `deliver(ids, deadline)`, `watch`.
//! - [`SourceWorker`]: the same for one anomaly source's write-backs (`source:<name>`), and
//!   the renewal of Alertmanager acknowledge silences.
//! - [`LinkPoller`]: re-reads state, priority, group and assignee of linked incidents in
//!   `sys_idIN` batches of 100.
//! - [`ChangePoller`]: change detection — reads only the linked records updated since the
//!   watermark, feeds the link state from that read and, with `back_sync`, applies incident
//!   state to anomalies (docs/sync.md §Change detection, §Back-sync).
//!
//! See `docs/sync.md`.

// The client's error is large (it keeps ServiceNow's own words); attempts pass it up one level
// to be classified, where boxing would buy nothing.
#![allow(clippy::result_large_err)]

mod action;
mod append;
mod backoff;
mod changes;
mod deliver;
mod error;
mod event;
mod links_poller;
mod options;
mod outage;
mod reconcile;
mod remaining;
mod reopen;
mod report;
mod run_state;
mod seat;
mod source_deliver;
mod source_worker;
mod store_handle;
mod task;
mod wake;
mod worker;

use std::time::Duration;

use jiff::Timestamp;

pub use action::{Action, MAX_SERVER_WAIT, PauseCause, classify};
pub use backoff::Backoff;
pub use changes::{CHANGE_FIELDS, ChangePoller, ChangeReport, FULL_EVERY, OVERLAP, poll_changes};
pub use error::{Result, SyncError};
pub use links_poller::{LINK_FIELDS, LinkPoller, LinkRefreshReport, NOT_FOUND_OR_HIDDEN};
pub use options::{MIN_LEASE, WorkerOptions, lease_for, new_owner_id};
pub use outage::describe as describe_outage;
pub use report::{Created, PausedInfo, PendingItem, SyncEvent, SyncReport};
pub use source_deliver::SourceClient;
pub use source_deliver::alertmanager::{RenewalReport, SILENCE_REF, renewal_due};
pub use source_worker::{
    SourcePending, SourceReport, SourceWorker, SourceWorkerOptions, client_for_source,
};
pub use worker::Worker;

/// `t + d`, saturating at the end of time.
pub(crate) fn ts_add(t: Timestamp, d: Duration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// Sleeps until `at` (wall clock); returns at once for `None` or a time already past.
pub(crate) async fn sleep_until(at: Option<Timestamp>) {
    let Some(at) = at else { return };
    let ms = at.as_millisecond() - Timestamp::now().as_millisecond();
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms.unsigned_abs())).await;
    }
}
