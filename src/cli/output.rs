//! Printing helpers shared by the commands: one JSON document per `--json` command on stdout.

use serde::Serialize;

/// Prints `value` as one pretty JSON document. Serialization of our own types cannot fail in
/// practice; if it ever does, say so on stderr rather than printing half a document.
pub fn json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("snowlink: cannot encode JSON output: {e}"),
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
    println!("{tag} {subject}: {message}");
}
