//! How an idle worker learns that there is work: an in-process [`Notify`] (the dashboard, after
//! queueing) and the worker's wake-up socket, which any process poking the store's workers
//! reaches (docs/store.md §Wake-ups). Without either, the poll interval is the fallback.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::UnixDatagram;
use tokio::sync::Notify;

use crate::store::wake_socket_path;

#[derive(Debug)]
pub(crate) struct Wake {
    notify: Arc<Notify>,
    socket: Option<(UnixDatagram, PathBuf)>,
}

impl Wake {
    /// Binds the wake-up socket of `owner`; a failure (path too long for a socket, read-only
    /// directory) is logged and leaves polling as the only cross-process wake-up.
    pub(crate) fn bind(db_path: &Path, owner: &str) -> Wake {
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
