//! The control API under `/__emulator/…`, answered only to loopback peers:
//! add anomalies, simulate scans, faults, tokens and the request log.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::body;
use crate::auth::Role;
use crate::error::ApiError;
use crate::faults::FaultSpec;
use crate::scan::{self, ScanSpec};
use crate::seed::NewAnomaly;
use crate::state::{AppState, lock};

type S = State<Arc<AppState>>;

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
        .route("/anomalies", get(all_anomalies).post(add_anomalies))
        .route("/scan", post(run_scan))
        .route(
            "/faults",
            get(list_faults).post(add_faults).delete(clear_faults),
        )
        .route("/requests", get(requests).delete(clear_requests))
        .route("/tokens", post(issue_token))
        .route("/tokens/expire", post(expire_tokens))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(loopback_only))
}

async fn summary(State(state): S) -> Json<Value> {
    let store = lock(&state.store);
    let archived = store.all().filter(|a| a.archived).count();
    Json(json!({
        "anomalies": store.all().count(),
        "archived": archived,
        "faults": lock(&state.faults).list(),
        "requests": lock(&state.log).snapshot().len(),
    }))
}

/// Every anomaly, archived ones included, in id order.
async fn all_anomalies(State(state): S) -> Json<Value> {
    let store = lock(&state.store);
    Json(json!(store.all().collect::<Vec<_>>()))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => vec![t],
        }
    }
}

/// Body: one `NewAnomaly` or a list; all are added or none (like a scan).
async fn add_anomalies(State(state): S, bytes: Bytes) -> Result<Response, ApiError> {
    let new: OneOrMany<NewAnomaly> = body(&bytes)?;
    let spec = ScanSpec {
        new: new.into_vec(),
        ..ScanSpec::default()
    };
    let report = scan::run(&mut lock(&state.store), spec)?;
    Ok((StatusCode::CREATED, Json(json!(report.created))).into_response())
}

async fn run_scan(State(state): S, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let spec: ScanSpec = body(&bytes)?;
    let report = scan::run(&mut lock(&state.store), spec)?;
    Ok(Json(json!(report)))
}

async fn list_faults(State(state): S) -> Json<Value> {
    Json(json!(lock(&state.faults).list()))
}

/// Body: one fault spec or a list (see `FaultSpec`); answers their ids.
async fn add_faults(State(state): S, bytes: Bytes) -> Result<Response, ApiError> {
    let specs: OneOrMany<FaultSpec> = body(&bytes)?;
    let mut faults = lock(&state.faults);
    let ids: Vec<u64> = specs
        .into_vec()
        .into_iter()
        .map(|s| faults.add(s))
        .collect();
    Ok((StatusCode::CREATED, Json(json!({ "ids": ids }))).into_response())
}

async fn clear_faults(State(state): S) -> StatusCode {
    lock(&state.faults).clear();
    StatusCode::NO_CONTENT
}

async fn requests(State(state): S) -> Json<Value> {
    Json(json!(lock(&state.log).snapshot()))
}

async fn clear_requests(State(state): S) -> StatusCode {
    lock(&state.log).clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenRequest {
    user_id: u64,
    role: Role,
    /// Default: the configured token lifetime.
    lifetime_secs: Option<u64>,
}

async fn issue_token(State(state): S, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let t: TokenRequest = body(&bytes)?;
    if lock(&state.store).user(t.user_id).is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("User {} not found: seed the user first", t.user_id),
        ));
    }
    let lifetime = t
        .lifetime_secs
        .map_or(state.token_lifetime, Duration::from_secs);
    let token = lock(&state.tokens).issue(t.user_id, t.role, lifetime);
    Ok(Json(json!({ "token": token })))
}

async fn expire_tokens(State(state): S) -> Json<Value> {
    Json(json!({ "expired": lock(&state.tokens).expire_all() }))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::extract::ConnectInfo;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use crate::state::AppState;
    use crate::store::Store;

    async fn status_from(peer: &str) -> StatusCode {
        let state = Arc::new(AppState::new(Store::default(), Duration::from_secs(60)));
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
    }
}
