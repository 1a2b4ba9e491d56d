//! Event Management's inbound web service: `POST /api/global/em/jsonv2` with
//! `{"records":[…]}` inserts `em_event` rows and processes them into `em_alert` records
//! (docs/emulator.md §Event Management).

mod process;
pub mod schema;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::{Principal, authenticate};
use crate::body::{is_json_content, read_body};
use crate::error::{ApiError, json_response};
use crate::server::{AuthedUser, SessionId};
use crate::state::AppState;
use crate::store::{Record, Store};
use crate::util::stable_sys_id;

/// The role the endpoint needs (admin passes too).
pub const INTEGRATION_ROLE: &str = "evt_mgmt_integration";

pub async fn jsonv2(
    State(state): State<Arc<AppState>>,
    method: Method,
    headers: HeaderMap,
    session: Option<axum::Extension<SessionId>>,
    body: Body,
) -> Response {
    let session = session.map(|s| s.0.0);
    let p = match authenticate(&state, &headers, session.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut resp = match insert(&state, &p, method, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    resp.extensions_mut().insert(AuthedUser(p.user_name));
    resp
}

async fn insert(
    state: &AppState,
    p: &Principal,
    method: Method,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if method != Method::POST {
        return Err(ApiError::method_not_allowed());
    }
    if !(p.is_admin() || p.has_role(INTEGRATION_ROLE)) {
        return Err(ApiError::api_acl());
    }
    let bytes = read_body(headers, body).await?;
    if !is_json_content(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Requested content type is not supported",
            Some("Send the body as application/json".into()),
        ));
    }
    let records = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut o)) => match o.remove("records") {
            Some(Value::Array(items)) => items,
            _ => {
                return Err(ApiError::bad_request(
                    "Exception while reading request",
                    "The payload must be an object with a \"records\" array.",
                ));
            }
        },
        _ => return Err(ApiError::invalid_json()),
    };
    let mut store = state.write_store();
    let inserted = process::insert_all(&mut store, p, &records);
    Ok(json_response(
        StatusCode::OK,
        &json!({ "result": { "Default Bulk Endpoint": format!("{inserted} events were inserted") } }),
    ))
}

/// The severity labels in `sys_choice` for both tables, so display values read as on an
/// instance (`Critical`, …, `Clear`).
pub fn populate_choices(store: &mut Store, now: &str) {
    let Some(table) = store.table_mut("sys_choice") else {
        return;
    };
    for name in ["em_event", "em_alert"] {
        for (seq, (value, label)) in schema::SEVERITY_LABELS.iter().enumerate() {
            let mut rec = Record::new();
            let id = stable_sys_id(&format!("sys_choice/{name}/severity/{value}"));
            for (k, v) in [
                ("sys_id", id.as_str()),
                ("name", name),
                ("element", "severity"),
                ("language", "en"),
                ("value", value),
                ("label", label),
                ("sequence", &seq.to_string()),
                ("inactive", "false"),
                ("sys_domain", "global"),
                ("sys_created_on", now),
                ("sys_created_by", "system"),
                ("sys_updated_on", now),
                ("sys_updated_by", "system"),
                ("sys_mod_count", "0"),
            ] {
                rec.insert(k.to_string(), v.to_string());
            }
            table.put(rec);
        }
    }
}
