//! PostgreSQL's queue mechanics (docs/store.md §Claims, §Worker liveness): these run on a real
//! server in every test run (the cluster is started here when missing, never skipped).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::mpsc;
use std::time::Duration;

use super::outbox::{DeliveryKind, NewDelivery};
use super::test_support::{cluster, incident, open_postgres, t};
use super::{PgOwnerLock, Store};

const LEASE: Duration = Duration::from_secs(3600);

fn note(store: &mut Store, sys_id: &str) -> i64 {
    let d = NewDelivery::to_incident(&incident(sys_id), DeliveryKind::WorkNote, "n", None);
    store.enqueue(&d, t(0)).unwrap()
}

fn session(store: &Store) -> postgres::Client {
    let url = cluster().url_for(store.path().to_str().unwrap());
    postgres::Client::connect(&url, postgres::NoTls).unwrap()
}

/// A connect function for a liveness session on the test's database.
fn live(store: &Store) -> impl Fn() -> super::Result<postgres::Client> + Send + 'static {
    let url = cluster().url_for(store.path().to_str().unwrap());
    move || Ok(postgres::Client::connect(&url, postgres::NoTls)?)
}

/// The server process of the session holding `owner`'s liveness lock.
fn holder_of(store: &Store, owner: &str) -> i32 {
    // pg_locks shows a two-key advisory lock as classid, objid (oids: the keys' bits unsigned).
    let class = i64::from(super::owners_pg::OWNER_CLASS.cast_unsigned());
    let key = i64::from(super::owners_pg::owner_key(owner).cast_unsigned());
    session(store)
        .query_one(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 2",
            &[&class, &key],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_killed_workers_unexpired_claims_are_taken_over_at_once() {
    let mut store = open_postgres();
    let id = note(&mut store, "s1");
    let mut doomed = PgOwnerLock::acquire(live(&store), "doomed").unwrap();
    let doomed_pid = holder_of(&store, "doomed");
    let claimed = store.claim_next(doomed.owner(), t(1), LEASE, 10).unwrap();
    assert_eq!(claimed.iter().map(|d| d.id).collect::<Vec<_>>(), [id]);

    let mut rescuer_store = super::test_support::reopen_postgres(store.path());
    let _rescuer = PgOwnerLock::acquire(live(&store), "rescuer").unwrap();
    assert!(
        rescuer_store
            .claim_next("rescuer", t(2), LEASE, 10)
            .unwrap()
            .is_empty(),
        "a live worker's claim is respected"
    );
    assert!(
        PgOwnerLock::acquire(live(&store), "doomed").is_err(),
        "an owner id held by a live session cannot be taken twice"
    );

    // The worker's session ends as a SIGKILL would end it: nothing of the process is left to
    // reconnect, and the server drops the session.
    doomed.stop_keeping();
    let killed: bool = session(&store)
        .query_one("SELECT pg_terminate_backend($1)", &[&doomed_pid])
        .unwrap()
        .get(0);
    assert!(killed);
    drop(doomed); // its session is gone already; this ends its thread

    // The lease still has an hour to run (t(3) ≪ t(1) + 1 h): the hard case, a claim in flight.
    let taken = wait_for(|| {
        rescuer_store
            .claim_next("rescuer", t(3), LEASE, 10)
            .unwrap()
    });
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].id, id);
    assert!(taken[0].outcome_unknown, "read back before any resend");
    assert_eq!(taken[0].attempts, 2);
    assert_eq!(taken[0].lease_owner.as_deref(), Some("rescuer"));
}

/// The server ends a terminated session asynchronously; a few retries absorb that (no timing
/// is asserted: it loops until the lock is free, bounded by a generous limit).
fn wait_for<T>(mut f: impl FnMut() -> Vec<T>) -> Vec<T> {
    for _ in 0..500 {
        let got = f();
        if !got.is_empty() {
            return got;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the dead worker's claim was never taken over");
}

#[test]
fn a_claim_skips_a_head_another_worker_is_locking_instead_of_waiting_for_it() {
    let mut store = open_postgres();
    let held = note(&mut store, "s1");
    let free = note(&mut store, "s2");
    let path = store.path().to_owned();
    let _alive = PgOwnerLock::acquire(live(&store), "w").unwrap();

    // Another worker is in the middle of claiming s1's head: its row is locked.
    let mut other = session(&store);
    let mut tx = other.transaction().unwrap();
    tx.execute("SELECT id FROM outbox WHERE id = $1 FOR UPDATE", &[&held])
        .unwrap();

    let (send, recv) = mpsc::channel();
    let claimer = std::thread::spawn(move || {
        let got = store.claim_next("w", t(1), LEASE, 10).unwrap();
        send.send(got.iter().map(|d| d.id).collect::<Vec<_>>())
            .unwrap();
        store
    });
    let got = recv
        .recv_timeout(Duration::from_secs(60))
        .expect("the claim waited for the locked row instead of skipping it");
    assert_eq!(
        got,
        [free],
        "the locked head is skipped, the other queue claimed"
    );
    tx.rollback().unwrap();
    let mut store = claimer.join().unwrap();
    let got = store.claim_next("w", t(2), LEASE, 10).unwrap();
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), [held]);
    drop(path);
}

