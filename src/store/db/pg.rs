//! The PostgreSQL side of the database layer: one blocking client, statements prepared with the
//! parameter types the values carry and cached, columns read by their declared types.
//!
//! Parameters are prepared as BIGINT, DOUBLE PRECISION, TEXT or BYTEA from the value bound
//! (NULL as `unknown`, which PostgreSQL infers from the context), so the same query text needs
//! no casts where SQLite's dynamic typing needed none (docs/store.md §Engines).

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::{OwnedValue, Value};
use crate::store::StoreError;

/// More distinct statements than the store has queries means dynamic SQL (filters, `IN` lists
/// of many lengths): start over rather than grow without bound.
const MAX_CACHED_STATEMENTS: usize = 512;

/// A statement's text and the parameter types it was prepared with.
type StatementKey = (Arc<str>, Vec<Type>);

pub struct PgConn {
    /// Always `Some` until the connection is dropped (then it may go back to its pool).
    session: Option<super::pg_thread::PgThread>,
    /// Statements prepared on the session of this generation (see `PgThread::generation`).
    statements: RefCell<Statements>,
    /// Inside `BEGIN … COMMIT`: a lost session must not be opened again under the transaction.
    in_tx: std::cell::Cell<bool>,
    /// Where the session goes when this connection is dropped, to be reused by the next open
    /// of the same store (docs/store.md §Engines, connection reuse).
    pool: Option<Arc<PgPool>>,
}

type Statements = (u64, HashMap<StatementKey, postgres::Statement>);

/// How many idle sessions a store location keeps for reuse.
const MAX_IDLE_SESSIONS: usize = 4;

/// Idle sessions of one PostgreSQL store, with the statements prepared on them. A dashboard
/// opens the store for every action and a worker for every call batch: without reuse each open
/// would be a new server process and a new authentication (~20 ms), for a few milliseconds of
/// work. A session is put back only outside a transaction, so the next user starts clean; one
/// the server cut is opened again on its next call, as any session is.
#[derive(Debug, Default)]
pub struct PgPool {
    idle: std::sync::Mutex<Vec<(super::pg_thread::PgThread, Statements)>>,
}

impl PgPool {
    /// An idle session of this store, as a connection that goes back here when dropped. It is
    /// checked first (one round trip): the server may have ended it while it waited (a restart,
    /// an idle timeout), which the client only learns by using it; a lost one is opened again
    /// by its thread on the second try, and dropped if that fails too.
    pub fn take(self: &Arc<Self>) -> Option<PgConn> {
        loop {
            let (session, statements) = self.idle.lock().ok()?.pop()?;
            let mut conn = PgConn {
                session: Some(session),
                statements: RefCell::new(statements),
                in_tx: std::cell::Cell::new(false),
                pool: None,
            };
            if conn.batch("SELECT 1").is_ok() || conn.batch("SELECT 1").is_ok() {
                conn.pool = Some(self.clone());
                return Some(conn);
            }
        }
    }

    fn give(&self, session: super::pg_thread::PgThread, statements: Statements) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < MAX_IDLE_SESSIONS
        {
            idle.push((session, statements));
        }
    }

    /// How many sessions wait for reuse.
    #[cfg(test)]
    pub fn idle(&self) -> usize {
        self.idle.lock().map(|i| i.len()).unwrap_or(0)
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        if let (Some(pool), Some(session)) = (self.pool.take(), self.session.take())
            && !self.in_tx.get()
        {
            pool.give(session, self.statements.take());
        }
    }
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn").finish_non_exhaustive()
    }
}

impl PgConn {
    /// A connection on `session`, returned to `pool` (if any) when dropped.
    pub fn new(session: super::pg_thread::PgThread, pool: Option<Arc<PgPool>>) -> PgConn {
        PgConn {
            session: Some(session),
            statements: RefCell::new((0, HashMap::new())),
            in_tx: std::cell::Cell::new(false),
            pool,
        }
    }

    fn session(&self) -> Result<&super::pg_thread::PgThread, StoreError> {
        self.session
            .as_ref()
            .ok_or_else(|| StoreError::Connect("the session was closed".into()))
    }

    /// The session's generation (0 for a closed one: its statements are gone anyway).
    fn generation(&self) -> u64 {
        self.session.as_ref().map_or(0, |s| s.generation())
    }

    /// The cached statement for `sql` with these parameter types, if it was prepared.
    fn cached(&self, key: &StatementKey) -> Option<postgres::Statement> {
        let mut cache = self.statements.borrow_mut();
        let generation = self.generation();
        if cache.0 != generation {
            *cache = (generation, HashMap::new());
        }
        cache.1.get(key).cloned()
    }

    fn remember(&self, key: StatementKey, st: postgres::Statement) {
        let mut cache = self.statements.borrow_mut();
        if cache.1.len() >= MAX_CACHED_STATEMENTS {
            cache.1.clear();
        }
        cache.1.insert(key, st);
    }

