//! Opening the file safely and bringing its schema up to date.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::{BUSY_TIMEOUT, Result, Store, StoreError};

pub(crate) fn open(path: &Path, migrations: &[&str]) -> Result<Store> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_private_dir(parent)?;
    }
    create_private_file(path)?;
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Switching to WAL needs an exclusive lock, and SQLite answers BUSY at once (without its busy
    // handler) when several processes open a brand-new file together: retry for a while.
    let mode: String = retry_busy(|| {
        let current: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if current.eq_ignore_ascii_case("wal") {
            return Ok(current);
        }
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
    })?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt(format!(
            "{}: cannot switch to WAL mode (got {mode}); is it on a network filesystem?",
            path.display()
        )));
    }
    // FULL: a committed outbox row survives power loss, not just a crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    restrict_sidecars(path)?;
    retry_busy_store(|| migrate(&mut conn, path, migrations))?;
    Ok(Store {
        conn: super::db::Db::sqlite(conn),
        path: path.to_owned(),
    })
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Retries `f` while SQLite says the database is busy, up to [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let until = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(e) if is_busy(&e) && std::time::Instant::now() < until => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

/// [`retry_busy`] for steps that return the store's error type.
fn retry_busy_store<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
    let until = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match f() {
            Err(StoreError::Sqlite(e)) if is_busy(&e) && std::time::Instant::now() < until => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

/// Applies the migrations not yet applied, each run under one write lock so two processes
/// opening an old file at once do not both migrate it.
pub(crate) fn migrate(conn: &mut Connection, path: &Path, migrations: &[&str]) -> Result<()> {
    let supported = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    // A current file (the common case: every command, every dashboard start) is checked with a
    // plain read, so opening never waits for, nor takes, the write lock.
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current == supported {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: u32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    if found == supported {
        return Ok(());
    }
    for sql in &migrations[found as usize..] {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", supported)?;
    tx.commit()?;
    Ok(())
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| StoreError::CreateDir {
            path: dir.to_owned(),
            source,
        })
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
        path: dir.to_owned(),
        source,
    })
}

/// Creates the database file empty with mode 0600 (or tightens an existing one) before SQLite
/// writes anything to it; SQLite then gives its -wal/-shm files the same mode.
///
/// An existing file is never opened here, only stat'ed and chmod'ed by path: closing any file
/// descriptor of a file drops every POSIX lock this *process* holds on it, so opening and
/// closing the database or its -shm file while another connection of this process has it open
/// would silently release that connection's SQLite locks (another process could then rebuild
/// the WAL index under it, and it would read a stale snapshot).
fn create_private_file(path: &Path) -> Result<()> {
    let err = |source| StoreError::Permissions {
        path: path.to_owned(),
        source,
    };
    match fs::metadata(path) {
        Ok(meta) => return restrict(&meta, path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    // Not there yet, so no connection of this process can hold locks on it.
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts.open(path).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    drop(file);
    restrict(&meta, path)
}

/// Tightens -wal/-shm by path (see [`create_private_file`] for why they are never opened).
fn restrict_sidecars(path: &Path) -> Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let p = PathBuf::from(p);
        if let Ok(meta) = fs::metadata(&p) {
            restrict(&meta, &p)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(meta: &fs::Metadata, path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if meta.permissions().mode() & 0o777 != 0o600 {
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(|source| {
            StoreError::Permissions {
                path: path.to_owned(),
                source,
            }
        })?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_meta: &fs::Metadata, _path: &Path) -> Result<()> {
    Ok(())
}

#[cfg(test)]
#[path = "open_tests.rs"]
mod tests;
