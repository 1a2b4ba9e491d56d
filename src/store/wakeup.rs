//! Waking idle workers when work is committed, in this process or another (docs/store.md
//! §Wake-ups). Each worker binds a Unix datagram socket `<data dir>/workers/<owner>.sock` next
//! to its liveness lock; whoever commits new or newly due deliveries sends one byte to every
//! socket there. A worker waiting for work wakes at once instead of on its next poll. Sending
//! never blocks and never fails the write: a full or dead socket is skipped (a dead one is
//! removed), and the worker's poll interval remains the fallback.

use std::io;
use std::path::{Path, PathBuf};

use super::owners::lock_dir;

/// The wake-up socket of `owner` for the store at `db_path`.
pub fn wake_socket_path(db_path: &Path, owner: &str) -> PathBuf {
    lock_dir(db_path).join(format!("{}.sock", owner.replace('/', "_")))
}

/// Pokes every worker of the store at `db_path`. Best effort, never blocks.
pub fn wake_workers(db_path: &Path) {
    let Ok(entries) = std::fs::read_dir(lock_dir(db_path)) else {
        return;
    };
    let Ok(sender) = std::os::unix::net::UnixDatagram::unbound() else {
        return;
    };
    let _ = sender.set_nonblocking(true);
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "sock") {
            continue;
        }
        match sender.send_to(b"!", &path) {
            Ok(_) => {}
            // Nobody is bound there any more: the worker died without cleaning up.
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                let _ = std::fs::remove_file(&path);
            }
            // Its queue is full: it has been woken already and not looked yet.
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_bound_worker_is_woken_and_a_dead_socket_removed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("snowlink.db");
        std::fs::create_dir_all(lock_dir(&db)).unwrap();
        let live = wake_socket_path(&db, "h:1:aaaa");
        let listener = std::os::unix::net::UnixDatagram::bind(&live).unwrap();
        let dead = wake_socket_path(&db, "h:2:bbbb");
        drop(std::os::unix::net::UnixDatagram::bind(&dead).unwrap());
        wake_workers(&db);
        let mut buf = [0u8; 8];
        assert_eq!(listener.recv(&mut buf).unwrap(), 1);
        assert!(!dead.exists(), "a socket nobody listens on is removed");
        assert!(live.exists());
    }

    #[test]
    fn no_worker_directory_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        wake_workers(&dir.path().join("snowlink.db"));
    }
}
