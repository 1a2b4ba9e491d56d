//! Who holds outbox leases, and whether they are still alive (docs/store.md §Worker liveness).
//!
//! A lease on its own can only expire on a timer, so a worker killed with a request in flight
//! would block its incident queue until the timer ran out. Instead every worker holds an
//! exclusive `flock` on `<data dir>/workers/<owner>.lock` for as long as it lives: the kernel
//! drops that lock the moment the process dies (SIGKILL included), so any other process on the
//! same host can tell at once that the owner is gone and take its claims over. A lease held by a
//! live owner, or by an owner on another host (whose lock file we cannot see), is respected
//! until it expires.
//!
//! Owner ids are `<host>:<pid>:<random>`; the host is the kernel's hostname, not `$HOSTNAME`
//! (which non-interactive shells do not export).

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// The name of this machine as the kernel knows it (`/proc/sys/kernel/hostname`), else
/// `$HOSTNAME`, else `localhost`. Stable for the life of the process.
pub fn this_host() -> &'static str {
    static HOST: OnceLock<String> = OnceLock::new();
    HOST.get_or_init(|| {
        let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_string());
        let host = from_kernel
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| "localhost".to_string());
        // ':' separates the parts of an owner id; '/' would escape the lock directory.
        host.replace([':', '/'], "_")
    })
}

/// A new owner id for this process: `<host>:<pid>:<random>`.
pub fn new_owner_id() -> String {
    format!(
        "{}:{}:{:08x}",
        this_host(),
        std::process::id(),
        rand::random::<u32>()
    )
}

/// The host part of an owner id.
fn host_of(owner: &str) -> Option<&str> {
    owner.split(':').next().filter(|h| !h.is_empty())
}

/// The directory holding the lock files of workers using the store at `db_path`.
pub fn lock_dir(db_path: &Path) -> PathBuf {
    db_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("workers")
}

fn lock_path(db_path: &Path, owner: &str) -> PathBuf {
    lock_dir(db_path).join(format!("{}.lock", owner.replace('/', "_")))
}

/// Proof that an owner is alive: the held lock. Dropping the last handle releases the lock and
/// removes the file. Shared per (store, owner) inside a process, because a second `flock` of
/// the same file from this process would conflict with the first.
#[derive(Debug)]
pub struct OwnerLock {
    path: PathBuf,
    owner: String,
    _file: File,
}

impl OwnerLock {
    /// Takes (or shares, within this process) the liveness lock of `owner` for the store at
    /// `db_path`. Must be held before the owner claims anything.
    pub fn acquire(db_path: &Path, owner: &str) -> io::Result<Arc<OwnerLock>> {
        static HELD: OnceLock<Mutex<HashMap<PathBuf, Weak<OwnerLock>>>> = OnceLock::new();
        let path = lock_path(db_path, owner);
        let held = HELD.get_or_init(|| Mutex::new(HashMap::new()));
        let mut held = held
            .lock()
            .map_err(|_| io::Error::other("owner lock registry poisoned"))?;
        if let Some(live) = held.get(&path).and_then(Weak::upgrade) {
            return Ok(live);
        }
        create_private_dir(&lock_dir(db_path))?;
        let file = private_file(&path)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("worker id {owner} is already in use by another process"),
                ));
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
        let lock = Arc::new(OwnerLock {
            path: path.clone(),
            owner: owner.to_string(),
            _file: file,
        });
        held.retain(|_, w| w.strong_count() > 0);
        held.insert(path, Arc::downgrade(&lock));
        Ok(lock)
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        // Remove first, then the lock goes with the file handle. A checker that opened the file
        // just before the removal sees it unlocked and rightly concludes the owner is gone.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `owner` is known to be gone: it ran on this host and its lock is not held (or its
/// lock file does not exist). An owner on another host, or whose liveness cannot be checked, is
/// presumed alive: its lease is respected until it expires.
pub fn owner_is_gone(db_path: &Path, owner: &str) -> bool {
    if host_of(owner) != Some(this_host()) {
        return false;
    }
    let path = lock_path(db_path, owner);
    let file = match OpenOptions::new().read(true).write(true).open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return true,
        Err(_) => return false,
    };
    match file.try_lock_shared() {
        Ok(()) => {
            // Nobody holds it: the owner died without removing its file. Clean up.
            let _ = std::fs::remove_file(&path);
            true
        }
        Err(_) => false,
    }
}

fn private_file(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_held_lock_is_alive_and_a_dropped_one_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("snowlink.db");
        let owner = new_owner_id();
        let lock = OwnerLock::acquire(&db, &owner).unwrap();
        assert!(!owner_is_gone(&db, &owner));
        // Shared within the process rather than conflicting with itself.
        let again = OwnerLock::acquire(&db, &owner).unwrap();
        assert!(Arc::ptr_eq(&lock, &again));
        drop(lock);
        assert!(!owner_is_gone(&db, &owner));
        drop(again);
        assert!(owner_is_gone(&db, &owner));
    }

    #[test]
    fn an_unlocked_leftover_file_means_the_owner_died() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("snowlink.db");
        let owner = format!("{}:999999:deadbeef", this_host());
        create_private_dir(&lock_dir(&db)).unwrap();
        std::fs::write(lock_path(&db, &owner), b"").unwrap();
        assert!(owner_is_gone(&db, &owner));
        assert!(!lock_path(&db, &owner).exists(), "leftover removed");
    }

    #[test]
    fn owners_on_other_hosts_are_presumed_alive() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("snowlink.db");
        assert!(!owner_is_gone(&db, "some-other-host:1:00000000"));
        assert!(!owner_is_gone(&db, ""));
    }

    #[test]
    fn owner_ids_name_this_host_and_process() {
        let id = new_owner_id();
        assert!(id.starts_with(&format!("{}:{}:", this_host(), std::process::id())));
        assert_ne!(id, new_owner_id());
        assert_ne!(this_host(), "");
    }
}
