//! The paths a current release leaves for moving a problem's or a change's state, since the
//! Table API does not (docs/emulator.md, "Moving problem and change states"):
//!
//! - `PATCH /api/x_rhtpp_ansible/problem/{number}/new_state/{state}`: the state endpoint of the
//!   Ansible ITSM Store app that automation installs for exactly this (the tables reference
//!   sheet, §1). The body, when given, holds the other fields to set with the move
//!   (`resolution_code`, `cause_notes`, …).
//! - `PATCH /api/sn_chg_rest[/v1]/change/{sys_id}`: the Change Management API, which moves a
//!   change along its state model (§2).
//!
//! Both validate the move against the state model, then write through the Table API's own
//! update path (ACLs, data policies, business rules, stamps, audit) with the state allowed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use crate::auth::{Principal, authenticate};
use crate::body::{is_json_content, parse_record_body, read_body};
use crate::error::ApiError;
use crate::schema;
use crate::server::{AuthedUser, SessionId};
use crate::state::AppState;
use crate::store::Store;
use crate::table::params::DisplayMode;
use crate::table::render::Renderer;
use crate::table::{origin, update_record};

type S = State<Arc<AppState>>;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/x_rhtpp_ansible/problem/{number}/new_state/{state}",
            any(endpoint::<true>),
        )
        .route("/api/sn_chg_rest/change/{sys_id}", any(endpoint::<false>))
        .route(
            "/api/sn_chg_rest/{version}/change/{sys_id}",
            any(endpoint::<false>),
        )
}

/// Who may move a problem past New: assess, root cause analysis and resolve need one of these
/// (or admin) on a current release (reference §1, "Roles").
const PROBLEM_MOVERS: &[&str] = &["problem_admin", "problem_manager", "problem_coordinator"];

/// Who may update a change through the Change API (reference §2: POST/PATCH itil or
/// change_manager, and admin).
const CHANGE_WRITERS: &[&str] = &["itil", "change_manager"];

/// The Madrid problem state model's moves (101 New, 102 Assess, 103 Root Cause Analysis, 104
/// Fix in Progress, 106 Resolved, 107 Closed): forward one step, Cancel or Duplicate to Closed
/// from any open state, Accept Risk to Resolved from analysis or fix, Re-Analyze back from
/// Fix in Progress or Resolved.
fn problem_move_allowed(from: &str, to: &str, code: &str) -> bool {
    let closing_early = to == "107" && matches!(code, "canceled" | "duplicate");
    match (from, to) {
        ("101", "102") | ("102", "103") | ("103", "104") | ("106", "107") => true,
        ("104", "106") => matches!(code, "fix_applied" | "risk_accepted"),
        ("103", "106") => code == "risk_accepted",
        ("104" | "106", "103") => true,
        ("101" | "102" | "103" | "104", "107") => closing_early,
        _ => false,
    }
}

/// The states a change of `kind` moves through, in order (reference §2, "Flows").
fn change_flow(kind: &str) -> &'static [&'static str] {
    match kind {
        "standard" => &["-5", "-2", "-1", "0", "3"],
        "emergency" => &["-5", "-3", "-2", "-1", "0", "3"],
        _ => &["-5", "-4", "-3", "-2", "-1", "0", "3"],
    }
}

/// The next state of the flow, Cancel (4) from any open state but Review, and "Revert to
/// New" from Assess or Authorize. Approvals, which gate Assess and Authorize on an instance,
/// are not emulated.
fn change_move_allowed(kind: &str, from: &str, to: &str) -> bool {
    let flow = change_flow(kind);
    let next = flow
        .iter()
        .position(|s| *s == from)
        .and_then(|i| flow.get(i + 1));
    next.is_some_and(|n| *n == to)
        || (to == "4" && matches!(from, "-5" | "-4" | "-3" | "-2" | "-1"))
        || (to == "-5" && matches!(from, "-4" | "-3"))
}

fn get(rec: &crate::store::Record, f: &str) -> String {
    rec.get(f).cloned().unwrap_or_default()
}

async fn body_fields(headers: &HeaderMap, body: Body) -> Result<Map<String, Value>, ApiError> {
    let bytes = read_body(headers, body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if !is_json_content(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Requested content type is not supported",
            Some("Send the body as application/json".into()),
        ));
    }
    parse_record_body(&bytes)
}

/// A request to one of these paths, authenticated.
struct Req {
    state: Arc<AppState>,
    params: HashMap<String, String>,
    method: Method,
    headers: HeaderMap,
    body: Body,
}

