//! Connecting to a PostgreSQL store (docs/postgres.md §Connecting): the `[store]` URL with the
//! password from `password_command` / `password_env`, TLS through rustls as `sslmode` says
//! (`disable`, `require`: encrypted only, `verify-full`: chained to `ca_file` or the public
//! roots and naming the host), the whole connect bounded by `connect_timeout_secs`, and every
//! failure an error naming the cause and the fix. A Unix-socket host never uses TLS (the server
//! offers none there, and nothing crosses the network).

use std::sync::Arc;
use std::time::Duration;

use postgres::config::{Host, SslMode as PgSslMode};
use secrecy::ExposeSecret;

use crate::config::{PgStoreConfig, SslMode};

mod tls;

/// Why connecting failed; each message names the fix. None carries the password.
#[derive(Debug, thiserror::Error)]
pub enum PgConnectError {
    #[error(
        "[store] url is not a PostgreSQL URL the client understands ({reason}); fix url under [store] (docs/config.md)"
    )]
    BadUrl { reason: String },

    #[error(
        "cannot use [store] ca_file {path}: {reason}; point it at a PEM file holding the CA certificate that issued the server's certificate"
    )]
    CaFile { path: String, reason: String },

    #[error(
        "PostgreSQL at {target}: password authentication failed for user `{user}`; check the password [store] password_command / password_env gives, or the user name in [store] url"
    )]
    WrongPassword { target: String, user: String },

    #[error(
        "PostgreSQL at {target} needs a password for user `{user}` and none is configured; set password_command or password_env under [store]"
    )]
    NoPassword { target: String, user: String },

    #[error(
        "PostgreSQL at {target} refused user `{user}`: {message}; ask its administrator for a pg_hba.conf entry for this user, host and database (or fix the user in [store] url)"
    )]
    NotAllowed {
        target: String,
        user: String,
        message: String,
    },

    #[error(
        "PostgreSQL at {target} has no database `{database}`; create it owned by the store's user (`createdb -O {user} {database}`) or fix the database in [store] url"
    )]
    NoDatabase {
        target: String,
        user: String,
        database: String,
    },

    #[error(
        "PostgreSQL at {target} does not offer TLS, but [store] url asks for sslmode={mode}; turn ssl on in the server's postgresql.conf, or add sslmode=disable to the url if the network path is trusted"
    )]
    NoTls { target: String, mode: &'static str },

    #[error(
        "the certificate of PostgreSQL at {target} is not valid for `{host}` ({reason}); connect with a host name the certificate holds, or reissue the certificate with that name"
    )]
    CertificateMismatch {
        target: String,
        host: String,
        reason: String,
    },

    #[error(
        "the certificate of PostgreSQL at {target} is not trusted ({reason}); set ca_file under [store] to the CA certificate (PEM) that issued it"
    )]
    CertificateUntrusted { target: String, reason: String },

    #[error("TLS with PostgreSQL at {target} failed: {reason}")]
    Tls { target: String, reason: String },

    #[error(
        "cannot reach PostgreSQL at {target} ({reason}); is the server running and listening there (listen_addresses, port, socket directory)?"
    )]
    Unreachable { target: String, reason: String },

    #[error(
        "PostgreSQL at {target} did not complete the connection within {secs} s; check the host and port in [store] url, or raise connect_timeout_secs"
    )]
    Timeout { target: String, secs: u64 },

    #[error("PostgreSQL at {target}: {message}")]
    Server { target: String, message: String },
}

// Until the store's PostgreSQL engine (src/store/db) calls it, only the tests do.
/// Opens one connection as `cfg` says. Blocking (the sync client runs its own small runtime):
/// call it from a plain thread or `spawn_blocking`, never on a tokio worker.
pub(crate) fn connect(cfg: &PgStoreConfig) -> Result<postgres::Client, PgConnectError> {
    let mut pg: postgres::Config =
        cfg.url
            .parse()
            .map_err(|e: postgres::Error| PgConnectError::BadUrl {
                reason: e.to_string(),
            })?;
    if let Some(password) = &cfg.password {
        pg.password(password.expose_secret());
    }
    if pg.get_application_name().is_none() {
        // Shows who a session is in pg_stat_activity, for the team's administrator.
        pg.application_name("snowlink");
    }
    // A `connect_timeout` in the URL (libpq's parameter) wins over connect_timeout_secs.
    let timeout = pg
        .get_connect_timeout()
        .copied()
        .unwrap_or(cfg.connect_timeout);
    pg.connect_timeout(timeout);
    let facts = Facts::of(&pg);
    let network = pg.get_hosts().iter().any(|h| matches!(h, Host::Tcp(_)));
    let tls = match (cfg.sslmode, network) {
        (SslMode::Disable, _) | (_, false) => None,
        (mode, true) => Some(tls::client_config(mode, cfg.ca_file.as_deref())?),
    };
    pg.ssl_mode(if tls.is_some() {
        PgSslMode::Require
    } else {
        PgSslMode::Disable
    });
    // The client bounds each socket connect, not the handshake and authentication after it:
    // the whole attempt runs on its own thread and is given up on at the deadline (the thread
    // then ends with its attempt; its result is dropped).
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("pg-connect".into())
        .spawn(move || {
            let result = match tls {
                Some(config) => pg.connect(tokio_postgres_rustls::MakeRustlsConnect::new(
                    Arc::unwrap_or_clone(config),
                )),
                None => pg.connect(postgres::NoTls),
            };
            let _ = tx.send(result);
        })
        .map_err(|e| PgConnectError::Unreachable {
            target: facts.target.clone(),
            reason: format!("cannot start a thread: {e}"),
        })?;
    // A little past the socket-level bound, so a refused or timed-out socket reports its own
    // cause rather than this deadline.
    match rx.recv_timeout(timeout + Duration::from_millis(500)) {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(classify(&e, &facts, cfg.sslmode, timeout)),
        Err(_) => Err(PgConnectError::Timeout {
            target: facts.target,
            secs: timeout.as_secs(),
        }),
    }
}

