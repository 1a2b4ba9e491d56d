//! Store errors.

use std::path::PathBuf;

use super::outbox::{DeliveryState, OutboxId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create or restrict permissions of {path}: {source}")]
    Permissions {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this snowlink supports ({supported}); \
         upgrade snowlink, or point --data-dir elsewhere"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL error: {}", pg_detail(.0))]
    Postgres(#[from] postgres::Error),
    #[error("cannot connect to the PostgreSQL store: {0}")]
    Connect(String),
    #[error("a query expected a row and found none")]
    NoRows,
    #[error("unexpected value in the store: {0}")]
    Type(String),
    #[error("anomaly {0} not found")]
    AnomalyNotFound(String),
    #[error("anomaly id {id} is ambiguous: it exists in sources {sources}; name the source")]
    AmbiguousAnomaly { id: String, sources: String },
    #[error("outbox item {0} not found")]
    DeliveryNotFound(OutboxId),
    #[error("outbox item {id} is no longer leased by {owner} (another worker took it over)")]
    LeaseLost { id: OutboxId, owner: String },
    #[error("outbox item {id} is {state}; cannot {action}")]
    InvalidState {
        id: OutboxId,
        state: DeliveryState,
        action: &'static str,
    },
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("corrupt store data: {0}")]
    Corrupt(String),
    /// An operation that would lose or duplicate data was not started; the message says why
    /// and what to do.
    #[error("{0}")]
    Refused(String),
}

impl StoreError {
    /// Whether this is `table`'s primary key refusing a second row with the same key
    /// (SQLite: `SQLITE_CONSTRAINT_PRIMARYKEY`; PostgreSQL: `unique_violation` on the table).
    pub fn is_key_taken(&self, table: &str) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, msg)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    && msg
                        .as_deref()
                        .is_none_or(|m| m.contains(&format!("{table}.")))
            }
            StoreError::Postgres(e) => e.as_db_error().is_some_and(|db| {
                *db.code() == postgres::error::SqlState::UNIQUE_VIOLATION
                    && db.table() == Some(table)
            }),
            _ => false,
        }
    }
}

/// PostgreSQL's own message (`ERROR: … DETAIL: …`) when the server sent one, else the client's.
fn pg_detail(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_string(),
        },
        None => e.to_string(),
    }
}
