//! How an idle worker learns that there is work: an in-process [`Notify`] (the dashboard, after
//! queueing) and, from other processes, the worker's wake-up socket (SQLite) or the store's
//! `LISTEN snowlink_outbox` channel (PostgreSQL, any host) (docs/store.md §Wake-ups). Without
//! either, the poll interval is the fallback.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use tokio::net::UnixDatagram;
use tokio::sync::Notify;

use crate::store::{StoreLocation, WAKE_CHANNEL, wake_socket_path};

#[derive(Debug)]
pub(crate) struct Wake {
    notify: Arc<Notify>,
    socket: Option<(UnixDatagram, PathBuf)>,
    /// Set when the worker is done: the PostgreSQL listener thread sees it within a second.
    stop_listening: Option<Arc<AtomicBool>>,
}

impl Wake {
    /// Binds the wake-up socket of `owner`; a failure (path too long for a socket, read-only
    /// directory) is logged and leaves polling as the only cross-process wake-up.
    pub(crate) fn bind(location: &StoreLocation, owner: &str) -> Wake {
        let db_path = match location {
            StoreLocation::File(path) => path,
            StoreLocation::Postgres(_) => return Wake::listen(location),
        };
        let path = wake_socket_path(db_path, owner);
        let _ = std::fs::remove_file(&path);
        let socket = match UnixDatagram::bind(&path) {
            Ok(s) => Some((s, path)),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e,
                    "no wake-up socket; work queued by other processes is seen on the next poll");
                None
            }
        };
        Wake {
            notify: Arc::new(Notify::new()),
            socket,
            stop_listening: None,
        }
    }

    /// Listens on the store's channel from a thread with a session of its own (the blocking
    /// client waits for notifications there, never on a tokio worker). A lost session is opened
    /// again, and the worker woken once, since what was sent meanwhile is gone with it.
    fn listen(location: &StoreLocation) -> Wake {
        let notify = Arc::new(Notify::new());
        let stop = Arc::new(AtomicBool::new(false));
        let (n, s, location) = (notify.clone(), stop.clone(), location.clone());
        let started = std::thread::Builder::new()
            .name("snowlink-listen".into())
            .spawn(move || listen_loop(&location, &n, &s));
        if let Err(e) = started {
            tracing::warn!(error = %e, "no listener thread; work queued elsewhere is seen on the next poll");
        }
        Wake {
            notify,
            socket: None,
            stop_listening: Some(stop),
        }
    }

    pub(crate) fn notifier(&self) -> Arc<Notify> {
        self.notify.clone()
    }

    /// Resolves when woken, by this process or another. Extra pokes that arrived meanwhile are
    /// drained so one burst of commits wakes the worker once.
    pub(crate) async fn woken(&self) {
        match &self.socket {
            Some((socket, _)) => {
                let mut buf = [0u8; 16];
                tokio::select! {
                    _ = self.notify.notified() => {}
                    _ = socket.recv(&mut buf) => {}
                }
                while socket.try_recv(&mut buf).is_ok() {}
            }
            None => self.notify.notified().await,
        }
    }
}

fn listen_loop(location: &StoreLocation, notify: &Notify, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let mut session = match location.session().and_then(|mut c| {
            Ok(c.batch_execute(&format!("LISTEN {WAKE_CHANNEL}"))
                .map(|()| c)?)
        }) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for wake-ups; retrying");
                std::thread::sleep(Duration::from_secs(2));
                continue;
            }
        };
        notify.notify_one();
        while !stop.load(Ordering::Relaxed) {
            let next = session
                .notifications()
                .timeout_iter(Duration::from_secs(1))
                .next();
            match next {
                Ok(Some(_)) => notify.notify_one(),
                Err(_) => break,
                Ok(None) if session.is_closed() => break,
                Ok(None) => {}
            }
        }
    }
}

impl Drop for Wake {
    fn drop(&mut self) {
        if let Some(stop) = &self.stop_listening {
            stop.store(true, Ordering::Relaxed);
        }
        if let Some((_, path)) = &self.socket {
            let _ = std::fs::remove_file(path);
        }
    }
}
