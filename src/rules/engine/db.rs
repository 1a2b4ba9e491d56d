//! The runner's store connection. The store is synchronous, so every call runs on a blocking
//! thread, never on a tokio worker the dashboard or the sync worker needs.

use std::sync::{Arc, Mutex};

use crate::store::StoreLocation;
use crate::store::{Store, StoreError};

use super::error::EngineError;

/// Cheap to clone; one connection shared by the runner's calls (one at a time).
#[derive(Debug, Clone)]
pub struct Db {
    store: Arc<Mutex<Store>>,
}

impl Db {
    pub async fn open(location: &StoreLocation) -> Result<Db, EngineError> {
        let path = location.clone();
        let store = tokio::task::spawn_blocking(move || path.open())
            .await
            .map_err(|e| EngineError::Task(e.to_string()))??;
        Ok(Db::from_store(store))
    }

    pub fn from_store(store: Store) -> Db {
        Db {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// Runs `f` with the store on a blocking thread.
    pub async fn call<R, F>(&self, f: F) -> Result<R, EngineError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            // A panic in an earlier call poisons the lock; the connection itself is still fine.
            let mut guard = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| EngineError::Task(e.to_string()))?
        .map_err(EngineError::from)
    }
}
