//! A PostgreSQL session owned by a thread of its own.
//!
//! The `postgres` crate's blocking client runs each call on a small runtime of its own, which
//! panics when the calling thread is already driving async tasks — and so does dropping it.
//! The store is called from blocking threads by design, but a call that slips onto a tokio
//! worker must cost what a SQLite call costs there (a wait), never a crash. So the client
//! lives on this thread, from connecting to closing; callers hand it jobs and wait for the
//! answer on a channel, from any thread (docs/store.md §Engines).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use postgres::Client;

use crate::store::StoreError;

/// A job, and whether the session may be opened again first if it was lost (never inside a
/// transaction: its statements would run outside it, on the new session).
type Job = (Box<dyn FnOnce(&mut Client) + Send>, bool);

pub struct PgThread {
    jobs: mpsc::Sender<Job>,
    /// How many times the session was opened again (a database restart, a cut connection):
    /// statements prepared on an earlier session are gone with it.
    generation: Arc<AtomicU64>,
}

impl std::fmt::Debug for PgThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgThread").finish_non_exhaustive()
    }
}

impl PgThread {
    /// Starts the thread and runs `connect` on it; the session ends (and the thread with it)
    /// when the `PgThread` is dropped, after the jobs already sent. A session found lost before
    /// a job that allows it is opened again with `connect`: after a database restart the
    /// call that met the cut fails, the next ones work (docs/store.md §Engines).
    pub fn start<F>(connect: F) -> Result<PgThread, StoreError>
    where
        F: Fn() -> Result<Client, StoreError> + Send + 'static,
    {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (ready_tx, ready) = mpsc::channel();
        let generation = Arc::new(AtomicU64::new(0));
        let reopened = generation.clone();
        std::thread::Builder::new()
            .name("snowlink-pg".into())
            .spawn(move || match connect() {
                Ok(mut client) => {
                    let _ = ready_tx.send(Ok(()));
                    while let Ok((job, may_reconnect)) = queue.recv() {
                        if may_reconnect && client.is_closed() {
                            match connect() {
                                Ok(fresh) => {
                                    client = fresh;
                                    reopened.fetch_add(1, Ordering::Relaxed);
                                    tracing::info!("the PostgreSQL session was opened again");
                                }
                                // The job runs on the closed session and fails with its error.
                                Err(e) => {
                                    tracing::warn!(error = %e, "cannot reconnect to PostgreSQL")
                                }
                            }
                        }
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
        Ok(PgThread { jobs, generation })
    }

    /// How many times the session was opened again.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// Runs `f` with the session and returns its answer (a lost session is opened again first).
    pub fn run<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> R + Send + 'static,
    {
        self.run_with(true, f)
    }

    /// [`PgThread::run`], opening a lost session again only if `may_reconnect`.
    pub fn run_with<R, F>(&self, may_reconnect: bool, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Client) -> R + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = (
            Box::new(move |client| {
                let _ = tx.send(f(client));
            }),
            may_reconnect,
        );
        let lost = || StoreError::Connect("the session's thread stopped".into());
        self.jobs.send(job).map_err(|_| lost())?;
        rx.recv().map_err(|_| lost())
    }
}
