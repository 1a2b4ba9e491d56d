//! A forwarding HTTP proxy for the crash tests, between `snowlink` and the emulator. It lets a
//! test see, for real, whether a write was in flight when a process was killed:
//!
//! - every request of the watched kind (e.g. `PATCH /api/now/table/incident/…`) is recorded
//!   with when it arrived, when the emulator answered it (the write has landed) and when its
//!   answer was handed back towards the client;
//! - the answer of a watched request is held for a configurable time after the emulator
//!   answered, so a write is "landed but not acknowledged" for a while, where a kill is the
//!   hardest case for exactly-once delivery;
//! - the emulator call runs on its own task, so a killed client never cancels a request that
//!   already reached the proxy: it either lands or not before the test goes on (`wait_idle`);
//! - `fence` refuses (503, not forwarded) every later request on connections accepted before
//!   it, so a dead process's request still sitting in a socket buffer can never land after the
//!   test has started its recovery run.
//!
//! Included by the crash tests with `#[path]`; not part of `common` so other tests don't build it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::{ConnectInfo, Connected};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::serve::IncomingStream;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Connections are numbered in accept order across all proxies of the test binary; a fence is
/// "every connection numbered below this".
static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Clone, Copy)]
struct ConnectionSeq(u64);

impl Connected<IncomingStream<'_, TcpListener>> for ConnectionSeq {
    fn connect_info(_stream: IncomingStream<'_, TcpListener>) -> Self {
        ConnectionSeq(CONNECTIONS.fetch_add(1, Ordering::SeqCst))
    }
}

/// One watched request.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub path: String,
    pub arrived: Instant,
    /// The emulator answered (for a write: it has landed, or was refused).
    pub served: Option<Instant>,
    pub status: Option<u16>,
    /// The answer was handed back towards the client (after the hold).
    pub answered: Option<Instant>,
}

impl Exchange {
    /// Arrived before `at` and not answered before `at`: the client could not know its outcome.
    pub fn in_flight_at(&self, at: Instant) -> bool {
        self.arrived <= at && self.answered.is_none_or(|a| a > at)
    }

