//! A raw-TCP fake for hostile answers the well-behaved axum fake cannot produce: bodies of any
//! size generated on the fly, endless or dripping bodies, oversized heads, plain text on TLS.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the fake read it.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    /// Path and query, still percent-encoded.
    pub target: String,
    pub body: String,
}

impl RawRequest {
    /// A decoded query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

pub struct RawServer {
    pub base: String,
    pub log: Arc<Mutex<Vec<RawRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RawServer {
    pub fn requests(&self) -> Vec<RawRequest> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves on 127.0.0.1:0; every connection carries one request, then the handler owns the socket
/// (it writes whatever it likes and the connection closes when it returns).
pub async fn raw_serve<F, Fut>(handler: F) -> RawServer
where
    F: Fn(RawRequest, usize, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<RawRequest>>> = Arc::default();
    let handler = Arc::new(handler);
    let log2 = log.clone();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let handler = handler.clone();
            let log = log2.clone();
            tokio::spawn(async move {
                let Some(req) = read_request(&mut sock).await else {
                    return;
                };
                let idx = {
                    let mut l = log.lock().unwrap();
                    l.push(req.clone());
                    l.len() - 1
                };
                handler(req, idx, sock).await;
            });
        }
    });
    RawServer {
        base: format!("http://{addr}"),
        log,
        task,
    }
}

async fn read_request(sock: &mut TcpStream) -> Option<RawRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    Some(RawRequest {
        method,
        target,
        body,
    })
}

/// Writes a complete `Connection: close` JSON answer.
pub async fn send_json(sock: &mut TcpStream, status: u16, extra_headers: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n{extra_headers}\r\n",
        body.len()
    );
    let _ = sock.write_all(head.as_bytes()).await;
    let _ = sock.write_all(body.as_bytes()).await;
    let _ = sock.shutdown().await;
}

/// A 200 whose body is `prefix` then `unit` repeated `repeats` times (or until the peer hangs up
/// when `repeats` is `None`), then `suffix`. Generated while sent, never held in memory. Without
/// a length the body ends when the connection closes.
pub async fn stream_body(
    sock: &mut TcpStream,
    declared_length: Option<u64>,
    prefix: &[u8],
    unit: &[u8],
    repeats: Option<u64>,
    suffix: &[u8],
) {
    let length = declared_length
        .map(|n| format!("content-length: {n}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
    );
    if sock.write_all(head.as_bytes()).await.is_err() || sock.write_all(prefix).await.is_err() {
        return;
    }
    // 64 KiB writes: fast to send, bounded on our side.
    let per_write = (65536 / unit.len().max(1)).max(1);
    let block = unit.repeat(per_write);
    let mut sent = 0u64;
    loop {
        if repeats.is_some_and(|r| sent >= r) {
            break;
        }
        let n = repeats.map_or(per_write as u64, |r| (r - sent).min(per_write as u64));
        if sock
            .write_all(&block[..n as usize * unit.len()])
            .await
            .is_err()
        {
            return;
        }
        sent += n;
    }
    let _ = sock.write_all(suffix).await;
    let _ = sock.shutdown().await;
}

/// A 200 that sends `{"result":[` and then one byte per `every`, for far longer than any test's
/// deadline: only a total deadline that covers the body ends it.
pub async fn drip_body(sock: &mut TcpStream, every: Duration) {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
    if sock.write_all(head.as_bytes()).await.is_err()
        || sock.write_all(b"{\"result\":[").await.is_err()
    {
        return;
    }
    for _ in 0..100_000 {
        tokio::time::sleep(every).await;
        if sock.write_all(b" ").await.is_err() || sock.flush().await.is_err() {
            return;
        }
    }
}

/// A plain-HTTP server that answers whatever arrives (a TLS ClientHello included) with a 400 at
/// once, like nginx or a ServiceNow emulator on its http port.
pub async fn plain_http_server() -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let body = "<html><body>400 Bad Request</body></html>";
                let reply = format!(
                    "HTTP/1.1 400 Bad Request\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    RawServer {
        base: format!("https://{addr}"),
        log: Arc::default(),
        task,
    }
}
