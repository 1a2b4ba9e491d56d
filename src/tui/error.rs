//! Errors that stop the dashboard from starting or running. Everything else is shown on screen.

use super::keymap::KeymapErrors;

#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error(
        "the dashboard needs an interactive terminal (stdin and stdout must be a tty); \
         run a subcommand instead, e.g. `snowlink anomalies --json`"
    )]
    NotATty,
    #[error("{0}\n(fix the [keys] table in the config file; `snowlink config check` validates it)")]
    Keymap(#[from] KeymapErrors),
    #[error("terminal I/O failed: {0}")]
    Io(#[from] std::io::Error),
}
