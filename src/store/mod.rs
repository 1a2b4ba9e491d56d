//! The SQLite store: one file, WAL mode, versioned schema, safe for several processes at once.
//!
//! Every read-modify-write runs in a `BEGIN IMMEDIATE` transaction: it takes the write lock up
//! front, so two processes never both read a state and then both act on it (a deferred
//! transaction would fail with `SQLITE_BUSY_SNAPSHOT` on upgrade instead of waiting). Waiting for
//! the lock is bounded by `busy_timeout`. Timestamps are stored as unix milliseconds (UTC).
//! See `docs/store.md`.

mod anomalies;
mod audit;
mod audit_explain;
mod changes;
mod comments;
mod copy_to;
pub(crate) mod db;
mod error;
mod event_clear;
mod export;
mod links;
mod listen;
mod location;
mod lookup_cache;
mod open;
mod open_pg;
mod outages;
mod outbox;
mod outbox_admin;
mod outbox_sync;
mod outbox_types;
mod owners;
mod owners_pg;
mod pg_connect;
mod probe_pg;
pub mod rediscover;
mod rules;
mod rules_apply;
mod rules_read;
mod rules_rows;
mod schema;
mod schema_pg;
mod sources;
mod status;
mod wakeup;
mod writeback;

use std::path::{Path, PathBuf};

use db::{Db, Tx, TxKind};
use jiff::Timestamp;

pub use anomalies::{
    AnomalyFilter, AnomalyRow, RawForm, StatusFilter, StoredAnomaly, UpsertReport, source_actor,
};
pub use audit::{AuditEntry, NewAudit};
pub use audit_explain::{ExplainedAudit, RuleCause};
pub use changes::{
    AppliedChange, ChangeBatch, ChangeOutcome, ChangeTarget, ObservedRecord, servicenow_time,
};
pub use comments::{Comment, CommentRecorded};
pub use copy_to::{CopyReport, retire_sqlite_file};
pub use error::StoreError;
pub use links::{LinkAdded, NewLink};
pub use listen::{CHANGES_CHANNEL, Listener, listen};
pub use location::StoreLocation;
pub use lookup_cache::{
    CachedChoice, CachedList, CachedRef, MAX_CHOICE_LISTS, MAX_REF_LISTS, MAX_ROWS_PER_LIST,
    RefList,
};
pub use outages::Outage;
pub use outbox::{
    ALERT_TABLE, Delivery, DeliveryKind, DeliveryState, EVENT_TABLE, NewDelivery, OutboxId,
};
pub use outbox_admin::{OutboxCounts, OutboxFilter, PausedInstance};
pub use owners::{OwnerLock, lock_dir, new_owner_id, owner_is_gone, this_host};
pub use owners_pg::PgOwnerLock;
pub use probe_pg::PgProbe;
pub use rules::{
    BatchOutcome, DecisionAction, DecisionBatch, DecisionEffect, KeyRef, NewDecision, NewRuleKey,
    RuleCounts, RuleDecisionRow, RuleKeyRow,
};
pub use schema::SCHEMA_VERSION;
pub use sources::{SourceBatch, SourceState};
pub use status::{StatusChange, StatusHistoryEntry};
pub use wakeup::{wake_socket_path, wake_workers};
pub use writeback::{
    ChangeOrigin, RefChange, SOURCE_TABLE, SourceRef, SourceWrite, source_instance,
    source_of_instance,
};

/// The PostgreSQL channel idle workers `LISTEN` on (docs/store.md §Wake-ups).
pub const WAKE_CHANNEL: &str = "snowlink_outbox";

/// How long a connection waits for another process's write lock before giving up.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store. One per thread or task (a connection is `Send`, not `Sync`); several stores,
/// in one process or many, may use the same file at once.
#[derive(Debug)]
pub struct Store {
    conn: Db,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store at `path`: parent directory 0700, file 0600 before
    /// any data is written, WAL, busy timeout, migrations applied.
    pub fn open(path: &Path) -> Result<Store> {
        open::open(path, schema::MIGRATIONS)
    }

