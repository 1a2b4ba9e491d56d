//! The Table API (§1–§5): `/api/now[/v1|/v2]/table/{table}[/{sys_id}]`.

mod link;
pub mod list;
pub mod params;
pub mod read;
pub mod render;
mod write;

pub use write::{apply_update, update_record};

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::auth::{Principal, authenticate};
use crate::error::{ApiError, json_response};
use crate::schema::{self, TableDef};
use crate::server::{AuthedUser, SessionId};
use crate::state::AppState;
use params::TableParams;

/// Where the request came in: used for reference links, `Location` and `Link`.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// `http://host:port`, from the request's `Host` header.
    pub origin: String,
    /// `/api/now` or `/api/now/v1` / `/api/now/v2`.
    pub api_prefix: String,
    pub version: Option<String>,
    /// The list URL for `Link` when it is not `…/table/{t}` (the attachment API).
    pub collection_url: Option<String>,
}

impl RequestCtx {
    pub fn table_base(&self) -> String {
        format!("{}{}/table", self.origin, self.api_prefix)
    }
}

/// One Table API call, before the method is dispatched.
pub struct Call {
    pub state: Arc<AppState>,
    pub method: Method,
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub session: Option<String>,
    pub version: Option<String>,
    pub table: String,
    pub sys_id: Option<String>,
}

/// Every Table API route (`/api/now[/{version}]/table/{table}[/{sys_id}]`): the route's named
/// parameters say which of the four shapes this is.
pub async fn handle(
    State(state): State<Arc<AppState>>,
    Path(mut params): Path<HashMap<String, String>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    session: Option<axum::Extension<SessionId>>,
    body: Body,
) -> Response {
    let call = Call {
        state,
        method,
        headers,
        query,
        session: session.map(|s| s.0.0),
        version: params.remove("version"),
        table: params.remove("table").unwrap_or_default(),
        sys_id: params.remove("sys_id"),
    };
    dispatch(call, body).await
}

async fn dispatch(call: Call, body: Body) -> Response {
    if call
        .version
        .as_deref()
        .is_some_and(|v| v != "v1" && v != "v2")
    {
        return ApiError::unknown_resource().into_response();
    }
    let principal = match authenticate(&call.state, &call.headers, call.session.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut resp = match run(&call, &principal, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    resp.extensions_mut()
        .insert(AuthedUser(principal.user_name));
    resp
}

async fn run(call: &Call, p: &Principal, body: Body) -> Result<Response, ApiError> {
    let def = schema::table(&call.table).ok_or_else(|| ApiError::invalid_table(&call.table))?;
    let params = TableParams::parse(call.query.as_deref(), def, p)?;
    let ctx = request_ctx(call);
    let id = call.sys_id.as_deref();
    match (&call.method, id) {
        (m, None) if m == Method::GET || m == Method::HEAD => {
            list::list(&call.state, p, def, &params, &ctx)
        }
        (m, Some(id)) if m == Method::GET || m == Method::HEAD => {
            read::get_one(&call.state, p, def, id, &params, &ctx)
        }
        (m, None) if m == Method::POST => {
            let body = write::read_write_body(&call.headers, body).await?;
            write::create(call, p, def, &params, &ctx, body)
        }
        (m, Some(id)) if m == Method::PATCH || m == Method::PUT => {
            let body = write::read_write_body(&call.headers, body).await?;
            write::update(call, p, def, id, &params, &ctx, body)
        }
        (m, Some(id)) if m == Method::DELETE => read::delete(&call.state, p, def, id),
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// `http://host[:port]` from the request's `Host` header.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn request_ctx(call: &Call) -> RequestCtx {
    let api_prefix = match &call.version {
        Some(v) => format!("/api/now/{v}"),
        None => "/api/now".to_string(),
    };
    RequestCtx {
        origin: origin(&call.headers),
        api_prefix,
        version: call.version.clone(),
        collection_url: None,
    }
}

/// `{"result": …}` with ServiceNow's content type.
pub fn result_response(status: axum::http::StatusCode, result: Value) -> Response {
    json_response(status, &serde_json::json!({ "result": result }))
}

pub fn set_header(resp: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// The table's fields requested by `sysparm_fields`, or all of them.
pub fn output_fields(params: &TableParams, def: &'static TableDef) -> Option<Vec<String>> {
    params.known_fields(def)
}
