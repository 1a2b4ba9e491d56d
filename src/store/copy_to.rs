//! `snowlink store migrate --to postgres://…`: a single engineer's SQLite store copied into an
//! empty PostgreSQL store, every table and every row, ids kept (docs/store.md §Moving a store).
//!
//! Why it is safe:
//! - The whole copy runs inside one `BEGIN IMMEDIATE` on the SQLite file: no other process can
//!   write (claim, deliver, comment) until it ends, so what is copied is one consistent moment.
//! - It refuses while any worker or dashboard holds a liveness lock on the file or a delivery is
//!   in flight: a request already sent would be resent from PostgreSQL, a note delivered twice.
//! - The PostgreSQL side is one transaction too: a failure part-way leaves the target empty.
//! - Once the target has committed, the old file is renamed (`….migrated`), so a `sync` or a
//!   dashboard still pointed at it finds no queue to deliver twice (a pause would not do: a
//!   worker resumes a paused instance as soon as ServiceNow answers).
//!
//! Rows are read in rowid order, 500 at a time, so memory stays bounded whatever the store holds.
//! Columns are matched by name and each value is cast to the target column's type; identity
//! sequences are moved past the copied ids so new rows never collide.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use rusqlite::types::ValueRef;

use super::db::{Db, Dialect, OptionalExtension, OwnedValue, TxKind, params, params_from_iter};
use super::{Result, Store, StoreError, ms, owners};

/// Rows per `INSERT` (PostgreSQL takes at most 65,535 parameters per statement).
const BATCH_ROWS: usize = 500;

/// Tables that describe this machine, not the store's data: the schema's own version.
const NOT_COPIED: &[&str] = &["schema_version"];

/// Tables a migration seeds with their one row (the rules' change counter): not a sign of data
/// in the target, and replaced by the source's row when copied.
const SEEDED: &[&str] = &["rule_watermark"];

/// What was copied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyReport {
    /// Rows copied per table (by name).
    pub tables: BTreeMap<String, u64>,
    /// Deliveries still to be made, now queued in the target.
    pub pending: u64,
}

/// A SQLite column value, owned until it is bound into PostgreSQL.
fn from_sqlite(v: ValueRef<'_>) -> OwnedValue {
    match v {
        ValueRef::Null => OwnedValue::Null,
        ValueRef::Integer(i) => OwnedValue::Int(i),
        ValueRef::Real(f) => OwnedValue::Real(f),
        ValueRef::Text(t) => OwnedValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => OwnedValue::Blob(b.to_vec()),
    }
}

/// A table to copy: its columns as both engines name them, with the target's types.
struct TableCopy {
    name: String,
    columns: Vec<(String, String)>,
}

impl Store {
    /// Copies this SQLite store into `target`, an empty PostgreSQL store at the same schema
    /// version (see the module comment); `target_label` names the target in messages. The
    /// caller then closes this store and retires its file ([`retire_sqlite_file`]).
    pub fn copy_into(&mut self, target: &mut Store, target_label: &str) -> Result<CopyReport> {
        if self.conn.dialect() != Dialect::Sqlite || target.conn.dialect() != Dialect::Postgres {
            return Err(StoreError::Invalid(
                "store migrate copies a SQLite store into a PostgreSQL one".into(),
            ));
        }
        let (from, to) = (self.schema_version()?, target.schema_version()?);
        if from != to {
            return Err(StoreError::Refused(format!(
                "the SQLite store is at schema version {from} and the PostgreSQL store at {to}; \
                 run the same snowlink build on both"
            )));
        }
        let db_path = self.path.clone();
        let source_tx = self.conn.transaction(TxKind::Write)?;
        refuse_live_workers(&source_tx, &db_path)?;
        let tables = tables_to_copy(&source_tx, &target.conn)?;
        refuse_non_empty(&target.conn, &tables, target_label)?;

        let target_tx = target.conn.transaction(TxKind::Write)?;
        let mut report = CopyReport {
            tables: BTreeMap::new(),
            pending: 0,
        };
        for table in &tables {
            if SEEDED.contains(&table.name.as_str()) {
                target_tx.execute_batch(&format!("DELETE FROM {}", table.name))?;
            }
            let copied = copy_table(&source_tx, &target_tx, table)?;
            report.tables.insert(table.name.clone(), copied);
        }
        move_identities_past_copied_ids(&target_tx)?;
        report.pending = target_tx.query_row(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'paused')",
            params![],
            |r| r.get(0),
        )?;
        target_tx.commit()?;

