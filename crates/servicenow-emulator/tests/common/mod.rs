//! Shared helpers for the HTTP-level tests: a fresh emulator per test and a
//! small reqwest wrapper. Demo passwords equal the user names.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use servicenow_emulator::{EmulatorConfig, RunningEmulator, start};

pub struct Emu {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub base: String,
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

    pub fn result(&self) -> &Value {
        &self.json["result"]
    }

    pub fn rows(&self) -> &Vec<Value> {
        self.json["result"].as_array().expect("result is an array")
    }

    /// `(message, detail)` of a ServiceNow error body.
    pub fn error(&self) -> (String, Value) {
        assert_eq!(
            self.json["status"], "failure",
            "not an error body: {}",
            self.text
        );
        (
            self.json["error"]["message"].as_str().unwrap().to_string(),
            self.json["error"]["detail"].clone(),
        )
    }
}

pub async fn emu() -> Emu {
    emu_with(EmulatorConfig::default()).await
}

pub async fn emu_with(config: EmulatorConfig) -> Emu {
    let emu = start(config).await.expect("emulator starts");
    let base = emu.base_url();
    // No pooling surprises across fault tests: each test has its own client.
    let http = reqwest::Client::builder().build().unwrap();
    Emu { emu, http, base }
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

    pub fn request(&self, method: Method, user: &str, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .basic_auth(user, Some(user))
            .header("Accept", "application/json")
    }

    pub async fn get(&self, user: &str, path: &str) -> Reply {
        reply(self.request(Method::GET, user, path).send().await.unwrap()).await
    }

    pub async fn send(&self, method: Method, user: &str, path: &str, body: Value) -> Reply {
        reply(
            self.request(method, user, path)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, user: &str, path: &str, body: Value) -> Reply {
        self.send(Method::POST, user, path, body).await
    }

    pub async fn patch(&self, user: &str, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, user, path, body).await
    }

    /// The raw record of incident `number`, read as admin.
    pub async fn incident(&self, number: &str) -> Value {
        let r = self
            .get("admin", &format!("/api/now/table/incident?sysparm_query=number%3D{number}&sysparm_exclude_reference_link=true"))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let rows = r.rows();
        assert_eq!(rows.len(), 1, "expected one {number}: {}", r.text);
        rows[0].clone()
    }

    pub async fn sys_id_of(&self, number: &str) -> String {
        self.incident(number).await["sys_id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates an incident as `user` and returns its raw record.
    pub async fn create_incident(&self, user: &str, body: Value) -> Value {
        let r = self
            .post(
                user,
                "/api/now/table/incident?sysparm_exclude_reference_link=true",
                body,
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.result().clone()
    }
}
