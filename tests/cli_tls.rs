//! TLS through the binary: an HTTPS front (a throwaway test CA) before the emulator. Without
//! `ca_file` doctor names a TLS failure and the fix; with it the instance answers as ServiceNow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{TestEnv, exit_code, stdout};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

fn fixture(name: &str) -> String {
    format!(
        "{}/crates/servicenow-client/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Terminates TLS with a leaf for `localhost` signed by the test CA and forwards to `target`.
async fn tls_front(target: std::net::SocketAddr) -> u16 {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(fixture("test-server.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("test-server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    port
}

fn point_at(env: &TestEnv, url: &str, ca_file: Option<&str>) {
    env.point_config_at(url);
    let mut text = std::fs::read_to_string(env.config_path()).unwrap();
    if let Some(ca) = ca_file {
        text = text.replace(
            "timeout_secs = 10",
            &format!("timeout_secs = 10\nca_file = \"{ca}\""),
        );
    }
    std::fs::write(env.config_path(), text).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_issuer_is_a_tls_error_and_ca_file_fixes_it() {
    let env = TestEnv::start().await;
    let emulator = env.emulator.local_addr();
    let port = tls_front(emulator).await;
    let https = format!("https://localhost:{port}");

    point_at(&env, &https, None);
    let out = env.run(&["doctor"]).await;
    assert_eq!(exit_code(&out), 4, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("TLS") || text.contains("certificate"),
        "{text}"
    );
    assert!(text.contains("ca_file"), "names the fix: {text}");

    let env2 = TestEnv::start().await;
    let port2 = tls_front(env2.emulator.local_addr()).await;
    point_at(
        &env2,
        &format!("https://localhost:{port2}"),
        Some(&fixture("test-ca.pem")),
    );
    let out = env2.run(&["doctor"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("answers as ServiceNow; signed in as itil"),
        "{}",
        stdout(&out)
    );
    let out = env2.run(&["ticket", "search", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0);
}
