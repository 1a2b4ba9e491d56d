//! Errors: `EmulatorError` for the Rust API, `ApiError` for the §6 HTTP error shapes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Failure to start the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read seed file {path}: {source}")]
    SeedRead {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("invalid seed data{}: {message}", path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default())]
    SeedInvalid {
        path: Option<std::path::PathBuf>,
        message: String,
    },
}

pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// A JSON response with ServiceNow's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    resp
}

/// An error answered in ServiceNow's envelope:
/// `{"error":{"message","detail"},"status":"failure"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>, detail: Option<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            detail,
        }
    }

    pub fn invalid_table(table: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            format!("Invalid table {table}"),
            Some(format!("Table {table} does not exist")),
        )
    }

    pub fn unknown_resource() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Requested URI does not represent any resource",
            None,
        )
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "User Not Authenticated",
            Some("Required to provide Auth information".into()),
        )
    }

    /// `op` is `Insert`, `Update` or `Delete`.
    pub fn acl(op: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            Some(format!(
                "ACL Exception {op} Failed due to security constraints"
            )),
        )
    }

    /// Data policy failure naming the missing mandatory fields by label.
    pub fn data_policy(labels: &[&str]) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            Some(format!(
                "Data Policy Exception: \n\tThe following fields are mandatory: {}",
                labels.join(", ")
            )),
        )
    }

    pub fn query_forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Insufficient rights to query records",
            Some("Field(s) present in the query do not have permission to be read".into()),
        )
    }

    pub fn api_acl() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "User Not Authorized",
            Some("Failed API level ACL Validation".into()),
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "No Record found",
            Some("Record doesn't exist or ACL restricts the record retrieval".into()),
        )
    }

    pub fn bad_request(message: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message, Some(detail.into()))
    }

    pub fn invalid_json() -> Self {
        Self::bad_request(
            "Exception while reading request",
            "The payload is not valid JSON.",
        )
    }

    pub fn body_too_large(len: u64, max: u64) -> Self {
        Self::bad_request(
            "Exception while reading request",
            format!(
                "Rejected large REST payload with content-length = {len} bytes. Max allowed: {max} bytes."
            ),
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not Supported",
            Some("The requested method is not supported for this resource".into()),
        )
    }

    pub fn body(&self) -> Value {
        json!({
            "error": { "message": self.message, "detail": self.detail },
            "status": "failure",
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body());
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("BASIC realm=\"Service-now\""),
            );
        }
        resp
    }
}