    /// Opens a PostgreSQL store (docs/store.md §Engines), migrating its
    /// schema if needed; `label` names it in messages (its URL without the password).
    /// `connect` runs on the session's own thread (see `db::PgThread`).
    pub fn open_postgres<F>(connect: F, label: &str) -> Result<Store>
    where
        F: Fn() -> Result<postgres::Client> + Send + 'static,
    {
        open_pg::open(db::PgThread::start(connect)?, label)
    }

    /// A private in-memory store (no file, no WAL, not shared): for tests and `--dry-run`.
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = rusqlite::Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        open::migrate(&mut conn, Path::new(":memory:"), schema::MIGRATIONS)?;
        Ok(Store {
            conn: Db::sqlite(conn),
            path: PathBuf::from(":memory:"),
        })
    }

    /// The database file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32> {
        match self.conn.as_sqlite() {
            Some(c) => Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?),
            None => self.conn.query_row(
                "SELECT MAX(version) FROM schema_version",
                db::params![],
                |r| r.get(0),
            ),
        }
    }

    /// Runs `f` with commits that do not wait for the disk (`synchronous = NORMAL`; WAL keeps
    /// them atomic and in order, a power loss may take the last ones back). Only for outcomes
    /// of leased deliveries: losing one leaves the row `in_flight` under a dead owner, which is
    /// reconciled by reading ServiceNow back before any resend (docs/store.md §Durability).
    pub fn with_relaxed_sync<T>(&mut self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        if self.path == Path::new(":memory:") {
            return f(self);
        }
        if self.conn.dialect() == db::Dialect::Postgres {
            // Carried by each transaction's BEGIN (`SET LOCAL`): no round trips of its own.
            self.conn.set_relaxed_commit(true);
            let out = f(self);
            self.conn.set_relaxed_commit(false);
            return out;
        }
        self.conn.execute_batch("PRAGMA synchronous = NORMAL")?;
        let out = f(self);
        let restored = self.conn.execute_batch("PRAGMA synchronous = FULL");
        let out = out?;
        restored?;
        Ok(out)
    }

    /// Sets this connection's page cache (SQLite's default is 2 MiB). A bulk ingest into five
    /// B-trees at once touches many more pages than that; a bigger cache keeps them in memory.
    pub fn set_cache_kib(&mut self, kib: i64) -> Result<()> {
        // PostgreSQL's buffer cache is the server's, shared by every session.
        if let Some(c) = self.conn.as_sqlite() {
            c.pragma_update(None, "cache_size", -kib)?;
        }
        Ok(())
    }

    /// Tells every idle worker of this store (any process) that deliveries were committed or
    /// became due (docs/store.md §Wake-ups).
    fn wake_workers(&self) {
        match self.conn.dialect() {
            // Delivered to every listening session once this (autocommit) statement ends; a
            // failure only leaves the workers to their next poll.
            db::Dialect::Postgres => {
                let _ = self.conn.execute_batch(&format!("NOTIFY {WAKE_CHANNEL}"));
            }
            db::Dialect::Sqlite if self.path != Path::new(":memory:") => {
                wakeup::wake_workers(&self.path);
            }
            db::Dialect::Sqlite => {}
        }
    }

    /// Starts a write transaction that holds the write lock from its first statement.
    fn write_tx(&mut self) -> Result<Tx<'_>> {
        self.conn.transaction(TxKind::Write)
    }

    /// Starts a transaction that settles rows this worker holds the lease of (see
    /// [`TxKind::OwnRows`]); on SQLite the same as [`Store::write_tx`].
    fn own_rows_tx(&mut self) -> Result<Tx<'_>> {
        self.conn.transaction(TxKind::OwnRows)
    }
}

/// Unix milliseconds, the storage form of every timestamp.
fn ms(at: Timestamp) -> i64 {
    at.as_millisecond()
}

fn from_ms(v: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(v).map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

fn opt_from_ms(v: Option<i64>) -> Result<Option<Timestamp>> {
    v.map(from_ms).transpose()
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod outbox_pg_tests;
