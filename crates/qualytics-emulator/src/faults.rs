//! Injected faults: answers that replace the real one for matching `/api` requests.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with `Retry-After: <secs>`.
    RateLimit { retry_after_secs: u64 },
    /// A 5xx with a FastAPI-style `{"detail": …}` body (default 500).
    ServerError {
        #[serde(default = "internal_error")]
        status: u16,
    },
    /// 200 whose body is a page cut off mid-JSON.
    MalformedPage,
    /// 200 with valid JSON in the wrong shape (no `items`, `total` a string).
    WrongShape,
}

fn internal_error() -> u16 {
    500
}

/// A fault and which requests it hits. Matching is on the method (any when
/// `None`) and the path prefix (default `/api/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many requests it answers before it is used up; `None` = until cleared.
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path_prefix: Option<String>,
}

impl FaultSpec {
    pub fn new(kind: FaultKind) -> Self {
        FaultSpec {
            kind,
            count: None,
            method: None,
            path_prefix: None,
        }
    }

    pub fn times(mut self, count: u32) -> Self {
        self.count = Some(count);
        self
    }

    pub fn on(mut self, method: &str, path_prefix: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self.path_prefix = Some(path_prefix.to_string());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        method_ok && path.starts_with(self.path_prefix.as_deref().unwrap_or("/api/"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActiveFault {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
}

#[derive(Debug, Default)]
pub struct Faults {
    active: Vec<ActiveFault>,
    next_id: u64,
}

impl Faults {
    pub fn add(&mut self, spec: FaultSpec) -> u64 {
        self.next_id += 1;
        self.active.push(ActiveFault {
            id: self.next_id,
            spec,
        });
        self.next_id
    }

    pub fn list(&self) -> Vec<ActiveFault> {
        self.active.clone()
    }

    pub fn clear(&mut self) {
        self.active.clear();
    }

    /// The first matching fault answers; a counted one is used up by it.
    pub fn take(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let i = self
            .active
            .iter()
            .position(|f| f.spec.matches(method, path))?;
        let kind = self.active[i].spec.kind.clone();
        if let Some(n) = self.active[i].spec.count.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.active.remove(i);
            }
        }
        Some(kind)
    }
}

pub fn response(kind: &FaultKind) -> Response {
    let json_body = |status: StatusCode, body: String| {
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    };
    match kind {
        FaultKind::RateLimit { retry_after_secs } => {
            let mut resp = json_body(
                StatusCode::TOO_MANY_REQUESTS,
                json!({ "detail": "Too many requests: retry after the Retry-After delay" })
                    .to_string(),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            resp
        }
        FaultKind::ServerError { status } => json_body(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            json!({ "detail": "Internal server error (injected fault)" }).to_string(),
        ),
        FaultKind::MalformedPage => json_body(
            StatusCode::OK,
            r#"{"items":[{"id":1,"status":"Active","descr"#.to_string(),
        ),
        FaultKind::WrongShape => json_body(
            StatusCode::OK,
            json!({ "results": [], "total": "many", "page": 1 }).to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn counted_faults_are_used_up_and_match_by_method_and_prefix() {
        let mut f = Faults::default();
        f.add(
            FaultSpec::new(FaultKind::MalformedPage)
                .times(1)
                .on("get", "/api/anomalies"),
        );
        assert_eq!(f.take("PUT", "/api/anomalies/1"), None);
        assert_eq!(f.take("GET", "/api/comments"), None);
        assert_eq!(
            f.take("GET", "/api/anomalies"),
            Some(FaultKind::MalformedPage)
        );
        assert_eq!(f.take("GET", "/api/anomalies"), None);
        f.add(FaultSpec::new(FaultKind::ServerError { status: 503 }));
        assert!(f.take("DELETE", "/api/anomalies/3").is_some());
        assert!(f.take("DELETE", "/api/anomalies/3").is_some());
        assert_eq!(f.list().len(), 1);
    }

    #[test]
    fn specs_parse_from_json() {
        let spec: FaultSpec =
            serde_json::from_str(r#"{"kind":"rate_limit","retry_after_secs":2,"count":3}"#)
                .unwrap();
        assert_eq!(
            spec.kind,
            FaultKind::RateLimit {
                retry_after_secs: 2
            }
        );
        assert_eq!(spec.count, Some(3));
        let spec: FaultSpec = serde_json::from_str(r#"{"kind":"server_error"}"#).unwrap();
        assert_eq!(spec.kind, FaultKind::ServerError { status: 500 });
    }
}