/// Authenticates, runs the endpoint and tags the response with the user (for the log).
async fn serve(req: Req, session: Option<SessionId>, problem: bool) -> Response {
    let p = match authenticate(&req.state, &req.headers, session.map(|s| s.0).as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let result = if problem {
        move_problem(req, &p).await
    } else {
        update_change(req, &p).await
    };
    let mut resp = result.unwrap_or_else(IntoResponse::into_response);
    resp.extensions_mut().insert(AuthedUser(p.user_name));
    resp
}

/// The state endpoints' handler: `PROBLEM` picks the problem state API (else the Change
/// Management API).
async fn endpoint<const PROBLEM: bool>(
    State(state): S,
    Path(params): Path<HashMap<String, String>>,
    method: Method,
    headers: HeaderMap,
    session: Option<axum::Extension<SessionId>>,
    body: Body,
) -> Response {
    let req = Req {
        state,
        params,
        method,
        headers,
        body,
    };
    serve(req, session.map(|s| s.0), PROBLEM).await
}

async fn move_problem(req: Req, p: &Principal) -> Result<Response, ApiError> {
    if req.method != Method::PATCH && req.method != Method::PUT {
        return Err(ApiError::method_not_allowed());
    }
    if !(p.is_admin() || PROBLEM_MOVERS.iter().any(|r| p.has_role(r))) {
        return Err(ApiError::acl("write"));
    }
    let number = req.params.get("number").cloned().unwrap_or_default();
    let to = req.params.get("state").cloned().unwrap_or_default();
    let mut fields = body_fields(&req.headers, req.body).await?;
    let def = schema::table("problem").ok_or_else(ApiError::not_found)?;
    let mut store = req.state.write_store();
    let (sys_id, from, code) = {
        let rec = find(&store, "problem", "number", &number).ok_or_else(ApiError::not_found)?;
        let code = fields
            .get("resolution_code")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| get(rec, "resolution_code"));
        (get(rec, "sys_id"), get(rec, "state"), code)
    };
    if !problem_move_allowed(&from, &to, &code) {
        return Err(ApiError::bad_request(
            format!("Problem state transition from state {from} to {to} is not possible"),
            "Move the problem along its state model (docs/emulator.md)",
        ));
    }
    fields.insert("state".into(), Value::String(to));
    update_record(&mut store, p, def, &sys_id, &fields, false, true)?;
    let rec = store.get("problem", &sys_id).cloned().unwrap_or_default();
    Ok((StatusCode::OK, Json(json!({ "result": rec }))).into_response())
}

async fn update_change(req: Req, p: &Principal) -> Result<Response, ApiError> {
    if req.params.get("version").is_some_and(|v| v != "v1") {
        return Err(ApiError::unknown_resource());
    }
    if req.method != Method::PATCH {
        return Err(ApiError::method_not_allowed());
    }
    if !(p.is_admin() || CHANGE_WRITERS.iter().any(|r| p.has_role(r))) {
        return Err(ApiError::acl("write"));
    }
    let id = req.params.get("sys_id").cloned().unwrap_or_default();
    let base = format!("{}/api/now/table", origin(&req.headers));
    let fields = body_fields(&req.headers, req.body).await?;
    let def = schema::table("change_request").ok_or_else(ApiError::not_found)?;
    let mut store = req.state.write_store();
    let rec = find(&store, "change_request", "sys_id", &id).ok_or_else(ApiError::not_found)?;
    let (from, kind) = (get(rec, "state"), get(rec, "type"));
    if let Some(to) = fields.get("state").and_then(Value::as_str)
        && to != from
        && !change_move_allowed(&kind, &from, to)
    {
        return Err(ApiError::bad_request(
            format!("Invalid state transition from {from} to {to}"),
            "Move the change to the next state of its model (docs/emulator.md)",
        ));
    }
    update_record(&mut store, p, def, &id, &fields, false, true)?;
    let renderer = Renderer::new(&store, base, DisplayMode::All, true);
    let out = store
        .get("change_request", &id)
        .map(|r| renderer.record(def, r, None))
        .unwrap_or_default();
    Ok((StatusCode::OK, Json(json!({ "result": out }))).into_response())
}

fn find<'a>(
    store: &'a Store,
    table: &str,
    field: &str,
    value: &str,
) -> Option<&'a crate::store::Record> {
    store
        .table(table)?
        .iter()
        .map(|(_, r)| r)
        .find(|r| r.get(field).is_some_and(|v| v == value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_move_along_the_madrid_model() {
        assert!(problem_move_allowed("101", "102", ""));
        assert!(problem_move_allowed("101", "107", "duplicate"));
        assert!(!problem_move_allowed("101", "107", "fix_applied"));
        // The real refusal the reference quotes: Assess cannot jump to Resolved.
        assert!(!problem_move_allowed("102", "106", "fix_applied"));
        assert!(problem_move_allowed("104", "106", "fix_applied"));
        assert!(problem_move_allowed("103", "106", "risk_accepted"));
        assert!(!problem_move_allowed("107", "101", ""));
    }

    #[test]
    fn changes_move_along_their_type_flow() {
        assert!(change_move_allowed("normal", "-5", "-4"));
        assert!(!change_move_allowed("normal", "-5", "3"));
        assert!(change_move_allowed("standard", "-5", "-2"));
        assert!(change_move_allowed("normal", "0", "3"));
        assert!(
            !change_move_allowed("normal", "0", "4"),
            "no cancel from Review"
        );
        assert!(change_move_allowed("normal", "-3", "-5"));
    }
}
