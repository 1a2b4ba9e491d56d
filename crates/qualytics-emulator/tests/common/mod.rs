//! Shared helpers for the HTTP tests: a fresh emulator per test on
//! 127.0.0.1:0 and a small reqwest wrapper that sends a bearer token.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use qualytics_emulator::{Emulator, EmulatorConfig, Seed};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub struct Emu {
    pub emu: Emulator,
    pub http: reqwest::Client,
    pub base: String,
    pub admin: String,
    pub viewer: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }

    pub fn items(&self) -> &Vec<Value> {
        self.json["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {}", self.text))
    }

    pub fn ids(&self) -> Vec<u64> {
        self.items()
            .iter()
            .map(|a| a["id"].as_u64().unwrap())
            .collect()
    }
}

pub async fn emu() -> Emu {
    emu_with(EmulatorConfig::default()).await
}

pub async fn emu_with_seed(seed: Seed) -> Emu {
    emu_with(EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    })
    .await
}

pub async fn emu_with(config: EmulatorConfig) -> Emu {
    let (emu, addr) = Emulator::start(config).await.expect("emulator starts");
    assert!(addr.ip().is_loopback());
    let base = emu.base_url();
    let admin = emu.admin_token().to_string();
    let viewer = emu.viewer_token().to_string();
    Emu {
        emu,
        http: reqwest::Client::new(),
        base,
        admin,
        viewer,
    }
}

pub async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        text,
        json,
    }
}

impl Emu {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// `token` None = no Authorization header.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        reply(req.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, Some(&self.admin.clone()), None)
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(&self.admin.clone()), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(&self.admin.clone()), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, body: Option<Value>) -> Reply {
        self.send(Method::DELETE, path, Some(&self.admin.clone()), body)
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&self.admin.clone()), Some(body))
            .await
    }

    /// One anomaly as the API shows it (archived ones too).
    pub async fn anomaly(&self, id: u64) -> Value {
        let r = self.get(&format!("/api/anomalies/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json
    }

    /// Every page of a list query (size 100), like qualytics-cli pages.
    pub async fn list_all(&self, query: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let sep = if query.is_empty() { "" } else { "&" };
            let r = self
                .get(&format!("/api/anomalies?page={page}&size=100{sep}{query}"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            out.extend(r.items().iter().cloned());
            if page * 100 >= r.json["total"].as_u64().unwrap() {
                return out;
            }
            page += 1;
        }
    }
}
