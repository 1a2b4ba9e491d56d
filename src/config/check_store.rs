//! `config check` for `[store]` (docs/config.md §[store]): the URL's shape, the password
//! resolving (the helper is run; its output never shown), `ca_file` readable and holding a
//! certificate, and the TLS choice said plainly. Offline: nothing connects to the database (`--online`
//! does, in `cli/config_cmd.rs` through `StoreLocation::probe_postgres`). A
//! config without `[store]` settings (the SQLite file) adds no finding.

use std::time::Duration;

use super::check::{CheckReport, Level};
use super::env::Env;
use super::load::Config;
use super::store::SslMode;

const SUBJECT: &str = "store";

pub(super) fn check_store(cfg: &Config, env: &dyn Env, timeout: Duration, r: &mut CheckReport) {
    let store = &cfg.file.store;
    let pg = match store.postgres(env, timeout) {
        Ok(Some(pg)) => pg,
        Ok(None) => return,
        Err(e) => {
            r.push(Level::Error, SUBJECT, e.to_string());
            return;
        }
    };
    let tls = match pg.sslmode {
        SslMode::VerifyFull => "TLS, certificate verified",
        SslMode::Require => "TLS, certificate not verified",
        SslMode::Disable => "no TLS",
    };
    let password = match &pg.password_origin {
        Some(origin) => format!("password from {origin}"),
        None => "no password configured".to_owned(),
    };
    r.push(
        Level::Ok,
        SUBJECT,
        format!("PostgreSQL at {} ({tls}; {password})", pg.url),
    );
    let socket = is_socket_url(&pg.url);
    if pg.password_origin.is_none() {
        r.push(
            Level::Info,
            SUBJECT,
            "no password_command or password_env: only a server that trusts this user without one (peer authentication on a Unix socket) will accept it",
        );
    }
    if !socket && pg.sslmode == SslMode::Disable {
        r.push(
            Level::Warn,
            SUBJECT,
            "sslmode=disable: the password and every row cross the network unencrypted; use verify-full unless the path to the server is trusted",
        );
    }
    if !socket && pg.sslmode == SslMode::Require {
        r.push(
            Level::Warn,
            SUBJECT,
            "sslmode=require does not check whose certificate it is; set ca_file and use verify-full",
        );
    }
    if let Some(path) = &pg.ca_file {
        if pg.sslmode != SslMode::VerifyFull {
            r.push(
                Level::Warn,
                SUBJECT,
                format!(
                    "ca_file {} is only used with sslmode=verify-full",
                    path.display()
                ),
            );
        }
        match std::fs::read_to_string(path) {
            Ok(text) if text.contains("-----BEGIN CERTIFICATE-----") => r.push(
                Level::Ok,
                SUBJECT,
                format!("ca_file {} is readable", path.display()),
            ),
            Ok(_) => r.push(
                Level::Error,
                SUBJECT,
                format!(
                    "ca_file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----); point it at the CA certificate that issued the server's",
                    path.display()
                ),
            ),
            Err(e) => r.push(
                Level::Error,
                SUBJECT,
                format!(
                    "ca_file {} cannot be read ({e}); fix the path or its permissions",
                    path.display()
                ),
            ),
        }
    }
}

/// Every host is a socket directory (`%2F…` or `host=/…`): TLS does not apply.
fn is_socket_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let hosts = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    !hosts.is_empty()
        && hosts
            .split(',')
            .all(|h| h.starts_with("%2F") || h.starts_with("%2f"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use std::path::Path;

    use super::*;
    use crate::config::MapEnv;

    fn findings(store: &str, env: &MapEnv) -> Vec<(Level, String)> {
        let cfg = Config::from_str_at(store, Path::new("c.toml"), Some(0o600)).unwrap();
        let mut r = CheckReport::default();
        check_store(&cfg, env, Duration::from_secs(5), &mut r);
        r.findings
            .into_iter()
            .map(|f| {
                assert_eq!(f.subject, "store");
                (f.level, f.message)
            })
            .collect()
    }

    #[test]
    fn sqlite_adds_nothing_and_postgres_is_described_without_the_secret() {
        assert!(findings("", &MapEnv::new()).is_empty());
        let env = MapEnv::new().with("PGPW", "hunter2");
        let f = findings(
            "[store]\nurl = \"postgres://sn@db:5432/s\"\npassword_env = \"PGPW\"\n",
            &env,
        );
        assert_eq!(
            f,
            [(
                Level::Ok,
                "PostgreSQL at postgres://sn@db:5432/s (TLS, certificate verified; password from $PGPW)".to_owned()
            )]
        );
        let f = findings(
            "[store]\nurl = \"postgres://sn@db/s\"\npassword_command = \"echo hunter2\"\n",
            &env,
        );
        assert!(f[0].1.contains("password from command"), "{f:?}");
        assert!(!format!("{f:?}").contains("hunter2"));
    }

    #[test]
    fn weak_tls_a_bad_ca_file_and_a_failing_password_are_reported() {
        let env = MapEnv::new();
        let f = findings(
            "[store]\nurl = \"postgres://sn@db/s?sslmode=disable\"\npassword_command = \"exit 3\"\n",
            &env,
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, Level::Error);
        assert!(
            f[0].1.contains("password_command") && f[0].1.contains("status 3"),
            "{f:?}"
        );

        let f = findings(
            "[store]\nurl = \"postgres://sn@db/s?sslmode=disable\"\nca_file = \"/nonexistent/ca.pem\"\n",
            &env,
        );
        let levels: Vec<Level> = f.iter().map(|x| x.0).collect();
        assert_eq!(
            levels,
            [
                Level::Ok,
                Level::Info,
                Level::Warn,
                Level::Warn,
                Level::Error
            ],
            "{f:?}"
        );
        assert!(f[2].1.contains("unencrypted"), "{f:?}");
        assert!(
            f[3].1.contains("only used with sslmode=verify-full"),
            "{f:?}"
        );
        assert!(f[4].1.contains("cannot be read"), "{f:?}");

        // Over a Unix socket TLS does not apply: no warning about it.
        let f = findings(
            "[store]\nurl = \"postgres://sn@%2Frun%2Fpostgresql/s?sslmode=disable\"\n",
            &env,
        );
        assert!(f.iter().all(|x| x.0 != Level::Warn), "{f:?}");
    }
}
