//! `POST` (insert) and `PATCH`/`PUT` (partial update) of one record.

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::params::TableParams;
use super::render::{ChoiceLabels, Renderer};
use super::{Call, RequestCtx, output_fields, result_response, set_header};
use crate::auth::Principal;
use crate::body::{is_json_content, parse_record_body, read_body, value_to_raw};
use crate::clock;
use crate::error::ApiError;
use crate::rules::{acl, audit, incident, journal, task_tables};
use crate::schema::{self, FieldType, TableDef};
use crate::store::{Record, Store};
use crate::util::{is_sys_id, new_sys_id};

pub async fn read_write_body(
    headers: &HeaderMap,
    body: Body,
) -> Result<Map<String, Value>, ApiError> {
    let bytes = read_body(headers, body).await?;
    if !is_json_content(headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Requested content type is not supported",
            Some("Send the body as application/json".into()),
        ));
    }
    parse_record_body(&bytes)
}

/// Writable changes from a body: unknown and read-only fields are dropped.
/// Journal texts are split off into `journals`.
struct Changes {
    fields: Record,
    journals: Vec<(String, String)>,
    sys_id: Option<String>,
}

fn changes(
    store: &Store,
    def: &'static TableDef,
    body: &Map<String, Value>,
    display_input: bool,
) -> Changes {
    let mut out = Changes {
        fields: Record::new(),
        journals: Vec::new(),
        sys_id: None,
    };
    let choices = display_input.then(|| ChoiceLabels::load(store));
    for (key, value) in body {
        let Some(field) = def.field(key) else {
            continue;
        };
        let Some(raw) = value_to_raw(value) else {
            continue;
        };
        if key == "sys_id" {
            out.sys_id = Some(raw);
            continue;
        }
        if schema::is_read_only(key) {
            continue;
        }
        match field.kind {
            FieldType::Journal => {
                if !raw.trim().is_empty() {
                    out.journals.push((key.clone(), raw));
                }
            }
            FieldType::JournalMerged => {}
            FieldType::Reference(target)
                if display_input && !raw.is_empty() && !is_sys_id(&raw) =>
            {
                let resolved = resolve_by_display(store, target, &raw).unwrap_or(raw);
                out.fields.insert(key.clone(), resolved);
            }
            FieldType::Choice(ct) if display_input => {
                let value = choices
                    .as_ref()
                    .and_then(|c| c.value_for_label(def.name, ct, key, &raw))
                    .unwrap_or(raw);
                out.fields.insert(key.clone(), value);
            }
            _ => {
                out.fields.insert(key.clone(), raw);
            }
        }
    }
    out
}

/// Whether two versions of a record differ (an absent field equals `""`).
fn differs(a: &Record, b: &Record) -> bool {
    let get = |r: &Record, k: &str| r.get(k).map(String::as_str).unwrap_or("").to_string();
    a.keys().chain(b.keys()).any(|k| get(a, k) != get(b, k))
}

fn resolve_by_display(store: &Store, table: &str, display: &str) -> Option<String> {
    let t = store.table(table)?;
    t.iter()
        .find(|(_, r)| r.get(t.def.display_field).is_some_and(|d| d == display))
        .and_then(|(_, r)| r.get("sys_id").cloned())
}

fn respond(
    store: &Store,
    call: &Call,
    def: &'static TableDef,
    params: &TableParams,
    ctx: &RequestCtx,
    sys_id: &str,
    status: StatusCode,
) -> Response {
    let suppress = call
        .headers
        .get("X-no-response-body")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut resp = if suppress {
        status.into_response()
    } else {
        let renderer = Renderer::new(
            store,
            ctx.table_base(),
            params.display,
            params.exclude_reference_link,
        );
        let fields = output_fields(params, def);
        let body = store
            .get(def.name, sys_id)
            .map(|r| renderer.record(def, r, fields.as_deref()))
            .unwrap_or_default();
        result_response(status, Value::Object(body))
    };
    if status == StatusCode::CREATED {
        set_header(
            &mut resp,
            "Location",
            &format!("{}/{}/{}", ctx.table_base(), def.name, sys_id),
        );
    }
    resp
}

fn stamp(rec: &mut Record, def: &'static TableDef, user: &str, now: &str, insert: bool) {
    let has = |f: &str| def.field(f).is_some();
    if insert {
        for (f, v) in [("sys_created_on", now), ("sys_created_by", user)] {
            if has(f) {
                rec.insert(f.into(), v.into());
            }
        }
    }
    for (f, v) in [("sys_updated_on", now), ("sys_updated_by", user)] {
        if has(f) {
            rec.insert(f.into(), v.into());
        }
    }
    if has("sys_mod_count") {
        let n = if insert {
            0
        } else {
            rec.get("sys_mod_count")
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or(0)
                + 1
        };
        rec.insert("sys_mod_count".into(), n.to_string());
    }
}

