//! How an idle worker learns that there is work: an in-process [`Notify`] (the dashboard, after
//! queueing) and, from other processes, the worker's wake-up socket (SQLite) or the store's
//! `LISTEN snowlink_outbox` channel (PostgreSQL, any host) (docs/store.md §Wake-ups). Without
//! either, the poll interval is the fallback.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::UnixDatagram;
use tokio::sync::Notify;

use crate::store::{StoreLocation, WAKE_CHANNEL, wake_socket_path};

#[derive(Debug)]
pub(crate) struct Wake {
    notify: Arc<Notify>,
    socket: Option<(UnixDatagram, PathBuf)>,
    /// PostgreSQL: the listener thread, stopped with the worker.
    _listener: Option<crate::store::Listener>,
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
            _listener: None,
        }
    }

    /// Listens on the store's channel (docs/store.md §Wake-ups): each notification wakes.
    fn listen(location: &StoreLocation) -> Wake {
        let notify = Arc::new(Notify::new());
        let n = notify.clone();
        let listener = crate::store::listen(location, WAKE_CHANNEL, move || n.notify_one());
        Wake {
            notify,
            socket: None,
            _listener: listener,
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

impl Drop for Wake {
    fn drop(&mut self) {
        if let Some((_, path)) = &self.socket {
            let _ = std::fs::remove_file(path);
        }
    }
}
