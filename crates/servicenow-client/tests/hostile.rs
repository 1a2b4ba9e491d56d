//! A hostile or broken server at the transport level (issue 8 point 5, point 10): oversized,
//! endless and dripping bodies, plain HTTP on an https URL, oversized heads. Answers that parse
//! but are not ServiceNow's (paging, wrong records, value shapes) are in `hostile_answers.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod hostile_support;

use std::time::Duration;

use common::*;
use hostile_support::*;
use serde_json::{Map, Value, json};
use servicenow_client::{
    Client, ClientConfig, ConnectKind, DEFAULT_MAX_RESPONSE_BYTES, Error, ErrorCategory, ListParams,
};

fn client(base: &str) -> Client {
    Client::new(ClientConfig::new(base, basic_auth()).timeout(Duration::from_secs(30))).unwrap()
}

fn note() -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("work_notes".into(), json!("hello"));
    body
}

/// Peak resident memory of this test process, from the kernel.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

fn assert_too_large(e: &Error, cap: &str) {
    assert!(matches!(e, Error::ResponseTooLarge { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains(cap) && text.contains("max_response_bytes"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

// ---- bodies ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_500_mb_body_fails_at_the_cap_with_bounded_memory() {
    assert_eq!(DEFAULT_MAX_RESPONSE_BYTES, 16 << 20);
    // No Content-Length: only counting while reading can stop it.
    let srv = raw_serve(|_, _, mut s| async move {
        let unit = br#"{"sys_id":"0123456789abcdef0123456789abcdef","number":"INC0000001"},"#;
        let repeats = 500_000_000 / unit.len() as u64;
        stream_body(&mut s, None, b"{\"result\":[", unit, Some(repeats), b"{}]}").await;
    })
    .await;
    let e = client(&srv.base)
        .list("incident", &ListParams::new())
        .await
        .unwrap_err();
    assert_too_large(&e, "16 MiB");
    assert_eq!(e.category(), ErrorCategory::Unavailable);
    // Buffering the whole answer would need 500 MB; the cap keeps the whole process far below.
    let peak = peak_rss_bytes();
    assert!(peak < 300 << 20, "peak RSS {} MiB", peak >> 20);
}

#[tokio::test]
async fn a_declared_length_over_the_cap_fails_before_reading() {
    let srv = raw_serve(|_, _, mut s| async move {
        stream_body(&mut s, Some(500_000_000), b"{\"result\":[", b" ", None, b"").await;
    })
    .await;
    let e = client(&srv.base)
        .get("incident", "abc", &Default::default())
        .await
        .unwrap_err();
    assert_too_large(&e, "16 MiB");
}

#[tokio::test]
async fn an_endless_json_body_fails_at_a_configured_cap() {
    let srv = raw_serve(|_, _, mut s| async move {
        stream_body(
            &mut s,
            None,
            b"{\"result\":[",
            b"{\"sys_id\":\"x\"},",
            None,
            b"",
        )
        .await;
    })
    .await;
    let c = Client::new(
        ClientConfig::new(&srv.base, basic_auth())
            .timeout(Duration::from_secs(30))
            .max_response_bytes(64 << 10),
    )
    .unwrap();
    let e = c.update("incident", "abc", &note(), &[]).await.unwrap_err();
    assert_too_large(&e, "64 KiB");
    // A 2xx write whose answer we could not read may have applied.
    assert!(e.outcome_unknown() && e.is_retryable(), "{e:?}");
}

#[tokio::test]
async fn an_answer_under_a_configured_cap_is_read() {
    // Just over 60 KiB of rows under a 64 KiB cap: the cap refuses only what exceeds it.
    let body_of = |pad: usize| {
        let rows: Vec<Value> = (0..800)
            .map(|i| json!({"sys_id": format!("{i:032}"), "n": "x".repeat(pad)}))
            .collect();
        json!({ "result": rows }).to_string()
    };
    let body = (0..).map(body_of).find(|b| b.len() > 60 << 10).unwrap();
    assert!(body.len() < 64 << 10, "{}", body.len());
    let srv = raw_serve(move |_, _, mut s| {
        let body = body.clone();
        async move { send_json(&mut s, 200, "", &body).await }
    })
    .await;
    let c = Client::new(ClientConfig::new(&srv.base, basic_auth()).max_response_bytes(64 << 10))
        .unwrap();
    let page = c.list("incident", &ListParams::new()).await.unwrap();
    assert_eq!(page.records.len(), 800);
}

#[tokio::test]
async fn a_dripping_body_ends_at_the_total_deadline() {
    // One byte every 50 ms for 100,000 bytes (over an hour): each read is quick, so only a
    // deadline that covers the whole body (reqwest's total timeout) ends it.
    let srv = raw_serve(|_, _, mut s| async move {
        drip_body(&mut s, Duration::from_millis(50)).await;
    })
    .await;
    let c =
        Client::new(ClientConfig::new(&srv.base, basic_auth()).timeout(Duration::from_millis(800)))
            .unwrap();
    let e = c.update("incident", "abc", &note(), &[]).await.unwrap_err();
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
    assert!(e.outcome_unknown());
    let e = c.list("incident", &ListParams::new()).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
}

// ---- transport ------------------------------------------------------------------------------

#[tokio::test]
async fn plain_http_on_an_https_url_is_named_not_tls() {
    let srv = plain_http_server().await;
    let e = client(&srv.base)
        .update("incident", "abc", &note(), &[])
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
    let text = e.to_string();
    assert!(
        text.starts_with("not TLS:") && text.contains("wrong port or scheme?"),
        "{text}"
    );
}

const NOT_AUTHENTICATED: &str = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;

#[tokio::test]
async fn a_401_with_oversized_headers_is_an_auth_error() {
    let many: String = (0..200).map(|i| format!("x-filler-{i}: v\r\n")).collect();
    let huge = format!("set-cookie: sso={}\r\n", "a".repeat(1 << 20));
    for extra in [many, huge] {
        let srv = raw_serve(move |_, _, mut s| {
            let extra = extra.clone();
            async move { send_json(&mut s, 401, &extra, NOT_AUTHENTICATED).await }
        })
        .await;
        let e = client(&srv.base)
            .list("incident", &ListParams::new())
            .await
            .unwrap_err();
        assert!(matches!(e, Error::HeadersTooLarge { .. }), "{e:?}");
        assert_eq!(e.category(), ErrorCategory::Auth);
        assert_eq!(e.category().exit_code(), 3);
        assert!(e.to_string().contains("check username/password"), "{e}");
    }
    // Large but readable heads are parsed, and the 401 is what it says.
    let big = format!(
        "www-authenticate: Basic realm=\"{}\"\r\n",
        "a".repeat(64 << 10)
    );
    let srv = raw_serve(move |_, _, mut s| {
        let big = big.clone();
        async move { send_json(&mut s, 401, &big, NOT_AUTHENTICATED).await }
    })
    .await;
    let e = client(&srv.base)
        .list("incident", &ListParams::new())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { status: 401, .. }), "{e:?}");
}