pub fn create(
    call: &Call,
    p: &Principal,
    def: &'static TableDef,
    params: &TableParams,
    ctx: &RequestCtx,
    body: Map<String, Value>,
) -> Result<Response, ApiError> {
    acl::check_create(p, def.name)?;
    let mut store = call.state.write_store();
    let ch = changes(&store, def, &body, params.input_display_value);
    let now = clock::now();
    let sys_id = match ch.sys_id.filter(|s| is_sys_id(s)) {
        Some(id) => id.to_ascii_lowercase(),
        None => new_sys_id(),
    };
    if store.get(def.name, &sys_id).is_some() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Operation Failed",
            Some(format!("Error during insert of {} ({sys_id})", def.name)),
        ));
    }
    let mut rec: Record = def
        .defaults
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    rec.extend(ch.fields.clone());
    rec.insert("sys_id".into(), sys_id.clone());
    if def.name == "incident" {
        incident::apply(&mut store, None, &mut rec, &ch.fields, p, &now)?;
    } else if task_tables::serves(def.name) {
        task_tables::apply(&mut store, def, None, &mut rec, &ch.fields, p, &now)?;
    }
    stamp(&mut rec, def, &p.user_name, &now, true);
    if let Some(t) = store.table_mut(def.name) {
        t.put(rec);
    }
    for (element, text) in &ch.journals {
        journal::append(
            &mut store,
            def.name,
            &sys_id,
            element,
            text,
            &p.user_name,
            &now,
        );
    }
    Ok(respond(
        &store,
        call,
        def,
        params,
        ctx,
        &sys_id,
        StatusCode::CREATED,
    ))
}

pub fn update(
    call: &Call,
    p: &Principal,
    def: &'static TableDef,
    sys_id: &str,
    params: &TableParams,
    ctx: &RequestCtx,
    body: Map<String, Value>,
) -> Result<Response, ApiError> {
    let mut store = call.state.write_store();
    apply_update(
        &mut store,
        p,
        def,
        sys_id,
        &body,
        params.input_display_value,
    )?;
    Ok(respond(
        &store,
        call,
        def,
        params,
        ctx,
        sys_id,
        StatusCode::OK,
    ))
}

/// A partial update by `p`, exactly as a `PATCH` applies it: ACLs, business rules, stamps
/// (`sys_mod_count`, `sys_updated_on`, `sys_updated_by`), journals and the audit trail. Also
/// used by faults that act as a concurrent writer (docs/emulator.md, "Fault injection").
pub fn apply_update(
    store: &mut Store,
    p: &Principal,
    def: &'static TableDef,
    sys_id: &str,
    body: &Map<String, Value>,
    display_input: bool,
) -> Result<(), ApiError> {
    update_record(store, p, def, sys_id, body, display_input, false)
}

/// [`apply_update`] through a path that may move a problem's or change's state (the state
/// APIs of `crate::state_api`, which validate the move first); the Table API never does.
pub fn update_record(
    store: &mut Store,
    p: &Principal,
    def: &'static TableDef,
    sys_id: &str,
    body: &Map<String, Value>,
    display_input: bool,
    move_state: bool,
) -> Result<(), ApiError> {
    let stored = store
        .get(def.name, sys_id)
        .filter(|r| acl::can_read(store, p, def.name, r))
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    acl::check_update(p, def.name, &stored)?;
    let mut ch = changes(store, def, body, display_input);
    if !move_state {
        task_tables::hold_state(def.name, &mut ch.fields);
    }
    let now = clock::now();
    let mut rec = stored.clone();
    rec.extend(ch.fields.clone());
    if def.name == "incident" {
        incident::apply(store, Some(&stored), &mut rec, &ch.fields, p, &now)?;
    } else if task_tables::serves(def.name) {
        task_tables::apply(store, def, Some(&stored), &mut rec, &ch.fields, p, &now)?;
    }
    let effective = differs(&rec, &stored) || !ch.journals.is_empty();
    if effective {
        stamp(&mut rec, def, &p.user_name, &now, false);
        audit::record_update(store, def.name, &stored, &rec, &p.user_name, &now);
        if let Some(t) = store.table_mut(def.name) {
            t.put(rec);
        }
        for (element, text) in &ch.journals {
            journal::append(store, def.name, sys_id, element, text, &p.user_name, &now);
        }
    }
    Ok(())
}
