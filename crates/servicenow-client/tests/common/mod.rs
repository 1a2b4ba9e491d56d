//! A tiny fake ServiceNow for the client's tests: records every request, answers with a closure.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use servicenow_client::{Auth, Client, ClientConfig, OAuthGrant, SecretString};

pub const PASSWORD: &str = "hunter2-very-secret";
pub const CLIENT_SECRET: &str = "oauth-client-secret-xyz";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw (still percent-encoded) query string.
    pub raw_query: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Recorded {
    /// A decoded query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        url::form_urlencoded::parse(self.raw_query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
    pub fn json_body(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn auth_header(&self) -> String {
        self.headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

pub struct Fake {
    pub base: String,
    pub log: Arc<Mutex<Vec<Recorded>>>,
}

impl Fake {
    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
    pub fn count(&self, path_suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.ends_with(path_suffix))
            .count()
    }
    pub fn basic(&self) -> Client {
        basic_client(&self.base)
    }
}

pub type Handler = dyn Fn(&Recorded, usize) -> Response + Send + Sync;

/// Starts a fake on 127.0.0.1:0. The handler gets the request and its 0-based index.
pub async fn serve<F>(handler: F) -> Fake
where
    F: Fn(&Recorded, usize) -> Response + Send + Sync + 'static,
{
    let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let handler: Arc<Handler> = Arc::new(handler);
    let log2 = log.clone();
    let app = Router::new().fallback(move |req: Request| {
        let log = log2.clone();
        let handler = handler.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = to_bytes(body, 20 << 20).await.unwrap();
            let rec = Recorded {
                method: parts.method.to_string(),
                path: parts.uri.path().to_string(),
                raw_query: parts.uri.query().unwrap_or("").to_string(),
                headers: parts.headers.clone(),
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let idx = {
                let mut l = log.lock().unwrap();
                l.push(rec.clone());
                l.len() - 1
            };
            handler(&rec, idx)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Fake {
        base: format!("http://{addr}"),
        log,
    }
}

pub fn basic_auth() -> Auth {
    Auth::Basic {
        username: "admin".into(),
        password: SecretString::from(PASSWORD),
    }
}

pub fn oauth_password() -> Auth {
    Auth::OAuth {
        client_id: "snowlink".into(),
        client_secret: SecretString::from(CLIENT_SECRET),
        grant: OAuthGrant::Password {
            username: "admin".into(),
            password: SecretString::from(PASSWORD),
        },
    }
}

pub fn basic_client(base: &str) -> Client {
    Client::new(ClientConfig::new(base, basic_auth()).timeout(Duration::from_secs(10))).unwrap()
}

/// `{"result": v}` with status.
pub fn result(status: u16, v: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({ "result": v })),
    )
        .into_response()
}

/// `{"result": rows}` with `X-Total-Count`.
pub fn rows(v: Vec<Value>, total: Option<u64>) -> Response {
    let mut resp = result(200, Value::Array(v));
    if let Some(t) = total {
        resp.headers_mut()
            .insert("x-total-count", t.to_string().parse().unwrap());
    }
    resp
}

/// ServiceNow's error envelope.
pub fn sn_error(status: u16, message: &str, detail: Option<&str>) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        axum::Json(json!({"error": {"message": message, "detail": detail}, "status": "failure"})),
    )
        .into_response()
}

pub fn raw(status: u16, content_type: &str, body: &str) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub const HIBERNATING: &str = "<html><head><title>Instance Hibernating page</title></head>\
<body class=\"instance-hibernating-page\"><h1>Your instance is hibernating</h1>\
<a href=\"https://developer.servicenow.com/dev.do#!/home?wu=true\">wake</a></body></html>";
