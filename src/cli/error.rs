//! The one error type every command returns: a message that names the cause and the fix, and the
//! exit code of the CLI contract it maps to.

use std::fmt;

use super::exit::Exit;

#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::UsageOrConfig, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(Exit::NotFound, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Exit::Error, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::other(format!("I/O error: {e}"))
    }
}

pub type CliResult<T> = Result<T, CliError>;
