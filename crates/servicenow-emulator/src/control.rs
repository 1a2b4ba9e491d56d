//! The control API under `/__emulator/…`, answered only to loopback peers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::UnknownFieldPolicy;
use crate::faults::FaultSpec;
use crate::state::AppState;

type S = State<Arc<AppState>>;

fn error(status: StatusCode, message: String) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

async fn loopback_only(req: Request, next: Next) -> Response {
    let local = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    if local {
        next.run(req).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(summary))
        .route(
            "/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/latency", get(get_latency).put(set_latency))
        .route("/tokens/expire", post(expire_tokens))
        .route("/tokens/lifetime", put(set_token_lifetime))
        .route("/query-policy", get(get_policy).put(set_policy))
        .route("/requests", get(requests).delete(clear_requests))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(loopback_only))
}

async fn summary(State(state): S) -> Json<Value> {
    let s = state.settings();
    Json(json!({
        "latency_ms": s.latency.as_millis() as u64,
        "unknown_fields": s.unknown_field_policy,
        "token_lifetime_secs": state.tokens().lifetime().as_secs(),
        "oauth_application_user": s.oauth_application_user,
        "faults": state.faults.list(),
    }))
}

async fn list_faults(State(state): S) -> Json<Value> {
    Json(json!(state.faults.list()))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FaultBody {
    One { spec: String },
    Many { specs: Vec<String> },
}

/// Body: `{"spec":"…"}`, `{"specs":["…",…]}` or the bare spec as text.
async fn add_faults(State(state): S, body: String) -> Response {
    let specs = match serde_json::from_str::<FaultBody>(&body) {
        Ok(FaultBody::One { spec }) => vec![spec],
        Ok(FaultBody::Many { specs }) => specs,
        Err(_) => vec![body.trim().to_string()],
    };
    let mut parsed = Vec::new();
    for s in &specs {
        match s.parse::<FaultSpec>() {
            Ok(f) => parsed.push(f),
            Err(e) => return error(StatusCode::BAD_REQUEST, format!("{s:?}: {e}")),
        }
    }
    let added: Vec<Value> = parsed
        .into_iter()
        .map(|f| {
            let spec = f.to_string();
            json!({ "id": state.faults.add(f), "spec": spec })
        })
        .collect();
    (StatusCode::CREATED, Json(json!(added))).into_response()
}

async fn clear_faults(State(state): S) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn remove_fault(State(state): S, Path(id): Path<u64>) -> StatusCode {
    if state.faults.remove(id) {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    }
}

#[derive(Deserialize)]
struct Millis {
    ms: u64,
}

async fn get_latency(State(state): S) -> Json<Value> {
    Json(json!({ "ms": state.settings().latency.as_millis() as u64 }))
}

async fn set_latency(State(state): S, Json(body): Json<Millis>) -> Json<Value> {
    state.update_settings(|s| s.latency = Duration::from_millis(body.ms));
    Json(json!({ "ms": body.ms }))
}

async fn expire_tokens(State(state): S) -> Json<Value> {
    let n = state.tokens().expire_all();
    Json(json!({ "expired": n }))
}

#[derive(Deserialize)]
struct Secs {
    secs: u64,
}

async fn set_token_lifetime(State(state): S, Json(body): Json<Secs>) -> Json<Value> {
    state.tokens().set_lifetime(Duration::from_secs(body.secs));
    Json(json!({ "secs": body.secs }))
}

#[derive(Deserialize)]
struct Policy {
    unknown_fields: UnknownFieldPolicy,
}

async fn get_policy(State(state): S) -> Json<Value> {
    Json(json!({ "unknown_fields": state.settings().unknown_field_policy }))
}

async fn set_policy(State(state): S, Json(body): Json<Policy>) -> Json<Value> {
    state.update_settings(|s| s.unknown_field_policy = body.unknown_fields);
    Json(json!({ "unknown_fields": body.unknown_fields }))
}

async fn requests(State(state): S) -> Json<Value> {
    Json(json!(state.log.snapshot()))
}

async fn clear_requests(State(state): S) -> StatusCode {
    state.log.clear();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashMap;
    use std::net::SocketAddr;
    use std::sync::Arc;

    use axum::Router;
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use crate::config::EmulatorConfig;
    use crate::state::AppState;
    use crate::store::Store;

    async fn status_from(peer: &str) -> StatusCode {
        let state = Arc::new(AppState::new(
            &EmulatorConfig::default(),
            Store::new(),
            HashMap::new(),
        ));
        let app = Router::new()
            .nest("/__emulator", super::router())
            .with_state(state);
        let mut req = Request::get("/__emulator/faults")
            .body(Body::empty())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        app.oneshot(req).await.unwrap().status()
    }

    #[tokio::test]
    async fn only_loopback_peers_reach_the_control_api() {
        assert_eq!(status_from("127.0.0.1:5000").await, StatusCode::OK);
        assert_eq!(status_from("[::1]:5000").await, StatusCode::OK);
        assert_eq!(status_from("10.1.2.3:5000").await, StatusCode::NOT_FOUND);
        assert_eq!(status_from("192.168.0.7:5000").await, StatusCode::NOT_FOUND);
    }
}
