//! Exit codes of the CLI contract (DESIGN.md): stable, documented in docs/json-output.md.

/// Why the process ends; `code()` is what scripts see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok,
    Error,
    UsageOrConfig,
    AuthOrPermission,
    Unreachable,
    NotFound,
    Pending,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Error => 1,
            Exit::UsageOrConfig => 2,
            Exit::AuthOrPermission => 3,
            Exit::Unreachable => 4,
            Exit::NotFound => 5,
            Exit::Pending => 6,
        }
    }

    /// Stable machine name used in `--json` error envelopes.
    pub fn name(self) -> &'static str {
        match self {
            Exit::Ok => "ok",
            Exit::Error => "error",
            Exit::UsageOrConfig => "usage",
            Exit::AuthOrPermission => "auth",
            Exit::Unreachable => "unreachable",
            Exit::NotFound => "not_found",
            Exit::Pending => "pending",
        }
    }
}
