#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::store::schema::{MIGRATIONS, SCHEMA_VERSION};
use crate::store::test_support::{anomaly, key, t};

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
#[cfg(unix)]
fn creates_private_dir_and_file_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a").join("b").join("snowlink.db");
    let mut store = Store::open(&path).unwrap();
    store
        .upsert_anomalies("wh", &[anomaly("A-1")], t(0))
        .unwrap();
    assert_eq!(mode(&dir.path().join("a")), 0o700);
    assert_eq!(mode(&dir.path().join("a").join("b")), 0o700);
    assert_eq!(mode(&path), 0o600);
    for sidecar in ["snowlink.db-wal", "snowlink.db-shm"] {
        let p = path.with_file_name(sidecar);
        assert!(p.exists(), "{sidecar} exists while open in WAL mode");
        assert_eq!(mode(&p), 0o600, "{sidecar}");
    }
    let jm: String = store
        .conn
        .query_row("PRAGMA journal_mode", crate::store::db::params![], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(jm, "wal");
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.path(), path);
}

#[test]
#[cfg(unix)]
fn tightens_an_existing_loose_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snowlink.db");
    fs::write(&path, b"").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    Store::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn older_schema_is_migrated_and_data_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snowlink.db");
    {
        let old = open(&path, &MIGRATIONS[..1]).unwrap();
        assert_eq!(old.schema_version().unwrap(), 1);
        // Written as a version-1 build wrote it (today's upsert needs today's columns).
        old.conn
            .execute(
                "INSERT INTO anomalies (source, id, title, source_status, raw, status, \
                 first_seen_at, last_seen_at) VALUES ('wh', 'A-1', 't', 'active', \
                 '{\"id\":\"A-1\",\"title\":\"t\"}', 'active', 0, 0)",
                crate::store::db::params![],
            )
            .unwrap();
        let has_outbox: bool = old
            .conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'outbox')",
                crate::store::db::params![],
                |r| r.get(0),
            )
            .unwrap();
        assert!(!has_outbox);
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert!(store.get_anomaly(&key("A-1")).unwrap().is_some());
    assert_eq!(store.outbox_list(&Default::default()).unwrap(), vec![]);
    assert_eq!(store.audit_log(10).unwrap(), vec![]);
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snowlink.db");
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 5)
        .unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err();
    match &err {
        StoreError::SchemaTooNew {
            found, supported, ..
        } => {
            assert_eq!((*found, *supported), (SCHEMA_VERSION + 5, SCHEMA_VERSION));
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("newer than this snowlink supports"), "{msg}");
}

#[test]
fn many_connections_open_the_same_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snowlink.db");
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let p = path.clone();
            std::thread::spawn(move || Store::open(&p).map(|s| s.schema_version().unwrap()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap(), SCHEMA_VERSION);
    }
}

#[test]
fn unwritable_parent_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, b"x").unwrap();
    let err = Store::open(&file.join("sub").join("snowlink.db")).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot create data directory"));
}

#[test]
fn opening_a_current_store_takes_no_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    drop(Store::open(&path).unwrap());
    // Another connection holds the write lock (as a long transaction of another process would).
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // With the write lock taken elsewhere, an open that wanted it would fail with BUSY.
    let store = Store::open(&path).unwrap();
    // Reads keep working while the lock is held (WAL).
    assert_eq!(
        store.schema_version().unwrap(),
        crate::store::SCHEMA_VERSION
    );
    holder.execute_batch("COMMIT").unwrap();
}