/// What the messages name: where, as whom, which database.
struct Facts {
    target: String,
    host: String,
    user: String,
    database: String,
}

impl Facts {
    fn of(pg: &postgres::Config) -> Facts {
        let ports = pg.get_ports();
        let hosts: Vec<String> = pg
            .get_hosts()
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
                match h {
                    Host::Tcp(name) => format!("{name}:{port}"),
                    Host::Unix(dir) => format!("socket {}/.s.PGSQL.{port}", dir.display()),
                }
            })
            .collect();
        let host = match pg.get_hosts().first() {
            Some(Host::Tcp(name)) => name.clone(),
            Some(Host::Unix(dir)) => dir.display().to_string(),
            None => String::new(),
        };
        let user = pg.get_user().unwrap_or("?").to_owned();
        Facts {
            target: if hosts.is_empty() {
                "the default socket".to_owned()
            } else {
                hosts.join(", ")
            },
            host,
            database: pg.get_dbname().unwrap_or(&user).to_owned(),
            user,
        }
    }
}

fn classify(
    e: &postgres::Error,
    facts: &Facts,
    mode: SslMode,
    timeout: Duration,
) -> PgConnectError {
    let target = facts.target.clone();
    if let Some(db) = e.as_db_error() {
        let code = db.code().code();
        return match code {
            "28P01" => PgConnectError::WrongPassword {
                target,
                user: facts.user.clone(),
            },
            "28000" => PgConnectError::NotAllowed {
                target,
                user: facts.user.clone(),
                message: db.message().to_owned(),
            },
            "3D000" => PgConnectError::NoDatabase {
                target,
                user: facts.user.clone(),
                database: facts.database.clone(),
            },
            _ => PgConnectError::Server {
                target,
                message: format!("{} ({code})", db.message()),
            },
        };
    }
    let text = chain_text(e);
    if text.contains("server does not support TLS") {
        return PgConnectError::NoTls {
            target,
            mode: match mode {
                SslMode::Require => "require",
                _ => "verify-full",
            },
        };
    }
    if let Some(rustls_error) = find_rustls_error(e) {
        return tls::describe(rustls_error, target, facts.host.clone());
    }
    if text.contains("password missing") {
        return PgConnectError::NoPassword {
            target,
            user: facts.user.clone(),
        };
    }
    if let Some(io) = find_io_error(e) {
        return match io.kind() {
            std::io::ErrorKind::TimedOut => PgConnectError::Timeout {
                target,
                secs: timeout.as_secs(),
            },
            _ => PgConnectError::Unreachable {
                target,
                reason: io.to_string(),
            },
        };
    }
    PgConnectError::Server {
        target,
        message: text,
    }
}

/// The error and its causes, joined (the client's top message is often only "error connecting").
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut next = e.source();
    while let Some(s) = next {
        parts.push(s.to_string());
        next = s.source();
    }
    parts.join(": ")
}

/// Every error in the chain, including the one an `io::Error` wraps (which its `source` skips).
fn chain<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Vec<&'a (dyn std::error::Error + 'static)> {
    let mut out = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        out.push(err);
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            out.push(inner);
        }
        next = err.source();
    }
    out
}

fn find_rustls_error(e: &postgres::Error) -> Option<&rustls::Error> {
    chain(e)
        .into_iter()
        .find_map(|err| err.downcast_ref::<rustls::Error>())
}

fn find_io_error(e: &postgres::Error) -> Option<&std::io::Error> {
    chain(e)
        .into_iter()
        .find_map(|err| err.downcast_ref::<std::io::Error>())
}

#[cfg(test)]
#[path = "pg_connect_tests.rs"]
mod tests;
