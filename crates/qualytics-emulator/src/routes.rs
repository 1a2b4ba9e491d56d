//! The router and the per-request pipeline: faults and the request log around
//! every `/api` request, then bearer authentication on the matched routes.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::DefaultBodyLimit;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::auth::{AuthFailure, Caller};
use crate::error::ApiError;
use crate::reqlog::LoggedRequest;
use crate::state::{AppState, lock};
use crate::{api, clock, comments, control, faults, openapi};

/// Bodies above this are refused with 413 (the API's own limit is unknown).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Request bodies are logged up to this many bytes.
const LOGGED_BODY_BYTES: usize = 16 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let open = Router::new()
        .route(
            "/api/status",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route(
            "/api/openapi.json",
            get(|| async { Json(openapi::document()) }),
        );
    let guarded = Router::new()
        .route(
            "/api/anomalies",
            get(api::list)
                .patch(api::patch_many)
                .delete(api::delete_many),
        )
        .route(
            "/api/anomalies/{anomaly_id}",
            get(api::get_one).put(api::put_one).delete(api::delete_one),
        )
        .route("/api/comments", get(comments::list).post(comments::create))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    open.merge(guarded)
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "Not Found") })
        // `observe` enforces MAX_BODY_BYTES with a JSON 413; axum's own 2 MB
        // plain-text limit on the extractors would otherwise answer first.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .nest("/__emulator", control::router())
        .with_state(state)
}

/// 401 for a missing, unknown or expired token; 403 when a viewer writes.
async fn authenticate(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let caller: Caller = match lock(&state.tokens).check(header.as_deref()) {
        Ok(c) => c,
        Err(AuthFailure::Missing) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Not authenticated: send `Authorization: Bearer <token>`",
            )
            .into_response();
        }
        Err(AuthFailure::Unknown) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Invalid token: this server did not issue it; use a token from this instance",
            )
            .into_response();
        }
        Err(AuthFailure::Expired) => {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "Token has expired: use a new token",
            )
            .into_response();
        }
    };
    if req.method() != Method::GET && !caller.role.can_write() {
        let mut resp = ApiError::new(
            StatusCode::FORBIDDEN,
            "The viewer role cannot change anomalies: use a token of a user with write permission",
        )
        .into_response();
        resp.extensions_mut().insert(caller);
        return resp;
    }
    req.extensions_mut().insert(caller);
    let mut resp = next.run(req).await;
    resp.extensions_mut().insert(caller);
    resp
}

/// Injected faults answer first; every request is logged with its answer.
async fn observe(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    // `/__emulator/` (trailing slash) misses the nested control router and
    // lands here: it is still a control call, never faulted or logged.
    if req.uri().path().starts_with("/__emulator") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (parts, body) = req.into_parts();
    let (bytes, too_large) = match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => (b, false),
        Err(_) => (Default::default(), true),
    };
    let logged_body =
        String::from_utf8_lossy(&bytes[..bytes.len().min(LOGGED_BODY_BYTES)]).into_owned();
    let fault = lock(&state.faults).take(&method, &path);
    let resp = if let Some(kind) = &fault {
        faults::response(kind)
    } else if too_large {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "Request body is larger than {MAX_BODY_BYTES} bytes: send fewer items per request"
            ),
        )
        .into_response()
    } else {
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    };
    lock(&state.log).push(LoggedRequest {
        method,
        path,
        query,
        body: logged_body,
        status: resp.status().as_u16(),
        user_id: resp.extensions().get::<Caller>().map(|c| c.user_id),
        fault: fault.map(|k| format!("{k:?}")),
        time: clock::now(),
    });
    resp
}
