//! Worker liveness on PostgreSQL (docs/store.md §Worker liveness): a session-scoped advisory
//! lock instead of a lock file.
//!
//! A worker holds `pg_advisory_lock(OWNER_CLASS, hash(owner))` on a connection of its own for
//! as long as it lives. The server releases the lock the moment that session ends — the process
//! killed, the machine gone, the connection cut — so any other worker, on any host, can tell at
//! once that the owner is gone and take its claims over. (The lock-file scheme of SQLite mode
//! can only see owners on its own host.) The lock is on its own connection because advisory
//! locks are re-entrant within a session: the store's connection asking about an owner it held
//! itself would always get the lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use postgres::Client;

use super::db::{Db, PgThread, params};
use super::{Result, StoreError};

/// The first key of every owner lock (`'ownr'`); the second is the owner id's hash.
pub(crate) const OWNER_CLASS: i32 = 0x6f77_6e72;

/// A 32-bit FNV-1a hash of the owner id: the advisory lock's second key. Two live owners whose
/// ids collide cannot both start (the second is refused and picks a new id); a collision never
/// makes a live owner look gone.
pub(crate) fn owner_key(owner: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in owner.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // The bits as they are: the lock key is any 32-bit integer.
    i32::from_ne_bytes(h.to_ne_bytes())
}

/// Proof that an owner is alive on PostgreSQL: the session holding its advisory lock. Dropping
/// it closes the session, which releases the lock.
pub struct PgOwnerLock {
    /// Tells the keeper thread to stop (it exits within a quarter second).
    stop: Arc<AtomicBool>,
    #[cfg_attr(not(test), allow(dead_code))] // joined only by tests (`stop_keeping`)
    keeper: Option<std::thread::JoinHandle<()>>,
    /// The session (on its own thread) ends when this and the keeper's handle are dropped.
    _session: Arc<PgThread>,
    owner: String,
}

impl std::fmt::Debug for PgOwnerLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgOwnerLock")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl PgOwnerLock {
    /// Takes the liveness lock of `owner` on a session of its own, opened by `connect`.
    pub fn acquire<F>(connect: F, owner: &str) -> Result<PgOwnerLock>
    where
        F: Fn() -> Result<Client> + Send + 'static,
    {
        let session = PgThread::start(connect)?;
        let key = owner_key(owner);
        let locked: bool = session.run(move |c| {
            c.query_one("SELECT pg_try_advisory_lock($1, $2)", &[&OWNER_CLASS, &key])?
                .try_get(0)
        })??;
        if !locked {
            return Err(StoreError::Invalid(format!(
                "worker id {owner} is already in use by another live worker"
            )));
        }
        let session = Arc::new(session);
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, name, kept) = (stop.clone(), owner.to_string(), session.clone());
        let keeper = std::thread::Builder::new()
            .name("snowlink-liveness".into())
            .spawn(move || keep(&kept, key, &name, &flag))
            .map_err(|e| StoreError::Connect(format!("cannot start the liveness thread: {e}")))?;
        Ok(PgOwnerLock {
            stop,
            keeper: Some(keeper),
            _session: session,
            owner: owner.to_string(),
        })
    }

    /// Stops keeping the lock without closing the session, as a killed process would leave it
    /// (the test then ends the session on the server's side).
    #[cfg(test)]
    pub(crate) fn stop_keeping(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(keeper) = self.keeper.take() {
            let _ = keeper.join();
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }
}

impl Drop for PgOwnerLock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Keeps the lock for the life of the worker: once a second the session is touched, which opens
/// it again if it was lost (a database restart, a cut connection), and a new session takes the
/// lock again — a live worker does not stay "gone" after a restart. (Between the cut and the
/// new lock another worker may take this one's claims over; that is the takeover path, read
/// back before any resend, and this worker's next outcome for them finds its lease lost.)
fn keep(session: &PgThread, key: i32, owner: &str, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(250));
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let before = session.generation();
        let _ = session.run(|c| c.simple_query("SELECT 1").map(|_| ()));
        if session.generation() == before {
            continue;
        }
        let relocked = session.run(move |c| {
            c.query_one("SELECT pg_try_advisory_lock($1, $2)", &[&OWNER_CLASS, &key])
                .and_then(|r| r.try_get::<_, bool>(0))
        });
        match relocked {
            Ok(Ok(true)) => tracing::info!(owner, "liveness lock taken again on a new session"),
            other => tracing::warn!(owner, ?other, "liveness lock not taken again"),
        }
    }
}

/// Whether `owner`'s session is gone: nobody holds its lock. Asked on the store's connection,
/// which never holds owner locks itself; the lock taken to ask is given back at once.
pub(crate) fn owner_is_gone(db: &Db, owner: &str) -> Result<bool> {
    let free: bool = db.query_row(
        "SELECT pg_try_advisory_lock(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))",
        params![OWNER_CLASS, owner_key(owner)],
        |r| r.get(0),
    )?;
    if free {
        db.query_row(
            "SELECT pg_advisory_unlock(CAST(?1 AS INTEGER), CAST(?2 AS INTEGER))",
            params![OWNER_CLASS, owner_key(owner)],
            |r| r.get::<_, bool>(0),
        )?;
    }
    Ok(free)
}

#[cfg(test)]
mod tests {
    #[test]
    fn owner_keys_are_stable_and_spread() {
        assert_eq!(super::owner_key("a"), super::owner_key("a"));
        assert_ne!(
            super::owner_key("host:1:0001"),
            super::owner_key("host:1:0002")
        );
    }
}
