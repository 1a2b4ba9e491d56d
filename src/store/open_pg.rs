//! Opening a PostgreSQL store: the schema brought up to date once, whoever opens it first.
//!
//! The version lives in a one-row table (`schema_version`, PostgreSQL has no `user_version`).
//! Migrating takes a transaction-scoped advisory lock first, so two processes opening an old
//! database apply each migration once; DDL is transactional in PostgreSQL, so a migration and
//! its version number commit together or not at all (docs/store.md §Engines).

use std::path::PathBuf;

use super::db::{Db, Value, params};
use super::schema_pg::{PG_MIGRATIONS, PG_VERSION_TABLE};
use super::{Result, Store, StoreError};

/// The advisory lock key migrations take (`'snow'`, `'migr'`).
const MIGRATION_LOCK: (i64, i64) = (0x736e_6f77, 0x6d69_6772);

/// Opens the store on a session; `label` names it in messages (the URL without its password).
pub(crate) fn open(session: super::db::PgThread, label: &str) -> Result<Store> {
    opened(Db::postgres(session), label)
}

/// Opens the store on an idle session of `pool`, else on a new one (`connect` runs on its
/// thread) that goes back to `pool` when the store is dropped. A reused session's database was
/// brought up to date when the session was first opened.
pub(crate) fn open_pooled<F>(
    pool: &std::sync::Arc<super::db::PgPool>,
    connect: F,
    label: &str,
) -> Result<Store>
where
    F: Fn() -> Result<postgres::Client> + Send + 'static,
{
    if let Some(conn) = pool.take() {
        return Ok(Store {
            conn: Db::postgres_conn(conn),
            path: PathBuf::from(label),
        });
    }
    let session = super::db::PgThread::start(connect)?;
    opened(
        Db::postgres_conn(super::db::PgConn::new(session, Some(pool.clone()))),
        label,
    )
}

fn opened(mut conn: Db, label: &str) -> Result<Store> {
    migrate(&mut conn, label, PG_MIGRATIONS)?;
    Ok(Store {
        conn,
        path: PathBuf::from(label),
    })
}

pub(crate) fn migrate(conn: &mut Db, label: &str, migrations: &[&str]) -> Result<()> {
    let supported = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    // A quick look first: an up-to-date store (every open but the first) takes no lock.
    if current_version(conn)? == Some(supported) {
        return Ok(());
    }
    let tx = conn.transaction(super::db::TxKind::RowLocks)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))",
        params![MIGRATION_LOCK.0, MIGRATION_LOCK.1],
    )?;
    tx.execute_batch(PG_VERSION_TABLE)?;
    let found = version_in(&tx)?;
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            path: PathBuf::from(label),
            found,
            supported,
        });
    }
    for (n, sql) in migrations.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        let version = Value::Int(i64::try_from(n + 1).unwrap_or(i64::MAX));
        if tx.execute("UPDATE schema_version SET version = ?1", [version])? == 0 {
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                [version],
            )?;
        }
    }
    tx.commit()
}

/// The applied version, `None` before the version table exists.
fn current_version(conn: &Db) -> Result<Option<u32>> {
    let exists: bool = conn.query_row(
        "SELECT to_regclass('schema_version') IS NOT NULL",
        params![],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    version_in(conn).map(Some)
}

fn version_in(conn: &Db) -> Result<u32> {
    let v: Option<i64> =
        conn.query_row("SELECT MAX(version) FROM schema_version", params![], |r| {
            r.get(0)
        })?;
    u32::try_from(v.unwrap_or(0))
        .map_err(|_| StoreError::Corrupt(format!("schema version {v:?} out of range")))
}
