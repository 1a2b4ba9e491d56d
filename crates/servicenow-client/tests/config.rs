//! Client construction: HTTPS/loopback rule, ca_file loading and errors, TLS verification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use servicenow_client::{Client, ClientConfig, ConnectKind, Error, ListParams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn https_is_required_except_on_loopback() {
    for ok in [
        "https://acme.service-now.com",
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://[::1]:1",
        "http://localhost:3000/",
    ] {
        assert!(
            Client::new(ClientConfig::new(ok, basic_auth())).is_ok(),
            "{ok}"
        );
    }
    for bad in [
        "http://acme.service-now.com",
        "http://192.168.1.10",
        "http://[::2]",
    ] {
        let e = Client::new(ClientConfig::new(bad, basic_auth())).unwrap_err();
        assert!(matches!(e, Error::InsecureUrl { .. }), "{bad}: {e:?}");
        let s = e.to_string();
        assert!(
            s.contains("HTTPS is required") && s.contains("use https://"),
            "{s}"
        );
    }
    let e = Client::new(ClientConfig::new("not a url", basic_auth())).unwrap_err();
    assert!(matches!(e, Error::Config { .. }));
}

#[test]
fn ca_file_errors_name_the_file_and_the_fix() {
    let missing = fixture("does-not-exist.pem");
    let e = Client::new(ClientConfig::new("https://x.example.com", basic_auth()).ca_file(&missing))
        .unwrap_err();
    let s = e.to_string();
    assert!(matches!(e, Error::Config { .. }));
    assert!(
        s.contains("does-not-exist.pem") && s.contains("check the path"),
        "{s}"
    );

    let dir = std::env::temp_dir().join(format!("snowlink-client-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, b"this is not a certificate\n").unwrap();
    let e = Client::new(ClientConfig::new("https://x.example.com", basic_auth()).ca_file(&garbage))
        .unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("garbage.pem") && s.contains("BEGIN CERTIFICATE"),
        "{s}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    assert!(
        Client::new(
            ClientConfig::new("https://x.example.com", basic_auth())
                .ca_file(fixture("test-ca.pem"))
        )
        .is_ok()
    );
}

/// A one-shot-per-connection HTTPS server with a leaf certificate signed by tests/fixtures'
/// throwaway CA (generated for these tests only; the key protects nothing).
async fn tls_server() -> String {
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
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let mut buf = vec![0u8; 65536];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"result":[{"sys_id":"s1"}]}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-total-count: 1\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://localhost:{}", addr.port())
}

#[tokio::test]
async fn tls_is_verified_and_ca_file_extends_the_roots() {
    let base = tls_server().await;
    // Unknown issuer without the CA file: a TLS error that names the fix.
    let plain =
        Client::new(ClientConfig::new(&base, basic_auth()).timeout(Duration::from_secs(10)))
            .unwrap();
    let e = plain
        .list("incident", &ListParams::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Connect {
                kind: ConnectKind::Tls,
                sent: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("ca_file"), "{e}");
    // With the CA file the same server is trusted.
    let trusted = Client::new(
        ClientConfig::new(&base, basic_auth())
            .timeout(Duration::from_secs(10))
            .ca_file(fixture("test-ca.pem")),
    )
    .unwrap();
    let page = trusted.list("incident", &ListParams::new()).await.unwrap();
    assert_eq!(page.records[0].sys_id(), "s1");
}

#[test]
fn user_agent_can_be_overridden() {
    let c = Client::new(
        ClientConfig::new("https://x.example.com", basic_auth()).user_agent("snowlink/9.9.9"),
    );
    assert!(c.is_ok());
}
