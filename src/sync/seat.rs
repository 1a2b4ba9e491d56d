//! What every outbox worker (ServiceNow or source write-back) holds for its life, taken in one
//! place so the two kinds cannot drift apart: its owner lock, its wake-up socket and its own
//! store connection (docs/sync.md §Rules, the owner lock).

use std::sync::Arc;

use crate::store::{OwnerLock, PgOwnerLock, StoreLocation};

use super::error::{Result, SyncError};
use super::store_handle::StoreHandle;
use super::wake::Wake;

pub(crate) struct Seat {
    /// Held while the worker lives: a claim under this owner is only ever made with the lock
    /// held, so another process may take over the claims of an owner whose lock is free.
    pub liveness: Liveness,
    pub wake: Wake,
    pub store: StoreHandle,
}

impl Seat {
    /// Liveness first (the lock), then the wake-up socket and the store connection.
    pub(crate) async fn take(location: &StoreLocation, owner: &str) -> Result<Seat> {
        let liveness = Liveness::take(location, owner).await?;
        let wake = Wake::bind(location, owner);
        let store = StoreHandle::open(location).await?;
        Ok(Seat {
            liveness,
            wake,
            store,
        })
    }
}

/// A worker's proof of life: the lock file's `flock` (SQLite) or a session-scoped advisory lock
/// on a session of its own (PostgreSQL; docs/store.md §Worker liveness).
/// Held, never read: dropping it is what tells the other workers this one is gone.
#[derive(Debug)]
pub(crate) enum Liveness {
    File(#[allow(dead_code)] Arc<OwnerLock>),
    Postgres(#[allow(dead_code)] Box<PgOwnerLock>),
}

impl Liveness {
    async fn take(location: &StoreLocation, owner: &str) -> Result<Liveness> {
        match location {
            StoreLocation::File(path) => OwnerLock::acquire(path, owner)
                .map(Liveness::File)
                .map_err(|e| {
                    SyncError::Task(format!(
                        "cannot take the worker lock in {}: {e}",
                        crate::store::lock_dir(path).display()
                    ))
                }),
            StoreLocation::Postgres(_) => {
                let (location, owner) = (location.clone(), owner.to_string());
                tokio::task::spawn_blocking(move || {
                    PgOwnerLock::acquire(move || location.session(), &owner)
                })
                .await
                .map_err(|e| SyncError::Task(format!("taking the worker lock stopped: {e}")))?
                .map(|l| Liveness::Postgres(Box::new(l)))
                .map_err(|e| SyncError::Task(format!("cannot take the worker lock: {e}")))
            }
        }
    }
}
