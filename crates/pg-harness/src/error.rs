//! Why a cluster could not be started or used. Each message names the cause and the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    #[error(
        "PostgreSQL is not installed: no `{program}` in $SNOWLINK_PG_BIN, on PATH or under /usr/lib/postgresql/*/bin; install it (`apt-get install postgresql`) or run `scripts/test`, which installs it"
    )]
    NotInstalled { program: &'static str },

    #[error(
        "SNOWLINK_PG_BIN={dir} has no executable `{program}`; point it at PostgreSQL's bin directory (e.g. /usr/lib/postgresql/15/bin) or unset it"
    )]
    BadBinDir { dir: PathBuf, program: &'static str },

    #[error(
        "running as root, but there is no `postgres` OS user to run the server as (PostgreSQL refuses root); install PostgreSQL's package (`apt-get install postgresql`), which creates it, or run the tests as a normal user"
    )]
    NoPostgresUser,

    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },

    #[error("`{command}` failed ({status}): {output}")]
    Command {
        command: String,
        status: String,
        output: String,
    },

    #[error("the server exited while starting ({status}); its log ends with:\n{log}")]
    ServerExited { status: String, log: String },

    #[error(
        "the server did not accept connections within {secs} s (last error: {last}); its log ends with:\n{log}"
    )]
    NotReady {
        secs: u64,
        last: String,
        log: String,
    },

    #[error("as the superuser: {0}")]
    Sql(#[from] postgres::Error),

    #[error(
        "`{0}` is not a usable database name: use lowercase letters, digits and _ (at most 63)"
    )]
    BadName(String),

    #[error("the cluster's supervisor thread is gone")]
    SupervisorGone,
}

pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> HarnessError {
    let what = what.into();
    move |source| HarnessError::Io { what, source }
}