#[test]
fn a_write_committed_by_another_session_reaches_listeners_and_a_queued_note_wakes_workers() {
    let mut store = open_postgres();
    let url = cluster().url_for(store.path().to_str().unwrap());
    let location = super::StoreLocation::postgres(crate::config::PgStoreConfig {
        url: url.clone(),
        sslmode: crate::config::SslMode::Disable,
        ca_file: None,
        password: None,
        password_origin: None,
        connect_timeout: Duration::from_secs(10),
    });
    let (changes_tx, changes) = mpsc::channel();
    let (outbox_tx, outbox) = mpsc::channel();
    let _changes = super::listen(&location, super::CHANGES_CHANNEL, move || {
        let _ = changes_tx.send(());
    })
    .expect("a PostgreSQL store is listened to");
    let _outbox = super::listen(&location, super::WAKE_CHANNEL, move || {
        let _ = outbox_tx.send(());
    })
    .expect("a PostgreSQL store is listened to");
    // Each listener says once that it (re)started listening: anything before may be missed.
    changes.recv_timeout(Duration::from_secs(60)).unwrap();
    outbox.recv_timeout(Duration::from_secs(60)).unwrap();

    note(&mut store, "s1");
    changes
        .recv_timeout(Duration::from_secs(60))
        .expect("the committed write was announced on snowlink_changes");
    outbox
        .recv_timeout(Duration::from_secs(60))
        .expect("the queued note woke the workers on snowlink_outbox");
}

#[test]
fn the_store_carries_on_after_the_database_restarts() {
    // A cluster of its own: restarting the shared one would cut the other tests' sessions.
    let cluster = pg_harness::Cluster::start().unwrap();
    let url = cluster.fresh_database("restart").unwrap();
    let connect = move || Ok(postgres::Client::connect(&url, postgres::NoTls)?);
    let mut store = Store::open_postgres(connect, "restart").unwrap();
    let first = note(&mut store, "s1");
    cluster.restart().unwrap();

    // The call that meets the cut session may fail; the next ones run on a new session.
    let mut second = None;
    for _ in 0..5 {
        let d = NewDelivery::to_incident(&incident("s1"), DeliveryKind::WorkNote, "after", None);
        match store.enqueue(&d, t(1)) {
            Ok(id) => {
                second = Some(id);
                break;
            }
            Err(e) => eprintln!("after the restart: {e}"),
        }
    }
    let second = second.expect("the store works again after the restart");
    let reconnects = store.conn.as_postgres().unwrap().reconnects();
    assert!(
        reconnects >= 1,
        "the hard case: the session was lost and opened again"
    );
    let _alive = PgOwnerLock::acquire(
        {
            let url = cluster.url_for("restart");
            move || Ok(postgres::Client::connect(&url, postgres::NoTls)?)
        },
        "w",
    )
    .unwrap();
    let got = store.claim_next("w", t(2), LEASE, 10).unwrap();
    assert_eq!(got.iter().map(|d| d.id).collect::<Vec<_>>(), [first]);

    // A live worker's liveness survives a restart too: its lock is taken again on a new session.
    let keeper = PgOwnerLock::acquire(
        {
            let url = cluster.url_for("restart");
            move || Ok(postgres::Client::connect(&url, postgres::NoTls)?)
        },
        "keeper",
    )
    .unwrap();
    cluster.restart().unwrap();
    let mut alive_again = false;
    for _ in 0..600 {
        // The store's own session may meet the cut first: errors are retried.
        if let Ok(false) = super::owners_pg::owner_is_gone(&store.conn, keeper.owner()) {
            alive_again = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        alive_again,
        "the live worker's lock was never taken again after the restart"
    );
    store.mark_delivered(first, "w", t(3)).unwrap();
    let got = store.claim_next("w", t(4), LEASE, 10).unwrap();
    assert_eq!(
        got.iter().map(|d| d.id).collect::<Vec<_>>(),
        [second],
        "nothing lost, in order"
    );
}

/// A dashboard opens the store for every action: the session of a dropped store is reused by
/// the next open of the same location (same server process), never by two stores at once, and
/// a session the server cut is opened again on its next use.
#[test]
fn a_locations_sessions_are_reused_one_store_at_a_time() {
    let name = format!("pool{}", std::process::id());
    cluster().fresh_database(&name).unwrap();
    let location = super::StoreLocation::postgres(crate::config::PgStoreConfig {
        url: cluster().url_without_password(&name),
        sslmode: crate::config::SslMode::Disable,
        ca_file: None,
        password: Some(cluster().password().to_string().into()),
        password_origin: None,
        connect_timeout: Duration::from_secs(10),
    });
    let backend = |s: &Store| -> i64 {
        s.conn
            .query_row("SELECT CAST(pg_backend_pid() AS BIGINT)", [0i64; 0], |r| {
                r.get(0)
            })
            .unwrap()
    };
    let first = location.open().unwrap();
    let pid = backend(&first);
    drop(first);
    assert_eq!(location.idle_sessions(), 1);
    let (a, b) = (location.open().unwrap(), location.open().unwrap());
    assert_eq!(backend(&a), pid, "the idle session is reused");
    assert_ne!(backend(&b), pid, "a session serves one store at a time");
    drop((a, b));
    assert_eq!(location.idle_sessions(), 2);

    // The server ends the idle sessions: the next store on one of them works all the same.
    postgres::Client::connect(&cluster().url_for(&name), postgres::NoTls)
        .unwrap()
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    let mut reopened = location.open().unwrap();
    assert_ne!(
        backend(&reopened),
        pid,
        "a new session replaced the ended one"
    );
    let id = note(&mut reopened, "s-pool");
    assert!(reopened.outbox_get(id).unwrap().is_some());
}
