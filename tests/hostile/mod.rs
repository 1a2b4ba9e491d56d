//! Hostile ServiceNow doubles for the binary tests: a server whose every answer is a 500 MB body,
//! a stub that answers every PATCH with `{"result":{}}`, and a run of the real binary that
//! samples its peak memory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::TestEnv;

/// A server on 127.0.0.1:0 answering every request with a 200 and a 500 MB JSON body, generated
/// while sent and without a Content-Length (so only a cap counted while reading stops it).
pub struct BigBodyServer {
    pub base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BigBodyServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn big_body_server() -> BigBodyServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            connection: close\r\n\r\n{\"result\":[";
                if sock.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let row = br#"{"sys_id":"0123456789abcdef0123456789abcdef","user_name":"itil"},"#;
                let block = row.repeat(65536 / row.len());
                let mut sent = 0usize;
                // The client hangs up at its cap; a write error ends the answer.
                while sent < 500_000_000 {
                    if sock.write_all(&block).await.is_err() {
                        return;
                    }
                    sent += block.len();
                }
                let _ = sock.write_all(b"{}]}").await;
            });
        }
    });
    BigBodyServer {
        base: format!("http://{addr}"),
        task,
    }
}

/// One request the stub saw: method and path.
pub type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A ServiceNow look-alike that reads fine but answers every PATCH with `{"result":{}}`: a
/// record-shaped answer without the record, which must never count as a delivered note.
pub async fn empty_patch_stub() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().fallback(move |req: Request| {
        let log = log.clone();
        async move {
            let method = req.method().to_string();
            let path = req.uri().path().to_string();
            log.lock().unwrap().push((method.clone(), path.clone()));
            stub_answer(&method, &path)
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), seen)
}

fn stub_answer(method: &str, path: &str) -> Response {
    let tail: Vec<&str> = path
        .trim_start_matches("/api/now/table/")
        .split('/')
        .collect();
    let body = match (method, tail.as_slice()) {
        ("PATCH", _) => json!({"result": {}}),
        ("GET", ["sys_user"]) => {
            json!({"result": [{"sys_id": "u1", "user_name": "itil", "name": "ITIL User"}]})
        }
        // One record: echo the id the client asked for, with an empty journal.
        ("GET", [_, sys_id]) => json!({"result": {"sys_id": sys_id, "work_notes": "",
                                                   "description": "", "number": "INC0000004"}}),
        _ => json!({"result": []}),
    };
    axum::Json::<Value>(body).into_response()
}

/// Runs the binary like `TestEnv::run` and samples `/proc/<pid>/status` `VmHWM` (the kernel's
/// peak resident size) until it exits. Samples only ever understate the peak, so a bound on
/// them can fail only when memory really grew.
pub async fn run_sampling_peak(env: &TestEnv, args: &[&str]) -> (Output, u64) {
    let mut cmd = env.command(args);
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().expect("snowlink runs");
    let pid = child.id().unwrap();
    let waiting = tokio::spawn(child.wait_with_output());
    let mut peak_kb = 0u64;
    while !waiting.is_finished() {
        if let Some(kb) = vm_hwm_kb(pid) {
            peak_kb = peak_kb.max(kb);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    (waiting.await.unwrap().unwrap(), peak_kb * 1024)
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// A server on 127.0.0.1:0 answering every request at once with `reply` (raw bytes, the whole
/// answer), whatever arrived: a TLS ClientHello gets it too. Returns `host:port`.
pub struct CannedServer {
    pub addr: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CannedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn canned_server(reply: String) -> CannedServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    CannedServer {
        addr: addr.to_string(),
        task,
    }
}

/// A 401 with ServiceNow's error body and 200 extra headers: more than the HTTP layer parses.
pub fn oversized_401() -> String {
    let body = r#"{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}"#;
    let filler: String = (0..200).map(|i| format!("x-sso-{i}: v\r\n")).collect();
    format!(
        "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n{filler}\r\n{body}",
        body.len()
    )
}

/// What a plain HTTP server says to bytes it cannot parse (a TLS ClientHello among them).
pub fn plain_400() -> String {
    let body = "<html><body>400 Bad Request</body></html>";
    format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    )
}