    /// In flight at `at`, and the emulator had already served it successfully.
    pub fn landed_unacknowledged_at(&self, at: Instant) -> bool {
        self.in_flight_at(at)
            && self.served.is_some_and(|s| s <= at)
            && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

struct Shared {
    upstream: String,
    http: reqwest::Client,
    watch_method: String,
    watch_path: String,
    hold: watch::Sender<Duration>,
    exchanges: Mutex<Vec<Exchange>>,
    /// Watched requests that arrived so far.
    arrivals: watch::Sender<usize>,
    /// Watched requests whose answer was handed back towards the client so far.
    answers: watch::Sender<usize>,
    /// Requests (any kind) forwarded and not yet answered by the emulator.
    upstream_busy: watch::Sender<usize>,
    fence: AtomicU64,
}

pub struct HoldingProxy {
    pub url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl HoldingProxy {
    /// Forwards everything on 127.0.0.1:0 to `upstream`; requests whose method is
    /// `watch_method` and whose path starts with `watch_path` are recorded and held.
    pub async fn start(upstream: &str, watch_method: &str, watch_path: &str) -> HoldingProxy {
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            watch_method: watch_method.to_string(),
            watch_path: watch_path.to_string(),
            hold: watch::channel(Duration::ZERO).0,
            exchanges: Mutex::new(Vec::new()),
            arrivals: watch::channel(0).0,
            answers: watch::channel(0).0,
            upstream_busy: watch::channel(0).0,
            fence: AtomicU64::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .fallback(forward)
            .with_state(shared.clone())
            .into_make_service_with_connect_info::<ConnectionSeq>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HoldingProxy { url, shared, task }
    }

    /// How long answers of watched requests are held after the emulator answered. Lowering it
    /// releases held answers at once.
    pub fn set_hold(&self, hold: Duration) {
        self.shared.hold.send_replace(hold);
    }

    /// Number of watched requests that arrived so far.
    pub fn arrivals(&self) -> usize {
        *self.shared.arrivals.borrow()
    }

    /// Waits until `n` watched requests have arrived in all.
    pub async fn wait_arrivals(&self, n: usize) {
        let mut rx = self.shared.arrivals.subscribe();
        let _ = rx.wait_for(|a| *a >= n).await;
    }

    /// Waits until `n` watched answers have been handed back in all.
    pub async fn wait_answers(&self, n: usize) {
        let mut rx = self.shared.answers.subscribe();
        let _ = rx.wait_for(|a| *a >= n).await;
    }

    /// Number of watched answers handed back so far.
    pub fn answers(&self) -> usize {
        *self.shared.answers.borrow()
    }

    /// The watched requests from index `from` on (indices are arrival order).
    pub fn exchanges_since(&self, from: usize) -> Vec<Exchange> {
        let all = self.shared.exchanges.lock().unwrap();
        all.get(from..)
            .map(<[Exchange]>::to_vec)
            .unwrap_or_default()
    }

    /// Refuses every later request on connections accepted before now.
    pub fn fence(&self) {
        let next = CONNECTIONS.load(Ordering::SeqCst);
        self.shared.fence.store(next, Ordering::SeqCst);
    }

    /// Waits until no forwarded request is waiting for the emulator's answer.
    pub async fn wait_idle(&self) {
        let mut rx = self.shared.upstream_busy.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }
}

impl Drop for HoldingProxy {
    fn drop(&mut self) {
        self.task.abort();
        // Releases any answer still held, so connection tasks end too.
        self.shared.hold.send_replace(Duration::ZERO);
    }
}

fn hop_by_hop(name: &HeaderName) -> bool {
    name == header::HOST
        || name == header::CONNECTION
        || name == header::TRANSFER_ENCODING
        || name == header::CONTENT_LENGTH
        || name.as_str() == "keep-alive"
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for (name, value) in from {
        if !hop_by_hop(name) {
            to.append(name.clone(), value.clone());
        }
    }
}

async fn forward(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnectionSeq>,
    req: Request,
) -> Response {
    if conn.0 < shared.fence.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "fenced by the crash test").into_response();
    }
    let (parts, body) = req.into_parts();
    let watched = parts.method.as_str() == shared.watch_method
        && parts.uri.path().starts_with(&shared.watch_path);
    let index = watched.then(|| {
        let mut all = shared.exchanges.lock().unwrap();
        all.push(Exchange {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            arrived: Instant::now(),
            served: None,
            status: None,
            answered: None,
        });
        let n = all.len();
        shared.arrivals.send_replace(n);
        n - 1
    });
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let url = format!(
        "{}{}",
        shared.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut upstream_req = shared.http.request(parts.method.clone(), url).body(bytes);
    let mut headers = HeaderMap::new();
    copy_headers(&parts.headers, &mut headers);
    upstream_req = upstream_req.headers(headers);

    shared.upstream_busy.send_modify(|n| *n += 1);
    // On its own task: a client that dies now does not cancel the call to the emulator.
    let call = {
        let shared = shared.clone();
        tokio::spawn(async move {
            let answer = async {
                let resp = upstream_req.send().await?;
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = resp.bytes().await?;
                Ok::<_, reqwest::Error>((status, headers, body))
            }
            .await;
            if let Some(i) = index {
                let mut all = shared.exchanges.lock().unwrap();
                all[i].served = Some(Instant::now());
                all[i].status = answer.as_ref().ok().map(|(s, _, _)| s.as_u16());
            }
            shared.upstream_busy.send_modify(|n| *n -= 1);
            answer
        })
    };
    let answer = call.await;
    if let Some(i) = index {
        hold(&shared, i).await;
    }
    let response = match answer {
        Ok(Ok((status, headers, body))) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = status;
            copy_headers(&headers, resp.headers_mut());
            resp
        }
        Ok(Err(e)) => (StatusCode::BAD_GATEWAY, format!("proxy: {e}")).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, format!("proxy task: {e}")).into_response(),
    };
    if let Some(i) = index {
        shared.exchanges.lock().unwrap()[i].answered = Some(Instant::now());
        shared.answers.send_modify(|n| *n += 1);
    }
    response
}

/// Holds a watched answer until `hold` after the emulator answered; re-evaluated whenever the
/// hold changes.
async fn hold(shared: &Shared, index: usize) {
    let served = shared.exchanges.lock().unwrap()[index]
        .served
        .unwrap_or_else(Instant::now);
    let mut rx = shared.hold.subscribe();
    loop {
        let until = served + *rx.borrow_and_update();
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => return,
            changed = rx.changed() => if changed.is_err() { return },
        }
    }
}
