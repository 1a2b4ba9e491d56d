//! One store connection shared by a worker's tasks. SQLite calls block (and may wait for another
//! process's write lock up to the busy timeout), so each runs on the blocking pool, never on an
//! async worker thread the dashboard's event loop needs.

use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::store::{Store, StoreError};

use super::error::{Result, SyncError};

#[derive(Debug, Clone)]
pub(crate) struct StoreHandle(Arc<Mutex<Store>>);

impl StoreHandle {
    pub(crate) fn open(path: &Path) -> Result<StoreHandle> {
        Ok(StoreHandle(Arc::new(Mutex::new(Store::open(path)?))))
    }

    /// Runs `f` with the store on the blocking pool.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut store = inner.lock().map_err(|_| SyncError::Poisoned)?;
            f(&mut store).map_err(SyncError::from)
        })
        .await
        .map_err(|e| SyncError::Task(e.to_string()))?
    }
}
