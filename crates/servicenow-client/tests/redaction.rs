//! Credentials never appear in Debug/Display of the config, the client, any error, or the logs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::IntoResponse;
use common::*;
use serde_json::{Map, json};
use servicenow_client::{
    Auth, Client, ClientConfig, Error, ListParams, OAuthGrant, Query, SecretString,
};

const ACCESS: &str = "access-token-SECRET-1";
const REFRESH: &str = "refresh-token-SECRET-2";

fn secrets() -> Vec<String> {
    use base64_like::encode;
    vec![
        PASSWORD.to_string(),
        CLIENT_SECRET.to_string(),
        ACCESS.to_string(),
        REFRESH.to_string(),
        // The Basic header value.
        encode(format!("admin:{PASSWORD}").as_bytes()),
    ]
}

/// Tiny standard base64 so the test needs no extra crate.
mod base64_like {
    pub fn encode(input: &[u8]) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in input.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(&s), "{what} leaks a credential: {text}");
    }
}

fn check(label: &str, e: &Error) {
    assert_clean(label, &format!("{e}"));
    assert_clean(label, &format!("{e:?}"));
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn nothing_leaks_anywhere() {
    let logs = Buf::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // Configs and clients.
    let basic = ClientConfig::new("https://x.example.com", basic_auth());
    let oauth = ClientConfig::new("https://x.example.com", oauth_password());
    let cc = ClientConfig::new(
        "https://x.example.com",
        Auth::OAuth {
            client_id: "snowlink".into(),
            client_secret: SecretString::from(CLIENT_SECRET),
            grant: OAuthGrant::ClientCredentials,
        },
    );
    for cfg in [&basic, &oauth, &cc] {
        assert_clean("config", &format!("{cfg:?}"));
        assert_clean("auth", &format!("{:?}", cfg.auth));
        let c = Client::new(cfg.clone()).unwrap();
        assert_clean("client", &format!("{c:?}"));
        assert!(format!("{c:?}").contains("[redacted]"));
    }

    let mut errors: Vec<(&str, Error)> = Vec::new();
    // A fake that answers per path with every error class; OAuth issues real-looking tokens.
    let fake = serve(|r, _| {
        let p = r.path.as_str();
        if p == "/oauth_token.do" {
            return axum::Json(
                json!({"access_token": ACCESS, "refresh_token": REFRESH, "expires_in": 1799}),
            )
            .into_response();
        }
        match p.rsplit('/').next().unwrap() {
            "t401" => sn_error(
                401,
                "User Not Authenticated",
                Some("Required to provide Auth information"),
            ),
            "t403" => sn_error(
                403,
                "Operation Failed",
                Some("ACL Exception Update Failed due to security constraints"),
            ),
            "t404" => sn_error(404, "No Record found", None),
            "t429" => sn_error(429, "Rate limit exceeded", None),
            "t500" => sn_error(500, "boom", None),
            "t400" => sn_error(400, "Invalid table t400", None),
            "thib" => raw(200, "text/html", HIBERNATING),
            "t202" => raw(202, "application/json", ""),
            _ => rows(vec![], Some(0)),
        }
    })
    .await;
    let basic_c = fake.basic();
    let oauth_c = Client::new(ClientConfig::new(&fake.base, oauth_password())).unwrap();
    for c in [&basic_c, &oauth_c] {
        for t in [
            "t401", "t403", "t404", "t429", "t500", "t400", "thib", "t202",
        ] {
            errors.push(("list", c.list(t, &ListParams::new()).await.unwrap_err()));
            errors.push((
                "update",
                c.update(t, "abc", &Map::new(), &[]).await.unwrap_err(),
            ));
        }
        c.list("ok", &ListParams::new()).await.unwrap();
    }
    // OAuth token refusal.
    let denied = serve(|_, _| {
        (
            axum::http::StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error_description": "access_denied", "error": "server_error"})),
        )
            .into_response()
    })
    .await;
    let c = Client::new(ClientConfig::new(&denied.base, oauth_password())).unwrap();
    errors.push((
        "token",
        c.list("incident", &ListParams::new()).await.unwrap_err(),
    ));
    // Transport errors.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let c = Client::new(ClientConfig::new(format!("http://{addr}"), basic_auth())).unwrap();
    errors.push((
        "refused",
        c.list("incident", &ListParams::new()).await.unwrap_err(),
    ));
    let tls = Client::new(
        ClientConfig::new(fake.base.replace("http:", "https:"), basic_auth())
            .timeout(Duration::from_secs(5)),
    )
    .unwrap();
    errors.push((
        "tls",
        tls.list("incident", &ListParams::new()).await.unwrap_err(),
    ));
    // Construction errors.
    errors.push((
        "insecure",
        Client::new(ClientConfig::new("http://x.example.com", basic_auth())).unwrap_err(),
    ));
    errors.push((
        "url creds",
        Client::new(ClientConfig::new(
            format!("https://admin:{PASSWORD}@x.example.com"),
            basic_auth(),
        ))
        .unwrap_err(),
    ));
    errors.push((
        "ca",
        Client::new(basic.clone().ca_file("/nonexistent/ca.pem")).unwrap_err(),
    ));
    errors.push((
        "query",
        basic_c
            .list(
                "incident",
                &ListParams::new().query(Query::new().in_list("x", &["a,b"])),
            )
            .await
            .unwrap_err(),
    ));
    assert!(errors.len() > 35);
    for (label, e) in &errors {
        check(label, e);
    }

    // The credentials did go out on the wire (so the checks above are meaningful)...
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{:?} {}", r.headers, r.body))
        .collect();
    assert!(sent.iter().any(|s| s.contains(ACCESS)));
    assert!(sent.iter().any(|s| s.contains(PASSWORD)));
    // ...but never into the logs, which did record the traffic.
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("servicenow request"), "no logs captured");
    assert!(logs.contains("oauth token request"));
    assert_clean("logs", &logs);
}
