//! The database layer under the store: one connection type over either engine, so every store
//! query is written once (docs/store.md §Engines).
//!
//! Its surface follows rusqlite's (`execute`, `query_row`, `prepare_cached`, `query_map`,
//! `params!`, `.optional()`), which the store was first written against; a statement's text is
//! rewritten for the engine that runs it ([`dialect`]). SQLite reads rows lazily; PostgreSQL's
//! blocking client returns a query's rows together.

mod dialect;
mod pg;
mod pg_thread;
mod sqlite;
mod value;

use std::ops::Deref;

pub use dialect::{Dialect, translate};
pub use pg::{PgConn, PgPool};
pub use pg_thread::PgThread;
pub(crate) use value::params;
pub use value::{FromValue, OwnedValue, ToValue, Value};

use super::{Result, StoreError};

/// A statement's parameters: `params![…]`, an array of one type, or [`params_from_iter`].
pub trait Params {
    fn values(&self) -> Vec<Value<'_>>;
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(|p| p.to_value()).collect()
    }
}

impl<T: ToValue, const N: usize> Params for [T; N] {
    fn values(&self) -> Vec<Value<'_>> {
        self.iter().map(ToValue::to_value).collect()
    }
}

/// Parameters collected from an iterator (lists built at run time).
pub struct ParamsFromIter<T>(Vec<T>);

pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I::Item>
where
    I: IntoIterator,
    I::Item: ToValue,
{
    ParamsFromIter(iter.into_iter().collect())
}

impl<T: ToValue> Params for ParamsFromIter<T> {
    fn values(&self) -> Vec<Value<'_>> {
        self.0.iter().map(ToValue::to_value).collect()
    }
}

/// One open connection.
#[derive(Debug)]
pub struct Db {
    engine: Engine,
    /// PostgreSQL: transactions begun now commit without waiting for the WAL flush
    /// (`SET LOCAL synchronous_commit TO off`, sent with `BEGIN`: no extra round trip).
    relaxed_commit: bool,
}

#[derive(Debug)]
enum Engine {
    Sqlite(rusqlite::Connection),
    // Boxed: the blocking client carries its runtime; a store is usually SQLite.
    Postgres(Box<PgConn>),
}

/// How a transaction takes its locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// Holds the store's write lock from its first statement: SQLite's `BEGIN IMMEDIATE`, a
    /// transaction-scoped advisory lock on PostgreSQL. Every read-modify-write runs in one.
    Write,
    /// Takes no lock up front: for work whose rows are locked one by one (PostgreSQL's
    /// `FOR UPDATE SKIP LOCKED` claims). On SQLite the same as [`TxKind::Write`].
    RowLocks,
    /// Like [`TxKind::RowLocks`], and dashboards are told at commit, as after a
    /// [`TxKind::Write`]: for a worker settling rows it holds the lease of (an UPDATE guarded
    /// by `lease_owner`, inserts of new rows), which row locks alone keep correct. Not taking
    /// the store's write lock keeps workers from queueing behind each other on every outcome.
    OwnRows,
}

/// The advisory lock key of the store's write lock on PostgreSQL (`'snow'`, `'link'`).
pub const PG_WRITE_LOCK: (i32, i32) = (0x736e_6f77, 0x6c69_6e6b);

impl Db {
    pub fn sqlite(conn: rusqlite::Connection) -> Db {
        Db {
            engine: Engine::Sqlite(conn),
            relaxed_commit: false,
        }
    }

    /// A PostgreSQL connection on the session `session` owns (see [`PgThread`]).
    pub fn postgres(session: PgThread) -> Db {
        Db::postgres_conn(PgConn::new(session, None))
    }

    /// A PostgreSQL connection (new, or reused from a [`PgPool`]).
    pub fn postgres_conn(conn: PgConn) -> Db {
        Db {
            engine: Engine::Postgres(Box::new(conn)),
            relaxed_commit: false,
        }
    }

    pub fn dialect(&self) -> Dialect {
        match self.engine {
            Engine::Sqlite(_) => Dialect::Sqlite,
            Engine::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, the file's WAL).
    pub fn as_sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.engine {
            Engine::Sqlite(c) => Some(c),
            Engine::Postgres(_) => None,
        }
    }

    /// The PostgreSQL connection, for what only PostgreSQL has (tests look at its reconnects).
    #[cfg(test)]
    pub fn as_postgres(&self) -> Option<&PgConn> {
        match &self.engine {
            Engine::Postgres(c) => Some(c),
            Engine::Sqlite(_) => None,
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    /// Runs statements separated by `;`, without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c.execute_batch(&translate(sql, Dialect::Sqlite))?),
            Engine::Postgres(c) => c.batch(&translate(sql, Dialect::Postgres)),
        }
    }

    /// The first row of a query, mapped by `f`; [`StoreError::NoRows`] when there is none
    /// (see [`OptionalExtension::optional`]).
    pub fn query_row<T, F>(&self, sql: &str, params: impl Params, f: F) -> Result<T>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// A statement prepared once for this call.
    pub fn prepare(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt(match &self.engine {
            Engine::Sqlite(c) => {
                StmtInner::SqliteOnce(c.prepare(&translate(sql, Dialect::Sqlite))?)
            }
            Engine::Postgres(c) => StmtInner::Postgres {
                conn: c,
                sql: translate(sql, Dialect::Postgres),
            },
        }))
    }

