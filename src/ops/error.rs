//! Errors of the user-facing operations. Each message names the cause and the fix; the CLI maps
//! the variant to an exit code, the dashboard shows the message.

use servicenow_client::Error as SnError;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// ServiceNow answered with an error, or could not be reached.
    #[error("{0}")]
    ServiceNow(Box<SnError>),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The user's input is wrong (bad choice value, missing field); the message suggests the fix.
    #[error("{0}")]
    Invalid(String),
    /// An anomaly, incident, group or user that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The profile is read-only; nothing was written.
    #[error(
        "instance {0} is read-only (read_only = true in its profile): nothing was sent; remove read_only to allow writes"
    )]
    ReadOnly(String),
    /// The action would duplicate something that exists (a second incident for an anomaly
    /// that has an open one); the message says how to go ahead anyway.
    #[error("{0}")]
    Exists(String),
    /// ServiceNow cannot be reached and the cache cannot stand in for it (a name never read,
    /// a list never cached); the message names the cause and what to do.
    #[error("{0}")]
    Offline(String),
    #[error("{0}")]
    Other(String),
}

pub type OpsResult<T> = Result<T, OpsError>;

impl From<SnError> for OpsError {
    fn from(e: SnError) -> Self {
        OpsError::ServiceNow(Box::new(e))
    }
}
