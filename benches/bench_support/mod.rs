//! Shared by the outbox and links benches: an in-process emulator, incidents made through the
//! Table API, a throwaway store, and a client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use servicenow_client::{Auth, Client, ClientConfig, SecretString};
use snowlink::domain::IncidentRef;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn client(url: &str) -> Client {
    Client::new(
        ClientConfig::new(
            url,
            Auth::Basic {
                username: "itil".into(),
                password: SecretString::from("itil"),
            },
        )
        .timeout(Duration::from_secs(30)),
    )
    .unwrap()
}

/// `n` incidents made as admin, 16 requests at a time.
pub async fn create_incidents(url: &str, n: usize) -> Vec<IncidentRef> {
    let http = reqwest::Client::new();
    let mut out = Vec::with_capacity(n);
    for chunk in (0..n).collect::<Vec<_>>().chunks(16) {
        let mut tasks = Vec::new();
        for i in chunk {
            let (http, url, i) = (http.clone(), url.to_string(), *i);
            tasks.push(tokio::spawn(async move {
                let v: Value = http
                    .post(format!("{url}/api/now/table/incident"))
                    .basic_auth("admin", Some("admin"))
                    .header("Accept", "application/json")
                    .json(&json!({"short_description": format!("bench incident {i}")}))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                IncidentRef {
                    instance: "bench".into(),
                    table: "incident".into(),
                    sys_id: v["result"]["sys_id"].as_str().unwrap().into(),
                    number: v["result"]["number"].as_str().unwrap().into(),
                }
            }));
        }
        for t in tasks {
            out.push(t.await.unwrap());
        }
    }
    out
}
