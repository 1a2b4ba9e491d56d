//! Log file in the XDG state dir (`$XDG_STATE_HOME/snowlink/snowlink.log`). Never to the terminal:
//! the dashboard draws on it and `--json` owns stdout. `-v` raises the level; `RUST_LOG` overrides.

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::config::Paths;

/// Starts file logging; returns the guard that flushes on drop, or `None` when the log dir cannot
/// be created (logging is best effort and never stops a command).
pub fn init(paths: &Paths, verbose: u8) -> Option<WorkerGuard> {
    std::fs::create_dir_all(&paths.log_dir).ok()?;
    let appender = tracing_appender::rolling::never(&paths.log_dir, "snowlink.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
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
