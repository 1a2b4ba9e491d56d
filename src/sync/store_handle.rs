//! One store connection owned by a dedicated thread, shared by a worker's tasks. SQLite calls
//! block (another process may hold the write lock for up to the busy timeout, and opening may
//! retry while a new file is being created), so none of them may run on a tokio worker that the
//! dashboard's event loop or another delivery needs: every call is sent to the store's own
//! thread and awaited, the thread runs them in order on its one connection.

use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::store::{Store, StoreError, StoreLocation};

use super::error::{Result, SyncError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// Cheap to clone; the thread ends when the last clone is dropped (after finishing the calls
/// already sent).
#[derive(Debug, Clone)]
pub(crate) struct StoreHandle {
    jobs: mpsc::Sender<Job>,
}

impl StoreHandle {
    /// Starts the store thread and opens the store at `path` on it.
    pub(crate) async fn open(location: &StoreLocation) -> Result<StoreHandle> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (opened_tx, opened) = oneshot::channel();
        let location = location.clone();
        std::thread::Builder::new()
            .name("snowlink-store".into())
            .spawn(move || match location.open() {
                Ok(mut store) => {
                    let _ = opened_tx.send(Ok(()));
                    while let Ok(job) = queue.recv() {
                        job(&mut store);
                    }
                }
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                }
            })
            .map_err(|e| SyncError::Task(format!("cannot start the store thread: {e}")))?;
        opened
            .await
            .map_err(|_| SyncError::Task("the store thread stopped while opening".into()))??;
        Ok(StoreHandle { jobs })
    }

    /// Runs `f` with the store on its thread and waits for the answer without blocking the
    /// async runtime.
    pub(crate) async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> Result<R, StoreError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            let _ = tx.send(f(store));
        });
        self.jobs
            .send(job)
            .map_err(|_| SyncError::Task("the store thread has stopped".into()))?;
        rx.await
            .map_err(|_| SyncError::Task("the store thread stopped during a call".into()))?
            .map_err(SyncError::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn calls_run_on_the_store_thread_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let handle = StoreHandle::open(&dir.path().join("s.db").into())
            .await
            .unwrap();
        let main = std::thread::current().id();
        let thread = handle
            .call(|_| Ok(std::thread::current().id()))
            .await
            .unwrap();
        assert_ne!(
            thread, main,
            "store work must not run on the runtime's thread"
        );
        let v = handle.call(|s| s.schema_version()).await.unwrap();
        assert_eq!(v, crate::store::SCHEMA_VERSION);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn an_unopenable_store_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        // A path below a regular file cannot be created.
        assert!(StoreHandle::open(&file.join("s.db").into()).await.is_err());
    }
}
