//! Connecting through `[store]` to real servers (crates/pg-harness): TLS on a loopback port
//! with a certificate made here, verified against `ca_file` and the host name; and the errors a
//! user meets (no TLS on the server, wrong password, no database, nothing listening), each
//! naming its fix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use pg_harness::{Cluster, Options, TlsFiles};

use super::{PgConnectError, connect};
use crate::config::{MapEnv, PgStoreConfig};

/// `[store]` as a user writes it, the password in $PGPW, resolved the way the app does.
fn store_config(body: &str, password: &str) -> PgStoreConfig {
    let text = format!("[store]\n{body}\npassword_env = \"PGPW\"\n");
    crate::config::parse_str(&text, Path::new("config.toml"))
        .unwrap()
        .store
        .postgres(
            &MapEnv::new().with("PGPW", password),
            Duration::from_secs(5),
        )
        .unwrap()
        .expect("a PostgreSQL store")
}

/// A CA and a server certificate it signed for the IP address 127.0.0.1 only.
struct Pki {
    ca_pem: String,
    server: TlsFiles,
}

fn pki() -> Pki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "snowlink test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    let leaf_key = KeyPair::generate().unwrap();
    let cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem,
        server: TlsFiles {
            cert_pem: cert.pem(),
            key_pem: leaf_key.serialize_pem(),
        },
    }
}

fn is_encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn verify_full_with_ca_file_connects_over_tls_and_checks_the_name_and_the_issuer() {
    let pki = pki();
    let cluster = Cluster::start_with(Options {
        tls: Some(pki.server),
        ..Options::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let url = cluster.tcp_url_without_password("snowlink").unwrap();
    let pw = cluster.password();

    // sslmode omitted: verify-full is the default.
    let cfg = store_config(
        &format!("url = \"{url}\"\nca_file = \"{}\"", ca_file.display()),
        pw,
    );
    let mut client = connect(&cfg).unwrap();
    assert!(is_encrypted(&mut client));
    let app: String = client
        .query_one("SHOW application_name", &[])
        .unwrap()
        .get(0);
    assert_eq!(app, "snowlink");

    // The same server by a name its certificate does not hold.
    let by_name = url.replace("127.0.0.1", "localhost");
    let cfg = store_config(
        &format!("url = \"{by_name}\"\nca_file = \"{}\"", ca_file.display()),
        pw,
    );
    let e = connect(&cfg).err().expect("a name mismatch is refused");
    assert!(
        matches!(e, PgConnectError::CertificateMismatch { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("not valid for `localhost`"), "{e}");

    // Without ca_file only the public roots are trusted, which did not issue it.
    let cfg = store_config(&format!("url = \"{url}?sslmode=verify-full\""), pw);
    let e = connect(&cfg).err().expect("an unknown issuer is refused");
    assert!(
        matches!(e, PgConnectError::CertificateUntrusted { .. }),
        "{e}"
    );
    assert!(e.to_string().contains("set ca_file"), "{e}");

    // require: encrypted, the certificate not checked.
    let cfg = store_config(&format!("url = \"{by_name}?sslmode=require\""), pw);
    assert!(is_encrypted(&mut connect(&cfg).unwrap()));
}

#[test]
fn require_against_a_server_without_tls_says_so() {
    let cluster = Cluster::start_with(Options {
        tcp: true,
        ..Options::default()
    })
    .unwrap();
    let url = cluster.tcp_url_without_password("snowlink").unwrap();
    let cfg = store_config(
        &format!("url = \"{url}?sslmode=require\""),
        cluster.password(),
    );
    let e = connect(&cfg).err().expect("no TLS, no connection");
    assert!(
        matches!(
            e,
            PgConnectError::NoTls {
                mode: "require",
                ..
            }
        ),
        "{e}"
    );
    let text = e.to_string();
    assert!(
        text.contains("does not offer TLS") && text.contains("sslmode=disable"),
        "{text}"
    );

    // Said explicitly, an unencrypted connection works.
    let cfg = store_config(
        &format!("url = \"{url}?sslmode=disable\""),
        cluster.password(),
    );
    assert!(!is_encrypted(&mut connect(&cfg).unwrap()));
}

#[test]
fn a_wrong_password_a_missing_database_and_a_dead_port_name_their_fix() {
    let cluster = Cluster::start().unwrap();
    let socket_url = cluster.url_without_password("snowlink");

    // Over the socket (no TLS there, whatever sslmode says).
    let mut ok = connect(&store_config(
        &format!("url = \"{socket_url}\""),
        cluster.password(),
    ))
    .unwrap();
    let one: i32 = ok.query_one("SELECT 1", &[]).unwrap().get(0);
    assert_eq!(one, 1);

    let e = connect(&store_config(&format!("url = \"{socket_url}\""), "wrong"))
        .err()
        .expect("a wrong password is refused");
    assert!(matches!(e, PgConnectError::WrongPassword { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("password authentication failed for user `snowlink`")
            && text.contains("password_command / password_env")
            && !text.contains("wrong"),
        "{text}"
    );

    let no_db = cluster.url_without_password("nosuchdb");
    let e = connect(&store_config(
        &format!("url = \"{no_db}\""),
        cluster.password(),
    ))
    .err()
    .expect("a missing database is an error");
    assert!(matches!(e, PgConnectError::NoDatabase { .. }), "{e}");
    assert!(
        e.to_string().contains("createdb -O snowlink nosuchdb"),
        "{e}"
    );

    // No password configured at all, and the server asks for one.
    let cfg = crate::config::parse_str(
        &format!("[store]\nurl = \"{socket_url}\"\n"),
        Path::new("config.toml"),
    )
    .unwrap()
    .store
    .postgres(&MapEnv::new(), Duration::from_secs(5))
    .unwrap()
    .unwrap();
    let e = connect(&cfg).err().expect("no password, no connection");
    assert!(matches!(e, PgConnectError::NoPassword { .. }), "{e}");

    // Nothing listens on that port (bound, then closed again by this test).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg = store_config(
        &format!("url = \"postgres://snowlink@127.0.0.1:{port}/snowlink?sslmode=disable\""),
        "x",
    );
    let e = connect(&cfg).err().expect("nothing listens");
    assert!(matches!(e, PgConnectError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("is the server running"), "{e}");
}

#[test]
fn a_server_that_never_answers_is_given_up_on_at_the_connect_timeout() {
    // The kernel completes the TCP handshake into this listener's backlog; nobody ever reads
    // or answers the startup message.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let cfg = store_config(
        &format!(
            "url = \"postgres://snowlink@127.0.0.1:{port}/snowlink?sslmode=disable\"\nconnect_timeout_secs = 1"
        ),
        "x",
    );
    let e = connect(&cfg).err().expect("a silent server is given up on");
    assert!(matches!(e, PgConnectError::Timeout { secs: 1, .. }), "{e}");
    assert!(e.to_string().contains("raise connect_timeout_secs"), "{e}");
    drop(silent);
}
