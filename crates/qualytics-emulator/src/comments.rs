//! `POST /api/comments {message, anomaly_id}` and `GET /api/comments?anomaly_id=`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::body;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::list;
use crate::state::{AppState, lock};

type S = State<Arc<AppState>>;

#[derive(Deserialize)]
struct NewComment {
    message: String,
    anomaly_id: u64,
}

pub async fn create(
    State(state): S,
    Extension(caller): Extension<Caller>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let c: NewComment = body(&bytes)?;
    if c.message.trim().is_empty() {
        return Err(ApiError::validation(
            &["body", "message"],
            "message must not be empty",
            Value::String(c.message),
        ));
    }
    let comment = lock(&state.store).add_comment(c.anomaly_id, c.message, caller.user_id)?;
    Ok(Json(json!(comment)))
}

/// Oldest first, in the same page envelope as anomalies.
pub async fn list(State(state): S, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let raw = raw.unwrap_or_default();
    let q = list::parse(&raw)?;
    let mut anomaly_id = None;
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        if k == "anomaly_id" {
            anomaly_id = Some(v.parse::<u64>().map_err(|_| {
                ApiError::validation(
                    &["query", "anomaly_id"],
                    "Input should be a valid integer",
                    Value::String(v.to_string()),
                )
            })?);
        }
    }
    let all = lock(&state.store).comments(anomaly_id);
    let total = all.len() as u64;
    let start = usize::try_from((q.page - 1).saturating_mul(q.size)).unwrap_or(usize::MAX);
    let items: Vec<_> = all.into_iter().skip(start).take(q.size as usize).collect();
    Ok(Json(json!({
        "items": items,
        "total": total,
        "page": q.page,
        "size": q.size,
        "pages": total.div_ceil(q.size),
    })))
}
