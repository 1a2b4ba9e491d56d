//! Everything the commands print on stdout goes through here: one JSON document per `--json`
//! command, or lines of human text.
//!
//! `println!` panics when stdout is a pipe whose reader has gone (`snowlink anomalies | head -1`).
//! The writers here treat that as the reader's decision: the process ends at once, quietly, with
//! [`STDOUT_CLOSED_EXIT`] (docs/json-output.md, "Closed stdout"), the way a Unix tool killed by
//! SIGPIPE ends. Any other write failure (a full disk behind `>`) is reported and exits 1.

use std::io::{self, Write};

use serde::Serialize;

/// 128 + SIGPIPE (13): what a shell reports for a tool ended by a closed pipe, so
/// `set -o pipefail` scripts see the same status from snowlink as from `seq` or `grep`.
pub const STDOUT_CLOSED_EXIT: i32 = 141;

/// Prints a line on stdout like `println!`, but a closed stdout ends the process quietly
/// instead of panicking (see the module comment).
macro_rules! outln {
    () => {
        $crate::cli::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// `eprintln!` for warnings and progress, with the same rule for a closed reader:
/// `snowlink sync --watch 2>&1 | head -1` ends quietly too.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::cli::output::error_line(format_args!($($arg)*))
    };
}
pub(crate) use errln;

/// Writes `args` and a newline to stdout, ending the process when stdout cannot take it.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = written {
        stdout_failed(&e);
    }
}

/// Writes `args` and a newline to stderr. A closed pipe ends the process like one on stdout;
/// any other failure is ignored, since stderr is where it would be reported.
pub fn error_line(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let written = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
    if written.is_err_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
        std::process::exit(STDOUT_CLOSED_EXIT);
    }
}

/// Ends the process after a failed write to stdout. Nothing else can usefully be printed there,
/// and stopping here loses no work: store changes are transactional and the outbox survives a
/// kill at any point (docs/sync.md, "Exactly once").
fn stdout_failed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(STDOUT_CLOSED_EXIT);
    }
    error_line(format_args!(
        "snowlink: cannot write to stdout: {e}; check the file or pipe stdout is sent to (a full disk?)"
    ));
    std::process::exit(1);
}

/// Prints `value` as one pretty JSON document. Serialization of our own types cannot fail in
/// practice; if it ever does, say so on stderr rather than printing half a document.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => line(format_args!("{text}")),
        Err(e) => error_line(format_args!("snowlink: cannot encode JSON output: {e}")),
    }
}

/// One `config check` / `doctor` line: a fixed-width level tag (text, never colour alone), the
/// subject, the message.
pub fn finding(level: crate::config::Level, subject: &str, message: &str) {
    use crate::config::Level;
    let tag = match level {
        Level::Ok => "ok   ",
        Level::Info => "info ",
        Level::Warn => "warn ",
        Level::Error => "ERROR",
    };
    line(format_args!("{tag} {subject}: {message}"));
}
