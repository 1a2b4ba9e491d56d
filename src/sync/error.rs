//! Errors of the sync worker and the link poller. ServiceNow failures are not errors here: they
//! become outbox states (retry, paused, failed, dead) and show up in the report. What remains is
//! the store failing, or a background task dying.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store connection is unusable after a panic in another task")]
    Poisoned,
    #[error("a sync task stopped unexpectedly: {0}")]
    Task(String),
    /// A source's write-back cannot start (its settings or credentials).
    #[error("source {source_name}: {message}")]
    Source {
        source_name: String,
        message: String,
    },
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
