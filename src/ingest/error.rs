//! Why a source could not be read. Each message names the source, the cause and the fix; the
//! anomalies already in the store are never touched by a failed read.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The source's settings or its local file (missing, refused, unreadable).
    #[error("source {source_name}: {message}")]
    Source {
        source_name: String,
        message: String,
    },
    /// The service answered with an error or not at all.
    #[error("source {source_name}: {message}")]
    Remote {
        source_name: String,
        message: String,
        /// 429, 5xx, timeouts: worth retrying soon (with backoff).
        transient: bool,
        retry_after: Option<Duration>,
    },
    #[error("store: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("internal: {0}")]
    Internal(String),
}

impl IngestError {
    /// The server's own `Retry-After`, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            IngestError::Remote { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the failure is likely to pass by itself (rate limit, server error, network).
    pub fn transient(&self) -> bool {
        match self {
            IngestError::Remote { transient, .. } => *transient,
            IngestError::Store(_) => true,
            _ => false,
        }
    }
}
