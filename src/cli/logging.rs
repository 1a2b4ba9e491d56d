//! Log file in the XDG state dir (`$XDG_STATE_HOME/snowlink/snowlink.log`). Never to the terminal:
//! the dashboard draws on it and `--json` owns stdout. `-v` raises the level; `RUST_LOG` overrides.
//! The directory is 0700 and the file 0600 whatever the umask, and the file is rotated by size
//! (docs/config.md, "Logs").

mod rotating;

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::Paths;

/// Owner only: the logs name instances, users and incidents.
pub const DIR_MODE: u32 = 0o700;
/// A log file is rotated once it reaches this size…
pub const MAX_LOG_BYTES: u64 = 10 * 1024 * 1024;
/// …and this many rotated files (`snowlink.log.1` … `.5`) are kept, so logs never take more
/// than about 60 MiB.
pub const KEPT_LOG_FILES: usize = 5;

/// Starts file logging; returns the guard that flushes on drop, or `None` when the log dir cannot
/// be created (logging is best effort and never stops a command).
pub fn init(paths: &Paths, verbose: u8) -> Option<WorkerGuard> {
    private_dir(&paths.log_dir).ok()?;
    let file = rotating::RotatingFile::open(
        &paths.log_dir,
        "snowlink.log",
        MAX_LOG_BYTES,
        KEPT_LOG_FILES,
    )
    .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let default = match verbose {
        0 => "warn",
        1 => "info,snowlink=debug",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Creates `dir` (and missing parents) and makes `dir` itself 0700, also when it already existed
/// with a looser mode. The parents (`~/.local/state`) are created 0700 too if missing, as the
/// XDG spec asks of its base directories.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    // The mode above is filtered through the umask and ignored for an existing directory.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))
}
