//! What every outbox worker (ServiceNow or source write-back) holds for its life, taken in one
//! place so the two kinds cannot drift apart: its owner lock, its wake-up socket and its own
//! store connection (docs/sync.md §Rules, the owner lock).

use std::path::Path;
use std::sync::Arc;

use crate::store::OwnerLock;

use super::error::{Result, SyncError};
use super::store_handle::StoreHandle;
use super::wake::Wake;

pub(crate) struct Seat {
    /// Held while the worker lives: a claim under this owner is only ever made with the lock
    /// held, so another process may take over the claims of an owner whose lock is free.
    pub liveness: Arc<OwnerLock>,
    pub wake: Wake,
    pub store: StoreHandle,
}

impl Seat {
    /// Liveness first (the lock), then the wake-up socket and the store connection.
    pub(crate) async fn take(store_path: &Path, owner: &str) -> Result<Seat> {
        let liveness = OwnerLock::acquire(store_path, owner).map_err(|e| {
            SyncError::Task(format!(
                "cannot take the worker lock in {}: {e}",
                crate::store::lock_dir(store_path).display()
            ))
        })?;
        let wake = Wake::bind(store_path, owner);
        let store = StoreHandle::open(store_path).await?;
        Ok(Seat {
            liveness,
            wake,
            store,
        })
    }
}