        // Nothing was written to the source: ending its transaction only lets writers in again.
        source_tx.rollback()?;
        Ok(report)
    }
}

/// Refuses while any process holds a worker liveness lock on the file (a `sync --watch`, a
/// dashboard's worker) or any delivery is in flight or leased.
fn refuse_live_workers(tx: &Db, db_path: &Path) -> Result<()> {
    let dir = owners::lock_dir(db_path);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok()).collect::<Vec<_>>(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            return Err(StoreError::Refused(format!(
                "cannot tell whether a worker is running: reading {}: {e}",
                dir.display()
            )));
        }
    };
    for entry in entries {
        let file = entry.file_name();
        let Some(owner) = file.to_str().and_then(|f| f.strip_suffix(".lock")) else {
            continue;
        };
        if !owners::owner_is_gone(db_path, owner) {
            return Err(StoreError::Refused(format!(
                "a sync worker or dashboard ({owner}) is using {}; stop every `snowlink sync \
                 --watch` and dashboard on this store, then run store migrate again",
                db_path.display()
            )));
        }
    }
    let busy: Option<(i64, Option<String>)> = tx
        .query_row(
            "SELECT id, lease_owner FROM outbox WHERE state = 'in_flight' \
             OR (lease_owner IS NOT NULL AND lease_until > ?1) ORDER BY id LIMIT 1",
            params![ms(Timestamp::now())],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((id, owner)) = busy {
        let owner = owner.unwrap_or_else(|| "a worker".into());
        return Err(StoreError::Refused(format!(
            "outbox item {id} is being delivered by {owner}; wait for it (or run `snowlink sync \
             --once` to settle it), then run store migrate again"
        )));
    }
    Ok(())
}

/// The source's tables in creation order (migrations create a referenced table before the
/// tables that reference it), each with the columns both engines have.
fn tables_to_copy(source: &Db, target: &Db) -> Result<Vec<TableCopy>> {
    let sqlite = source
        .as_sqlite()
        .ok_or_else(|| StoreError::Invalid("source is not SQLite".into()))?;
    let mut stmt = sqlite.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY rowid",
    )?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut tables = Vec::new();
    for name in names
        .into_iter()
        .filter(|n| !NOT_COPIED.contains(&n.as_str()))
    {
        let mut cols = sqlite.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
        let source_cols = cols
            .query_map([&name], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let target_types = target_columns(target, &name)?;
        if target_types.is_empty() {
            return Err(StoreError::Refused(format!(
                "the PostgreSQL store has no table {name}; its schema does not match this build"
            )));
        }
        let mut columns = Vec::new();
        for col in source_cols {
            let Some(ty) = target_types.get(&col) else {
                return Err(StoreError::Refused(format!(
                    "the PostgreSQL store's table {name} has no column {col}; its schema does \
                     not match this build"
                )));
            };
            columns.push((col, ty.clone()));
        }
        tables.push(TableCopy { name, columns });
    }
    Ok(tables)
}

/// Column name → SQL type name, of `table` in the target's schema.
fn target_columns(target: &Db, table: &str) -> Result<BTreeMap<String, String>> {
    let mut stmt = target.prepare(
        "SELECT column_name, data_type FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = ?1",
    )?;
    let rows = stmt.query_map(params![table], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    rows.collect()
}

fn refuse_non_empty(target: &Db, tables: &[TableCopy], label: &str) -> Result<()> {
    for table in tables.iter().filter(|t| !SEEDED.contains(&t.name.as_str())) {
        let any: bool = target.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM {})", table.name),
            params![],
            |r| r.get(0),
        )?;
        if any {
            return Err(StoreError::Refused(format!(
                "{label} already holds data (table {}); store migrate only fills an empty \
                 database: point --to at a new one, or drop and recreate it",
                table.name
            )));
        }
    }
    Ok(())
}

