//! The accept loop and the per-request pipeline around the axum router:
//! latency, faults, sessions, the transaction headers and the request log.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Method, Request};
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::auth::session::{add_session_cookies, random_hex};
use crate::clock;
use crate::faults::{
    EDIT_FAULT_NAME, ResetConnection, edit_description, fault_response, record_get_target,
};
use crate::rate_limit::RateDecision;
use crate::reqlog::LoggedRequest;
use crate::state::AppState;

/// The request's session (request extension).
#[derive(Debug, Clone)]
pub struct SessionId(pub String);

/// The authenticated user (response extension), for logs and `X-Is-Logged-In`.
#[derive(Debug, Clone)]
pub struct AuthedUser(pub String);

/// Returned to hyper to make it drop the connection without a response.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by an injected reset fault")]
struct ConnectionDropped;

pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    router: Router,
    mut stop: oneshot::Receiver<()>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    conns.spawn(serve_connection(stream, peer, state.clone(), router.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!("emulator accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    state: Arc<AppState>,
    router: Router,
) {
    let _ = stream.set_nodelay(true);
    let svc =
        hyper::service::service_fn(move |req| handle(state.clone(), router.clone(), peer, req));
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), svc);
    if let Err(e) = conn.await {
        tracing::debug!("emulator connection from {peer} ended: {e}");
    }
}

fn override_method(req: &mut Request<Body>) {
    if req.method() != Method::POST {
        return;
    }
    let wanted = req
        .headers()
        .get("X-HTTP-Method-Override")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Method::from_bytes(v.trim().to_ascii_uppercase().as_bytes()).ok());
    if let Some(m) = wanted {
        *req.method_mut() = m;
    }
}

async fn call(router: Router, req: Request<Body>) -> Response {
    match router.oneshot(req).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

async fn handle(
    state: Arc<AppState>,
    router: Router,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<Response, ConnectionDropped> {
    let mut req = req.map(Body::new);
    override_method(&mut req);
    req.extensions_mut().insert(ConnectInfo(peer));
    let path = req.uri().path().to_string();
    if path == "/__emulator" || path.starts_with("/__emulator/") {
        return Ok(call(router, req).await);
    }
    let method = req.method().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let log = |status: u16, user: String, fault: Option<String>| {
        state.log.push(LoggedRequest {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            status,
            user,
            time: clock::now_millis(),
            fault,
        });
    };

    let session = state.sessions().resolve(req.headers());
    // Requests sharing a session queue behind each other, latency included;
    // the wait is reported as `sesh_wait` like a real instance does.
    let waiting = std::time::Instant::now();
    let _turn = session.gate.clone().lock_owned().await;
    let sesh_wait = waiting.elapsed().as_millis();
    let decision = state.faults.decide(&method, &path);
    let delay = state.settings().latency + decision.extra_latency;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(kind) = decision.replace {
        let resp = fault_response(&kind);
        let name = Some(format!("{kind:?}"));
        if resp.extensions().get::<ResetConnection>().is_some() {
            log(0, String::new(), name);
            return Err(ConnectionDropped);
        }
        log(resp.status().as_u16(), String::new(), name);
        return Ok(resp);
    }

    let rate = rate_limit(&state, &path, req.headers(), &session.id);
    if let Some(refused) = rate.as_ref().and_then(rate_refusal) {
        log(429, String::new(), Some("rate-limit".into()));
        return Ok(refused);
    }

    req.extensions_mut().insert(SessionId(session.id.clone()));
    let mut resp = call(router, req).await;
    if let Some(rate) = &rate {
        add_rate_headers(resp.headers_mut(), rate);
    }
    let edited = concurrent_edit(&state, &method, &path, resp.status().as_u16());
    let user = resp.extensions().get::<AuthedUser>().map(|u| u.0.clone());
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&random_hex(12, false)) {
        headers.insert("X-Transaction-ID", v);
    }
    let timing = format!("sem_wait;dur=0, sesh_wait;dur={sesh_wait}");
    if let Ok(v) = HeaderValue::from_str(&timing) {
        headers.insert("Server-Timing", v);
    }
    if user.is_some() {
        headers.insert("X-Is-Logged-In", HeaderValue::from_static("true"));
    }
    if session.new {
        add_session_cookies(headers, &session.id);
    }
    log(resp.status().as_u16(), user.unwrap_or_default(), edited);
    Ok(resp)
}

/// Counts a REST API request against the rate limit rule that applies to its user (see
/// `rate_limit.rs`); `None` when no rule applies or the request is not authenticated (the
/// handler answers that with 401).
fn rate_limit(
    state: &AppState,
    path: &str,
    headers: &axum::http::HeaderMap,
    session_id: &str,
) -> Option<RateDecision> {
    if state.rate_limits.is_empty() || !path.starts_with("/api/") {
        return None;
    }
    let user = crate::auth::authenticate(state, headers, Some(session_id)).ok()?;
    state.rate_limits.admit(&user)
}

fn add_rate_headers(headers: &mut axum::http::HeaderMap, rate: &RateDecision) {
    headers.insert("X-RateLimit-Limit", HeaderValue::from(rate.limit));
    headers.insert("X-RateLimit-Reset", HeaderValue::from(rate.reset));
    if let Ok(v) = HeaderValue::from_str(&rate.rule_sys_id) {
        headers.insert("X-RateLimit-Rule", v);
    }
}

/// The instance's 429 for a request past its rule's hourly limit.
fn rate_refusal(rate: &RateDecision) -> Option<Response> {
    use axum::response::IntoResponse;
    let retry_after = rate.retry_after?;
    let mut resp = crate::error::ApiError::new(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "Rate limit exceeded",
        Some(format!(
            "Rate limit of {} requests per hour for Table API exceeded",
            rate.limit
        )),
    )
    .into_response();
    let headers = resp.headers_mut();
    headers.insert(
        axum::http::header::RETRY_AFTER,
        HeaderValue::from(retry_after),
    );
    add_rate_headers(headers, rate);
    Some(resp)
}

/// Runs an armed `edit-description` fault after a served single-record GET: the answer is
/// already built, so the client reads the description as it was and the edit lands before it
/// can write. Returns the fault name for the request log when an edit was made.
fn concurrent_edit(state: &AppState, method: &str, path: &str, status: u16) -> Option<String> {
    if method != "GET" || status != 200 {
        return None;
    }
    let (table, sys_id) = record_get_target(path)?;
    let user = state.faults.take_edit(method, path)?;
    match edit_description(state, &table, &sys_id, &user) {
        Ok(_) => Some(EDIT_FAULT_NAME.to_string()),
        Err(e) => {
            tracing::warn!("edit-description fault on {path} did nothing: {e}");
            None
        }
    }
}
