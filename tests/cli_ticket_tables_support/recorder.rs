//! A forwarding proxy between `snowlink` and the emulator that keeps the method, path and JSON
//! body of every write, so a test can tell what snowlink sent (the emulator's request log has
//! no bodies). Nothing is changed on the way through.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use tokio::net::TcpListener;

/// One write seen on its way to the emulator.
#[derive(Debug, Clone)]
pub struct Write {
    pub method: String,
    pub path: String,
    pub body: Value,
}

#[derive(Clone)]
struct Shared {
    target: String,
    http: reqwest::Client,
    writes: Arc<Mutex<Vec<Write>>>,
}

pub struct Recorder {
    pub url: String,
    writes: Arc<Mutex<Vec<Write>>>,
}

impl Recorder {
    /// Listens on 127.0.0.1 port 0 and forwards to `target`; stops with the test's runtime.
    pub async fn start(target: &str) -> Recorder {
        let writes = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            target: target.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
            writes: writes.clone(),
        };
        let app = Router::new().fallback(forward).with_state(shared);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Recorder { url, writes }
    }

    pub fn writes(&self) -> Vec<Write> {
        self.writes.lock().unwrap().clone()
    }
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    if parts.method != axum::http::Method::GET {
        s.writes.lock().unwrap().push(Write {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        });
    }
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut out = s
        .http
        .request(method, format!("{}{path_and_query}", s.target))
        .body(bytes.to_vec());
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            out = out.header(k.as_str(), v.as_bytes());
        }
    }
    let Ok(resp) = out.send().await else {
        return Response::builder()
            .status(StatusCode::BAD_GATEWAY)
            .body(Body::empty())
            .unwrap();
    };
    let mut builder = Response::builder().status(resp.status().as_u16());
    for (k, v) in resp.headers() {
        if !matches!(
            k.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            builder = builder.header(k.as_str(), v.as_bytes());
        }
    }
    let body = resp.bytes().await.unwrap_or_default();
    builder.body(Body::from(body)).unwrap()
}
