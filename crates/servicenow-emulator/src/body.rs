//! Request bodies: the 10 MB cap of `glide.rest.max_content_length` and JSON parsing.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, header};
use http_body_util::BodyExt;
use serde_json::Value;

use crate::error::ApiError;

/// `glide.rest.max_content_length`.
pub const MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
/// Oversized bodies are read and dropped up to this size so the client sees the
/// 400 instead of a broken pipe; beyond it the connection is simply closed.
const DRAIN_LIMIT: u64 = 80 * 1024 * 1024;

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`].
pub async fn read_body(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    read_body_capped(headers, body, MAX_BODY_BYTES).await
}

/// Reads the whole body, refusing more than `max` bytes.
pub async fn read_body_capped(
    headers: &HeaderMap,
    body: Body,
    max: u64,
) -> Result<Bytes, ApiError> {
    let declared = content_length(headers);
    let mut body = body;
    let mut buf: Vec<u8> = Vec::new();
    let mut seen: u64 = 0;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return Err(ApiError::bad_request(
                "Exception while reading request",
                "The request body could not be read",
            ));
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len() as u64;
        if seen > DRAIN_LIMIT {
            break;
        }
        if seen <= max && declared.is_none_or(|d| d <= max) {
            buf.extend_from_slice(&data);
        }
    }
    let total = declared.unwrap_or(seen).max(seen);
    if total > max {
        return Err(ApiError::body_too_large(total, max));
    }
    Ok(Bytes::from(buf))
}

/// Whether the request says its body is JSON (a missing type is accepted, as
/// clients such as curl often omit it for small bodies).
pub fn is_json_content(headers: &HeaderMap) -> bool {
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

/// Parses a write body: an object, or an array whose first object counts (§1).
pub fn parse_record_body(bytes: &[u8]) -> Result<serde_json::Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Array(items)) => match items.into_iter().next() {
            Some(Value::Object(map)) => Ok(map),
            _ => Err(ApiError::invalid_json()),
        },
        _ => Err(ApiError::invalid_json()),
    }
}

/// Turns a JSON body value into the stored string form.
pub fn value_to_raw(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        // A reference written back as read with display values: take its value.
        Value::Object(o) => o.get("value").and_then(value_to_raw),
        Value::Array(_) => None,
    }
}
