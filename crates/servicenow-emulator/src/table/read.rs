//! `GET` and `DELETE` of one record.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::params::TableParams;
use super::render::Renderer;
use super::{RequestCtx, output_fields, result_response};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::rules::acl;
use crate::schema::TableDef;
use crate::state::AppState;

pub fn get_one(
    state: &AppState,
    p: &Principal,
    def: &'static TableDef,
    sys_id: &str,
    params: &TableParams,
    ctx: &RequestCtx,
) -> Result<Response, ApiError> {
    let store = state.read_store();
    let record = store
        .get(def.name, sys_id)
        .filter(|r| acl::can_read(&store, p, def.name, r))
        .ok_or_else(ApiError::not_found)?;
    let renderer = Renderer::new(
        &store,
        ctx.table_base(),
        params.display,
        params.exclude_reference_link,
    );
    let fields = output_fields(params, def);
    let body = renderer.record(def, record, fields.as_deref());
    Ok(result_response(StatusCode::OK, Value::Object(body)))
}

pub fn delete(
    state: &AppState,
    p: &Principal,
    def: &'static TableDef,
    sys_id: &str,
) -> Result<Response, ApiError> {
    let mut store = state.write_store();
    let visible = store
        .get(def.name, sys_id)
        .is_some_and(|r| acl::can_read(&store, p, def.name, r));
    if !visible {
        return Err(ApiError::not_found());
    }
    acl::check_delete(p, def.name)?;
    if let Some(t) = store.table_mut(def.name) {
        t.remove(sys_id);
    }
    if def.name == "sys_attachment" {
        store.remove_blob(sys_id);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
