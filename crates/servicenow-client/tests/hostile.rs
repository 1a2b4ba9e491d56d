#![allow(clippy::unwrap_used, clippy::expect_used)]
mod common;
mod hostile_support;
use std::time::Duration;
use common::*;
use hostile_support::*;
use servicenow_client::{Client, ClientConfig, ListParams};

fn client(base: &str) -> Client {
    Client::new(ClientConfig::new(base, basic_auth()).timeout(Duration::from_secs(5))).unwrap()
}

#[tokio::test]
async fn experiment() {
    for (name, extra) in [
        ("many", (0..200).map(|i| format!("x-h{i}: v\r\n")).collect::<String>()),
        ("64k", format!("www-authenticate: Basic realm=\"{}\"\r\n", "a".repeat(65536))),
        ("1m", format!("set-cookie: a={}\r\n", "a".repeat(1 << 20))),
    ] {
        let srv = raw_serve(move |_, _, mut s| { let extra = extra.clone(); async move {
            send_json(&mut s, 401, &extra, r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#).await;
        }}).await;
        let e = client(&srv.base).list("incident", &ListParams::new()).await.unwrap_err();
        println!("{name}: {e:?}");
        let mut src: Option<&dyn std::error::Error> = Some(&e);
        let _ = &mut src;
    }
    let srv = plain_http_server().await;
    let base = srv.base.clone();
    let e = client(&base).list("incident", &ListParams::new()).await.unwrap_err();
    println!("tls: {e:?}");
}