/// Copies one table in rowid order, `BATCH_ROWS` rows per `INSERT`. Returns the row count.
fn copy_table(source: &Db, target: &Db, table: &TableCopy) -> Result<u64> {
    let sqlite = source
        .as_sqlite()
        .ok_or_else(|| StoreError::Invalid("source is not SQLite".into()))?;
    let names = quoted_columns(table);
    let select = format!(
        "SELECT rowid, {} FROM {} WHERE rowid > ?1 ORDER BY rowid LIMIT {BATCH_ROWS}",
        names.join(", "),
        table.name
    );
    let mut stmt = sqlite.prepare(&select)?;
    let mut after = i64::MIN;
    let mut copied = 0u64;
    loop {
        let mut rows = stmt.query([after])?;
        let mut batch: Vec<OwnedValue> = Vec::with_capacity(BATCH_ROWS * names.len());
        let mut count = 0usize;
        while let Some(row) = rows.next()? {
            after = row.get(0)?;
            for i in 0..names.len() {
                batch.push(from_sqlite(row.get_ref(i + 1)?));
            }
            count += 1;
        }
        if count == 0 {
            return Ok(copied);
        }
        target.execute(&insert_sql(table, count), params_from_iter(&batch))?;
        copied += count as u64;
        if count < BATCH_ROWS {
            return Ok(copied);
        }
    }
}

/// The table's column names, quoted (`user` is a reserved word in PostgreSQL; both engines
/// take double quotes).
fn quoted_columns(table: &TableCopy) -> Vec<String> {
    table
        .columns
        .iter()
        .map(|(c, _)| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect()
}

/// `INSERT INTO t (a, b) VALUES (CAST(?1 AS bigint), CAST(?2 AS text)), (…)`: the casts make a
/// value SQLite stored loosely (an integer in a text column) land in the target's strict type.
fn insert_sql(table: &TableCopy, rows: usize) -> String {
    let names = quoted_columns(table);
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name, names.join(", "));
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (i, (_, ty)) in table.columns.iter().enumerate() {
            n += 1;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("CAST(?{n} AS {ty})"));
        }
        sql.push(')');
    }
    sql
}

/// Every identity column's sequence continues after the largest copied id.
fn move_identities_past_copied_ids(target: &Db) -> Result<()> {
    let mut stmt = target.prepare(
        "SELECT table_name, column_name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name",
    )?;
    let identities = stmt
        .query_map(params![], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>>>()?;
    drop(stmt);
    for (table, column) in identities {
        // setval(seq, max, true): the next id is max + 1. An empty table keeps its sequence.
        target.execute_batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), MAX({column})) \
             FROM {table} HAVING MAX({column}) IS NOT NULL"
        ))?;
    }
    Ok(())
}

/// Moves a copied SQLite store aside (`snowlink.db` → `snowlink.db.migrated`, with its `-wal`
/// and `-shm` if SQLite left them), so nothing still pointed at the old file — a `sync`, a
/// dashboard — can deliver what the team's workers now deliver. The old data stays readable
/// under the new name; renaming it back undoes the move. Call it after the store is closed.
pub fn retire_sqlite_file(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut retired = path.as_os_str().to_owned();
    retired.push(".migrated");
    let retired = std::path::PathBuf::from(retired);
    if retired.exists() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} exists (an earlier migration); move it away and run store migrate again",
                retired.display()
            ),
        ));
    }
    for suffix in ["-wal", "-shm"] {
        let mut from = path.as_os_str().to_owned();
        from.push(suffix);
        let mut to = retired.as_os_str().to_owned();
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    std::fs::rename(path, &retired)?;
    Ok(retired)
}
