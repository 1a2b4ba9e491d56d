//! Where clusters live: one directory each under `$TMPDIR/snowlink-pg-harness` (or
//! /tmp/snowlink-pg-harness when that path would make the socket's path too long for a Unix
//! socket address), with an `owner.pid` naming the test process that made it. A start first
//! removes the directories of test processes that are gone (killed before their Drop ran).

use std::path::{Path, PathBuf};

use crate::error::{HarnessError, io};
use crate::process::RunAs;

/// A socket path must fit in `sun_path` (108 bytes): keep the base short.
const MAX_BASE_LEN: usize = 60;

fn base() -> PathBuf {
    let tmp = std::env::temp_dir();
    let base = tmp.join("snowlink-pg-harness");
    if base.as_os_str().len() <= MAX_BASE_LEN {
        base
    } else {
        PathBuf::from("/tmp/snowlink-pg-harness")
    }
}

/// Makes a new, empty cluster directory (given to `run_as`), after sweeping stale ones.
pub(crate) fn new_cluster_dir(run_as: Option<RunAs>) -> Result<PathBuf, HarnessError> {
    use std::os::unix::fs::PermissionsExt;
    let base = base();
    if !base.is_dir() {
        std::fs::create_dir_all(&base).map_err(io(format!("creating {}", base.display())))?;
        // The postgres user must be able to reach its own directory inside.
        std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755))
            .map_err(io(format!("chmod {}", base.display())))?;
    }
    sweep(&base);
    let me = std::process::id();
    let dir = base.join(format!("{me}-{}", &crate::sql::random_secret()?[..8]));
    std::fs::create_dir(&dir).map_err(io(format!("creating {}", dir.display())))?;
    std::fs::write(dir.join("owner.pid"), me.to_string())
        .map_err(io(format!("writing {}/owner.pid", dir.display())))?;
    if let Some(user) = run_as {
        user.chown(&dir)?;
    }
    Ok(dir)
}

/// Removes cluster directories whose test process no longer runs, stopping a server left in
/// one (only if that pid is still a `postgres`).
fn sweep(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.filter_map(|e| e.ok()) {
        let dir = entry.path();
        let Some(owner) = read_pid(&dir.join("owner.pid")) else {
            continue;
        };
        if alive(owner) {
            continue;
        }
        if let Some(server) = read_pid(&dir.join("data/postmaster.pid"))
            && alive(server)
            && std::fs::read_to_string(format!("/proc/{server}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        {
            // SAFETY: a plain signal to a process checked to be a leftover postgres.
            unsafe { libc::kill(server, libc::SIGQUIT) };
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn read_pid(path: &Path) -> Option<libc::pid_t> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn alive(pid: libc::pid_t) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// A loopback port nobody listens on right now.
pub(crate) fn free_port() -> Result<u16, HarnessError> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(io("finding a free loopback port"))?;
    Ok(listener
        .local_addr()
        .map_err(io("finding a free loopback port"))?
        .port())
}