    /// How many times the session was opened again (see `PgThread::generation`).
    #[cfg(test)]
    pub fn reconnects(&self) -> u64 {
        self.generation()
    }

    /// Marks the start or end of a transaction (see `in_tx`).
    pub fn set_in_transaction(&self, on: bool) {
        self.in_tx.set(on);
    }

    /// Prepares (once) and runs `sql` with `values` on the session's thread.
    fn call<R: Send + 'static>(
        &self,
        sql: &str,
        values: &[Value<'_>],
        run: impl FnOnce(
            &mut postgres::Client,
            &postgres::Statement,
            &[&(dyn ToSql + Sync)],
        ) -> Result<R, postgres::Error>
        + Send
        + 'static,
    ) -> Result<R, StoreError> {
        let types: Vec<Type> = values.iter().map(declared_type).collect();
        let key: StatementKey = (Arc::from(sql), types);
        let cached = self.cached(&key);
        // Copied for the session's thread.
        let owned: Vec<OwnedValue> = values.iter().map(OwnedValue::from).collect();
        let (sql, types) = (key.0.clone(), key.1.clone());
        let (st, out) = self
            .session()?
            .run_with(!self.in_tx.get(), move |client| {
                let st = match cached {
                    Some(st) => st,
                    None => client.prepare_typed(&sql, &types)?,
                };
                let values: Vec<Value<'_>> = owned.iter().map(OwnedValue::as_value).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
                let out = run(client, &st, &refs)?;
                Ok::<_, postgres::Error>((st, out))
            })??;
        self.remember(key, st);
        Ok(out)
    }

    /// Runs a statement (already in PostgreSQL's dialect); the number of rows it changed.
    pub fn execute(&self, sql: &str, values: &[Value<'_>]) -> Result<usize, StoreError> {
        let n = self.call(sql, values, |c, st, p| c.execute(st, p))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Runs a query (already in PostgreSQL's dialect) and returns all its rows.
    pub fn query(&self, sql: &str, values: &[Value<'_>]) -> Result<Vec<postgres::Row>, StoreError> {
        self.call(sql, values, |c, st, p| c.query(st, p))
    }

    /// Runs statements without parameters through the simple protocol.
    pub fn batch(&self, sql: &str) -> Result<(), StoreError> {
        let sql = sql.to_owned();
        Ok(self
            .session()?
            .run_with(!self.in_tx.get(), move |c| c.batch_execute(&sql))??)
    }
}

fn declared_type(v: &Value<'_>) -> Type {
    match v {
        Value::Null => Type::UNKNOWN,
        Value::Int(_) => Type::INT8,
        Value::Real(_) => Type::FLOAT8,
        Value::Text(_) => Type::TEXT,
        Value::Blob(_) => Type::BYTEA,
    }
}

impl ToSql for Value<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                _ => Err(format!("an integer cannot be sent as {ty}").into()),
            },
            Value::Real(f) => f.to_sql(ty, out),
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    /// Every type: the value is encoded for the type the server resolved (see `to_sql`).
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `idx` of a PostgreSQL row, as the storage kind its declared type maps to.
pub fn column(row: &postgres::Row, idx: usize) -> Result<Value<'_>, StoreError> {
    let ty = row
        .columns()
        .get(idx)
        .ok_or_else(|| StoreError::Type(format!("no column {idx}")))?
        .type_()
        .clone();
    let int = |v: Option<i64>| v.map_or(Value::Null, Value::Int);
    Ok(match ty {
        Type::INT8 => int(row.try_get(idx)?),
        Type::INT4 => int(row.try_get::<_, Option<i32>>(idx)?.map(i64::from)),
        Type::INT2 => int(row.try_get::<_, Option<i16>>(idx)?.map(i64::from)),
        Type::BOOL => int(row.try_get::<_, Option<bool>>(idx)?.map(i64::from)),
        Type::FLOAT8 => row
            .try_get::<_, Option<f64>>(idx)?
            .map_or(Value::Null, Value::Real),
        Type::FLOAT4 => row
            .try_get::<_, Option<f32>>(idx)?
            .map_or(Value::Null, |f| Value::Real(f64::from(f))),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => row
            .try_get::<_, Option<&str>>(idx)?
            .map_or(Value::Null, Value::Text),
        Type::BYTEA => row
            .try_get::<_, Option<&[u8]>>(idx)?
            .map_or(Value::Null, Value::Blob),
        other => {
            return Err(StoreError::Type(format!(
                "column {idx} has type {other}; the store reads BIGINT, DOUBLE PRECISION, TEXT \
                 and BYTEA (CAST the expression, e.g. CAST(SUM(x) AS BIGINT))"
            )));
        }
    })
}
