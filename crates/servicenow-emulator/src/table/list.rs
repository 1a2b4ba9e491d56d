//! `GET /api/now/table/{t}`: query, order, page, then filter by ACL (§2: the
//! limit applies before ACL filtering, so pages can be short).

use std::cmp::Ordering;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::link::link_header;
use super::params::TableParams;
use super::render::{ChoiceLabels, Renderer};
use super::{RequestCtx, output_fields, result_response, set_header};
use crate::auth::Principal;
use crate::config::UnknownFieldPolicy;
use crate::error::ApiError;
use crate::query::{FieldLookup, compare_values};
use crate::rules::acl;
use crate::schema::{FieldType, TableDef};
use crate::state::AppState;
use crate::store::{Record, RecordLookup, Store, lookup_known_path, lookup_resolve};

pub fn list(
    state: &AppState,
    p: &Principal,
    def: &'static TableDef,
    params: &TableParams,
    ctx: &RequestCtx,
) -> Result<Response, ApiError> {
    let store = state.read_store();
    let policy = state.settings().unknown_field_policy;
    let unknown = params
        .query
        .referenced_fields()
        .into_iter()
        .any(|f| !lookup_known_path(def, &f));
    let invalid = unknown || !params.query.ignored_terms().is_empty();
    let no_rows = match policy {
        UnknownFieldPolicy::Forbidden if unknown => return Err(ApiError::query_forbidden()),
        UnknownFieldPolicy::NoRows => invalid,
        _ => false,
    };

    let mut matched = if no_rows {
        Vec::new()
    } else {
        matching(&store, def, params)
    };
    sort(&store, def, params, &mut matched);
    let total = matched.len();

    let renderer = Renderer::new(
        &store,
        ctx.table_base(),
        params.display,
        params.exclude_reference_link,
    );
    let fields = output_fields(params, def);
    let rows: Vec<Value> = matched
        .iter()
        .skip(params.offset)
        .take(params.limit)
        .filter(|r| acl::can_read(&store, p, def.name, r))
        .map(|r| Value::Object(renderer.record(def, r, fields.as_deref())))
        .collect();

    if ctx.version.as_deref() == Some("v1") && rows.is_empty() {
        return Err(ApiError::not_found());
    }
    let mut resp = result_response(StatusCode::OK, Value::Array(rows));
    set_header(&mut resp, "X-Total-Count", &total.to_string());
    if !params.suppress_pagination_header {
        let path_url = ctx
            .collection_url
            .clone()
            .unwrap_or_else(|| format!("{}/{}", ctx.table_base(), def.name));
        let link = link_header(
            &path_url,
            &params.raw_pairs,
            params.limit,
            params.offset,
            total,
        );
        set_header(&mut resp, "Link", &link);
    }
    Ok(resp)
}

fn matching<'s>(store: &'s Store, def: &'static TableDef, params: &TableParams) -> Vec<&'s Record> {
    let Some(table) = store.table(def.name) else {
        return Vec::new();
    };
    let choices = if params.bare_filters.is_empty() {
        None
    } else {
        Some(ChoiceLabels::load(store))
    };
    table
        .iter()
        .map(|(_, r)| r)
        .filter(|r| {
            let lookup = RecordLookup::new(store, def, r);
            params.query.matches(&lookup as &dyn FieldLookup)
                && choices.as_ref().is_none_or(|c| {
                    params
                        .bare_filters
                        .iter()
                        .all(|(f, v)| bare_match(store, def, r, f, v, c))
                })
        })
        .collect()
}

/// `field=value` URL filters accept the raw value or the display value (§2).
fn bare_match(
    store: &Store,
    def: &'static TableDef,
    r: &Record,
    path: &str,
    want: &str,
    choices: &ChoiceLabels,
) -> bool {
    let raw = lookup_resolve(store, def, r, path).unwrap_or_default();
    if raw.eq_ignore_ascii_case(want) {
        return true;
    }
    match def.field(path).map(|f| f.kind) {
        Some(FieldType::Choice(ct)) => choices
            .label(def.name, ct, path, &raw)
            .is_some_and(|l| l.eq_ignore_ascii_case(want)),
        Some(FieldType::Reference(t)) => store
            .display_of(t, &raw)
            .is_some_and(|d| d.eq_ignore_ascii_case(want)),
        _ => false,
    }
}

fn sort(store: &Store, def: &'static TableDef, params: &TableParams, rows: &mut [&Record]) {
    let order: Vec<_> = params
        .query
        .order_by()
        .iter()
        .filter(|o| lookup_known_path(def, &o.field))
        .collect();
    if order.is_empty() {
        return;
    }
    rows.sort_by(|a, b| {
        for o in &order {
            let va = lookup_resolve(store, def, a, &o.field).unwrap_or_default();
            let vb = lookup_resolve(store, def, b, &o.field).unwrap_or_default();
            let ord = compare_values(&va, &vb);
            let ord = if o.descending { ord.reverse() } else { ord };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
}
