//! Helpers shared by the store's unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;

use crate::domain::{Anomaly, AnomalyKey, IncidentRef, IncidentState};

use super::{NewLink, Store};

/// A fresh store for one test: a file in a temp dir (keep the dir alive for the test's
/// duration), or, when `SNOWLINK_TEST_STORE=postgres`, a fresh database on a throwaway
/// PostgreSQL cluster (one per test process) — `scripts/test` runs the store's tests both ways.
pub fn open_temp() -> (TestDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    if postgres_run() {
        let store = open_postgres();
        let liveness = Some(hold_test_owners(store.path()));
        return (
            TestDir {
                _dir: dir,
                _liveness: liveness,
            },
            store,
        );
    }
    let store = Store::open(&dir.path().join("data").join("snowlink.db")).unwrap();
    (
        TestDir {
            _dir: dir,
            _liveness: None,
        },
        store,
    )
}

/// What a test's store needs kept for the test's duration: its temp dir and, on PostgreSQL,
/// the session holding the test owners' liveness locks.
pub struct TestDir {
    _dir: tempfile::TempDir,
    _liveness: Option<postgres::Client>,
}

/// The owner ids the store's tests claim with. On PostgreSQL an owner whose advisory lock
/// nobody holds is gone (its claims are taken over at once), as a killed worker's would be; a
/// running worker holds its lock, so the test holds these for it, on one session of its own.
/// (On SQLite these ids name no host, so they are presumed alive.)
const TEST_OWNERS: &[&str] = &["w", "w1", "w2", "other", "A", "B", "stalled-worker"];

fn hold_test_owners(db: &std::path::Path) -> postgres::Client {
    let name = db.to_str().unwrap();
    let mut session = postgres::Client::connect(&cluster().url_for(name), postgres::NoTls).unwrap();
    let workers: Vec<String> = (0..16).map(|w| format!("worker-{w}")).collect();
    for owner in TEST_OWNERS
        .iter()
        .copied()
        .chain(workers.iter().map(String::as_str))
    {
        session
            .execute(
                "SELECT pg_advisory_lock($1, $2)",
                &[
                    &super::owners_pg::OWNER_CLASS,
                    &super::owners_pg::owner_key(owner),
                ],
            )
            .unwrap();
    }
    session
}

/// Whether this test process runs the store's tests on PostgreSQL.
pub fn postgres_run() -> bool {
    match std::env::var("SNOWLINK_TEST_STORE").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Err(_) => false,
        Ok(other) => panic!("SNOWLINK_TEST_STORE={other}: expected sqlite or postgres"),
    }
}

/// The cluster this test process shares (it stops when the process ends).
pub fn cluster() -> &'static pg_harness::Cluster {
    static CLUSTER: std::sync::OnceLock<pg_harness::Cluster> = std::sync::OnceLock::new();
    CLUSTER.get_or_init(|| {
        pg_harness::Cluster::start()
            .unwrap_or_else(|e| panic!("the PostgreSQL store tests need a PostgreSQL server: {e}"))
    })
}

/// A new, empty PostgreSQL database opened as a store by the least-privilege role.
pub fn open_postgres() -> Store {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let url = cluster()
        .fresh_database(&format!("t{}_{n}", std::process::id()))
        .unwrap();
    let name = format!("t{}_{n}", std::process::id());
    Store::open_postgres(
        move || Ok(postgres::Client::connect(&url, postgres::NoTls)?),
        &name,
    )
    .unwrap()
}

/// Another connection to the store a test opened with [`open_temp`] (`path` is its
/// [`Store::path`]): as another process would open the same file or database.
pub fn reopen(path: &std::path::Path) -> Store {
    if postgres_run() {
        reopen_postgres(path)
    } else {
        Store::open(path).unwrap()
    }
}

/// Another connection to a store opened with [`open_postgres`].
pub fn reopen_postgres(path: &std::path::Path) -> Store {
    let name = path.to_str().unwrap();
    let url = cluster().url_for(name);
    Store::open_postgres(
        move || Ok(postgres::Client::connect(&url, postgres::NoTls)?),
        name,
    )
    .unwrap()
}

/// A fixed timestamp `secs` seconds after 2026-11-23 10:00:00 UTC.
pub fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_795_428_000 + secs).unwrap()
}

pub fn anomaly(id: &str) -> Anomaly {
    let raw =
        format!(r#"{{"id":"{id}","title":"Anomaly {id}","severity":"high","type":"record"}}"#);
    crate::domain::anomaly_from_json(&raw).unwrap()
}

pub fn key(id: &str) -> AnomalyKey {
    AnomalyKey::new("wh", id)
}

pub fn incident(sys_id: &str) -> IncidentRef {
    IncidentRef {
        instance: "prod".into(),
        table: "incident".into(),
        sys_id: sys_id.into(),
        number: format!("INC{sys_id}"),
    }
}

/// Loads anomalies `ids` into source `wh`.
pub fn seed(store: &mut Store, ids: &[&str]) {
    let list: Vec<Anomaly> = ids.iter().map(|id| anomaly(id)).collect();
    store.upsert_anomalies("wh", &list, t(0)).unwrap();
}

/// Links anomaly `id` to incident `sys_id` on `prod`, queueing nothing.
pub fn link(store: &mut Store, id: &str, sys_id: &str) {
    let l = NewLink {
        anomaly: key(id),
        incident: incident(sys_id),
        state: IncidentState::default(),
        read_at: None,
        linked_by: "ann".into(),
        linked_at: t(1),
    };
    assert!(store.add_link(&l, &[]).unwrap().created);
}
