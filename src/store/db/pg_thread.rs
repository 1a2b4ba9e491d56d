//! A PostgreSQL session owned by a thread of its own.
//!
//! The `postgres` crate's blocking client runs each call on a small runtime of its own, which
//! panics when the calling thread is already driving async tasks — and so does dropping it.
//! The store is called from blocking threads by design, but a call that slips onto a tokio
//! worker must cost what a SQLite call costs there (a wait), never a crash. So the client
//! lives on this thread, from connecting to closing; callers hand it jobs and wait for the
//! answer on a channel, from any thread (docs/store.md §Engines).

use std::sync::mpsc;

use postgres::Client;

use crate::store::StoreError;

type Job = Box<dyn FnOnce(&mut Client) + Send>;

pub struct PgThread {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for PgThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgThread").finish_non_exhaustive()
    }
}

impl PgThread {
    /// Starts the thread and runs `connect` on it; the session ends (and the thread with it)
    /// when the `PgThread` is dropped, after the jobs already sent.
    pub fn start<F>(connect: F) -> Result<PgThread, StoreError>
    where
        F: FnOnce() -> Result<Client, StoreError> + Send + 'static,
    {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready_tx, ready) = mpsc::channel();
        std::thread::Builder::new()
            .name("snowlink-pg".into())
            .spawn(move || match connect() {
                Ok(mut client) => {
                    let _ = ready_tx.send(Ok(()));
                    while let Ok(job) = queue.recv() {
                        job(&mut client);
                    }
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                }
            })
            .map_err(|e| StoreError::Connect(format!("cannot start its thread: {e}")))?;
        ready
            .recv()
            .map_err(|_| StoreError::Connect("its thread stopped while connecting".into()))??;
        Ok(PgThread { jobs })
    }

    /// Runs `f` with the session and returns its answer.
    pub fn run<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> R + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |client| {
            let _ = tx.send(f(client));
        });
        let lost = || StoreError::Connect("the session's thread stopped".into());
        self.jobs.send(job).map_err(|_| lost())?;
        rx.recv().map_err(|_| lost())
    }
}
