//! Errors: `EmulatorError` for the Rust API, `ApiError` for HTTP answers in
//! the FastAPI shapes the real API uses (`{"detail": "…"}`, and for 422 a list
//! of `{type, loc, msg, input}`).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::store::StoreError;

/// Failure to start the emulator or to seed it.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source} (pick another address or port 0 for a free one)")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read seed file {path}: {source} (check the path passed as the seed)")]
    SeedRead {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("invalid seed data{}: {message} (see docs/qualytics-emulator.md, \"Seed format\")", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    SeedInvalid {
        path: Option<std::path::PathBuf>,
        message: String,
    },
    #[error("{0}")]
    Rejected(#[from] StoreError),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: Value::String(detail.into()),
        }
    }

    /// 422 for one bad input, located like FastAPI does (`["query", "size"]`).
    pub fn validation(loc: &[&str], msg: impl Into<String>, input: Value) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: json!([{
                "type": "value_error",
                "loc": loc,
                "msg": msg.into(),
                "input": input,
            }]),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match e {
            StoreError::AnomalyNotFound(_) | StoreError::UserNotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Conflict(_) => StatusCode::CONFLICT,
            StoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(json!({ "detail": self.detail }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}
