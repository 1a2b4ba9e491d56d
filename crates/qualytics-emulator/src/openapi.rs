//! `GET /api/openapi.json`: the routes this emulator serves, and only those
//! (qualytics-cli's `doctor` and our source client probe it for optional routes).

use serde_json::{Map, Value, json};

/// `(method, path, summary)` of every `/api` route; `routes::router` serves exactly these.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    ("get", "/api/status", "Service status"),
    ("get", "/api/openapi.json", "This document"),
    ("get", "/api/anomalies", "List anomalies (paged)"),
    ("patch", "/api/anomalies", "Bulk update anomalies"),
    (
        "delete",
        "/api/anomalies",
        "Bulk archive or delete anomalies",
    ),
    (
        "get",
        "/api/anomalies/{anomaly_id}",
        "Get an anomaly by id or uuid",
    ),
    (
        "put",
        "/api/anomalies/{anomaly_id}",
        "Update an anomaly (Active or Acknowledged)",
    ),
    (
        "delete",
        "/api/anomalies/{anomaly_id}",
        "Archive (with a status) or delete an anomaly",
    ),
    ("get", "/api/comments", "List comments (filter anomaly_id)"),
    ("post", "/api/comments", "Comment on an anomaly"),
];

pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for (method, path, summary) in OPERATIONS {
        let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        item[*method] = json!({
            "summary": summary,
            "operationId": format!("{method}_{}", path.trim_start_matches("/api/").replace(['/', '{', '}', '.'], "_")),
            "responses": { "200": { "description": "Successful Response" } },
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Qualytics API (snowlink emulator)", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
    })
}
