//! Transport failures: timeout, refused, reset mid-response, TLS; and what each means for the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Map, Value, json};
use servicenow_client::{Client, ClientConfig, ConnectKind, Error, ErrorCategory, ListParams};

fn one_line_with(e: &Error, needles: &[&str]) {
    let s = e.to_string();
    assert!(!s.contains('\n'), "multi-line: {s}");
    for n in needles {
        assert!(s.contains(n), "{s:?} lacks {n:?}");
    }
}

fn client_with_timeout(base: &str, t: Duration) -> Client {
    Client::new(ClientConfig::new(base, basic_auth()).timeout(t)).unwrap()
}

#[tokio::test]
async fn timeout_after_send_is_outcome_unknown_for_writes() {
    // Accepts and reads, never answers: the timeout always fires, however slow the machine.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let c = client_with_timeout(&format!("http://{addr}"), Duration::from_millis(300));
    let e = c
        .update("incident", "abc", &Map::new(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Timeout {
                sent: true,
                write: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.outcome_unknown() && e.is_retryable());
    one_line_with(&e, &["no response from", "timeout_secs"]);
    let e = c.list("incident", &ListParams::new()).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }) && !e.outcome_unknown());
}

#[tokio::test]
async fn refused_means_not_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client_with_timeout(&format!("http://{addr}"), Duration::from_secs(5));
    let e = c
        .update("incident", "abc", &Map::new(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Connect {
                kind: ConnectKind::Refused,
                sent: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.outcome_unknown() && e.is_retryable());
    one_line_with(&e, &["connection refused", "host and port"]);
    assert_eq!(e.category(), ErrorCategory::Unavailable);
}

#[tokio::test]
async fn closed_mid_response_is_outcome_unknown() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            // Read the request head, then hang up without answering.
            let mut buf = vec![0u8; 65536];
            let _ = sock.read(&mut buf).await;
            drop(sock);
        }
    });
    let c = client_with_timeout(&format!("http://{addr}"), Duration::from_secs(10));
    let mut body = Map::new();
    body.insert("work_notes".into(), Value::String("x".into()));
    let e = c.update("incident", "abc", &body, &[]).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Connect {
                kind: ConnectKind::Reset,
                sent: true,
                write: true,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.outcome_unknown() && e.is_retryable());
}

#[tokio::test]
async fn plain_http_on_https_is_named_not_tls() {
    // A plain-HTTP server spoken to over https: the handshake fails before anything is sent,
    // and the message says why (the certificate failures are in tests/cli_tls.rs at the root).
    let fake = serve(|_, _| result(200, json!([]))).await;
    let base = fake.base.replace("http://", "https://");
    let c = client_with_timeout(&base, Duration::from_secs(10));
    let e = c
        .update("incident", "abc", &Map::new(), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Connect {
                kind: ConnectKind::NotTls,
                sent: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.outcome_unknown() && !e.is_retryable());
    one_line_with(&e, &["not TLS", "wrong port or scheme?"]);
}
