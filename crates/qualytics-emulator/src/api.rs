//! The anomaly routes under `/api/anomalies` (docs/qualytics-emulator.md, "Routes").

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::list;
use crate::model::Status;
use crate::state::{AppState, lock};
use crate::store::{StoreError, Update};

type S = State<Arc<AppState>>;

/// Parses a JSON body into `T`; failures are FastAPI-style 422s.
pub fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::validation(
            &["body"],
            format!("Invalid request body: {e}"),
            Value::String(String::from_utf8_lossy(bytes).into_owned()),
        )
    })
}

fn status_value(loc: &[&str], s: &str) -> Result<Status, ApiError> {
    Status::parse(s).ok_or_else(|| {
        ApiError::validation(
            loc,
            "Input should be 'Active', 'Acknowledged', 'Resolved', 'Invalid', 'Duplicate' or 'Discarded'",
            Value::String(s.to_string()),
        )
    })
}

/// Path ids are numbers or uuids; answers 404 for neither.
fn resolve_id(state: &AppState, key: &str) -> Result<u64, ApiError> {
    lock(&state.store)
        .get(key)
        .map(|a| a.id)
        .ok_or_else(|| StoreError::AnomalyNotFound(key.to_string()).into())
}

pub async fn list(State(state): S, RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    let q = list::parse(raw.as_deref().unwrap_or(""))?;
    Ok(Json(list::page(&lock(&state.store), &q)))
}

pub async fn get_one(State(state): S, Path(key): Path<String>) -> Result<Json<Value>, ApiError> {
    let store = lock(&state.store);
    let a = store
        .get(&key)
        .ok_or_else(|| ApiError::from(StoreError::AnomalyNotFound(key.clone())))?;
    let mut v = json!(a);
    v["comments"] = json!(store.comments(Some(a.id)));
    Ok(Json(v))
}

#[derive(Deserialize)]
struct PutBody {
    status: String,
    description: Option<String>,
    tags: Option<Vec<String>>,
    assignee_ids: Option<Vec<u64>>,
}

pub async fn put_one(
    State(state): S,
    Path(key): Path<String>,
    bytes: Bytes,
) -> Result<Json<Value>, ApiError> {
    let b: PutBody = body(&bytes)?;
    let update = Update {
        status: Some(status_value(&["body", "status"], &b.status)?),
        description: b.description,
        tags: b.tags,
        assignee_ids: b.assignee_ids,
    };
    let id = resolve_id(&state, &key)?;
    let mut changed = lock(&state.store).update_many(&[(id, update)])?;
    Ok(Json(json!(changed.pop())))
}

#[derive(Deserialize)]
struct PatchItem {
    id: u64,
    status: Option<String>,
    description: Option<String>,
    tags: Option<Vec<String>>,
    assignee_ids: Option<Vec<u64>>,
}

/// Bulk update: all items or none.
pub async fn patch_many(State(state): S, bytes: Bytes) -> Result<Json<Value>, ApiError> {
    let items: Vec<PatchItem> = body(&bytes)?;
    let mut updates = Vec::with_capacity(items.len());
    for it in items {
        let status = match &it.status {
            Some(s) => Some(status_value(&["body", "status"], s)?),
            None => None,
        };
        updates.push((
            it.id,
            Update {
                status,
                description: it.description,
                tags: it.tags,
                assignee_ids: it.assignee_ids,
            },
        ));
    }
    let changed = lock(&state.store).update_many(&updates)?;
    Ok(Json(json!(changed)))
}

/// `archive` defaults to true; archiving needs an archive status.
fn delete_reason(
    archive: bool,
    status: Option<&str>,
    loc: &[&str],
) -> Result<Option<Status>, ApiError> {
    if !archive {
        return Ok(None);
    }
    let Some(s) = status else {
        return Err(ApiError::validation(
            loc,
            "status is required to archive: Resolved, Invalid, Duplicate or Discarded",
            Value::Null,
        ));
    };
    status_value(loc, s).map(Some)
}

fn parse_bool(name: &str, v: &str) -> Result<bool, ApiError> {
    match v {
        "true" | "True" | "1" => Ok(true),
        "false" | "False" | "0" => Ok(false),
        _ => Err(ApiError::validation(
            &["query", name],
            "Input should be a valid boolean",
            Value::String(v.to_string()),
        )),
    }
}

pub async fn delete_one(
    State(state): S,
    Path(key): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut archive = true;
    let mut status = None;
    for (k, v) in url::form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "archive" => archive = parse_bool("archive", &v)?,
            "status" => status = Some(v.into_owned()),
            _ => {}
        }
    }
    let reason = delete_reason(archive, status.as_deref(), &["query", "status"])?;
    let id = resolve_id(&state, &key)?;
    lock(&state.store).delete_many(&[(id, reason)])?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct DeleteItem {
    id: u64,
    #[serde(default = "yes")]
    archive: bool,
    status: Option<String>,
}

fn yes() -> bool {
    true
}

/// Bulk archive / delete with a JSON body: all items or none.
pub async fn delete_many(State(state): S, bytes: Bytes) -> Result<Response, ApiError> {
    let items: Vec<DeleteItem> = body(&bytes)?;
    let mut plan = Vec::with_capacity(items.len());
    for it in items {
        plan.push((
            it.id,
            delete_reason(it.archive, it.status.as_deref(), &["body", "status"])?,
        ));
    }
    lock(&state.store).delete_many(&plan)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