    /// A statement from the connection's cache (prepared on first use).
    pub fn prepare_cached(&self, sql: &str) -> Result<Stmt<'_>> {
        Ok(Stmt(match &self.engine {
            Engine::Sqlite(c) => {
                StmtInner::Sqlite(c.prepare_cached(&translate(sql, Dialect::Sqlite))?)
            }
            Engine::Postgres(c) => StmtInner::Postgres {
                conn: c,
                sql: translate(sql, Dialect::Postgres),
            },
        }))
    }

    /// PostgreSQL: whether transactions begun from now on commit without waiting for the disk
    /// (see `Store::with_relaxed_sync`).
    pub fn set_relaxed_commit(&mut self, on: bool) {
        self.relaxed_commit = on;
    }

    /// Starts a transaction; it rolls back unless [`Tx::commit`] is called.
    pub fn transaction(&mut self, kind: TxKind) -> Result<Tx<'_>> {
        match &self.engine {
            Engine::Sqlite(c) => c.execute_batch("BEGIN IMMEDIATE")?,
            Engine::Postgres(c) => {
                // One round trip: begin, take the store's write lock (a Write), queue the change
                // notification (sent at commit to every dashboard listening, docs/store.md
                // §Wake-ups; a rollback sends nothing), relax the commit's durability.
                let (class, obj) = PG_WRITE_LOCK;
                let mut begin = String::from("BEGIN");
                if kind == TxKind::Write {
                    begin.push_str(&format!("; SELECT pg_advisory_xact_lock({class}, {obj})"));
                }
                if kind != TxKind::RowLocks {
                    begin.push_str(&format!("; NOTIFY {}", super::CHANGES_CHANNEL));
                }
                if self.relaxed_commit {
                    begin.push_str("; SET LOCAL synchronous_commit TO off");
                }
                let begun = c.batch(&begin);
                c.set_in_transaction(true);
                if let Err(e) = begun {
                    let _ = c.batch("ROLLBACK");
                    c.set_in_transaction(false);
                    return Err(e);
                }
            }
        }
        Ok(Tx {
            db: self,
            open: true,
        })
    }
}

/// An open transaction; derefs to the connection for its statements.
#[derive(Debug)]
pub struct Tx<'a> {
    db: &'a mut Db,
    open: bool,
}

impl Tx<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.end("COMMIT")
    }

    /// Undoes the transaction now, with its error (dropping it undoes it silently).
    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.end("ROLLBACK")
    }

    fn end(&self, how: &str) -> Result<()> {
        let out = self.db.execute_batch(how);
        if let Engine::Postgres(c) = &self.db.engine {
            c.set_in_transaction(false);
        }
        out
    }
}

impl Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Nothing to do if it fails: the connection's transaction is gone with it.
            let _ = self.end("ROLLBACK");
        }
    }
}

/// A row being read.
pub enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

/// A column's position (rusqlite's spelling `r.get::<_, T>(0)` keeps working).
pub trait ColumnIndex: Copy {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl ColumnIndex for i32 {
    fn index(self) -> usize {
        usize::try_from(self).unwrap_or(usize::MAX)
    }
}

impl Row<'_> {
    /// Column `idx`, converted to `T`.
    pub fn get<I: ColumnIndex, T: FromValue>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        T::from_value(self.value(idx)?).map_err(|e| match e {
            StoreError::Type(m) => StoreError::Type(format!("column {idx}: {m}")),
            other => other,
        })
    }

    /// Column `idx` as it is stored.
    pub fn value(&self, idx: usize) -> Result<Value<'_>> {
        match self {
            Row::Sqlite(r) => sqlite::column(r, idx),
            Row::Postgres(r) => pg::column(r, idx),
        }
    }
}

/// A prepared statement.
pub struct Stmt<'c>(StmtInner<'c>);

enum StmtInner<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    SqliteOnce(rusqlite::Statement<'c>),
    Postgres { conn: &'c PgConn, sql: String },
}

/// Rows mapped by the caller's function.
pub type MappedRows<'s, T> = Box<dyn Iterator<Item = Result<T>> + 's>;

impl<'c> Stmt<'c> {
    fn sqlite(&mut self) -> Option<&mut rusqlite::Statement<'c>> {
        match &mut self.0 {
            StmtInner::Sqlite(s) => Some(s),
            StmtInner::SqliteOnce(s) => Some(s),
            StmtInner::Postgres { .. } => None,
        }
    }

    /// Runs the statement; the number of rows it changed.
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        let values = params.values();
        if let StmtInner::Postgres { conn, sql } = &self.0 {
            return conn.execute(sql, &values);
        }
        match self.sqlite() {
            Some(s) => Ok(s.execute(sqlite::bind(&values))?),
            None => Err(StoreError::Type("statement has no engine".into())),
        }
    }

    /// Every row, mapped by `f`.
    pub fn query_map<'s, T: 's, F>(
        &'s mut self,
        params: impl Params,
        mut f: F,
    ) -> Result<MappedRows<'s, T>>
    where
        F: FnMut(&Row<'_>) -> Result<T> + 's,
    {
        let values = params.values();
        if let StmtInner::Postgres { conn, sql } = &self.0 {
            let rows = conn.query(sql, &values)?;
            let mapped: Vec<Result<T>> = rows.iter().map(|r| f(&Row::Postgres(r))).collect();
            return Ok(Box::new(mapped.into_iter()));
        }
        match self.sqlite() {
            Some(s) => {
                let rows = s.query_and_then(sqlite::bind(&values), move |r| f(&Row::Sqlite(r)))?;
                Ok(Box::new(rows))
            }
            None => Err(StoreError::Type("statement has no engine".into())),
        }
    }

    /// The first row, mapped by `f`; [`StoreError::NoRows`] when there is none.
    pub fn query_row<T, F>(&mut self, params: impl Params, f: F) -> Result<T>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query_map(params, f)?;
        rows.next().unwrap_or(Err(StoreError::NoRows))
    }
}

/// `.optional()` on a single-row result: no row is `None`, not an error.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
