//! The Attachment API (§12): upload (raw `file` or multipart `upload`), list,
//! metadata, content and delete. Metadata lives in `sys_attachment`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::{Principal, authenticate};
use crate::body::read_body_capped;
use crate::clock;
use crate::error::ApiError;
use crate::rules::acl;
use crate::schema::{self, SYS_ATTACHMENT};
use crate::server::{AuthedUser, SessionId};
use crate::state::AppState;
use crate::store::Record;
use crate::table::params::TableParams;
use crate::table::render::Renderer;
use crate::table::{RequestCtx, list, origin, read, result_response, set_header};
use crate::util::new_sys_id;

/// The emulator keeps files in memory, so it caps them well below the
/// 1024 MB of `com.glide.attachment.max_size`.
pub const MAX_ATTACHMENT_BYTES: u64 = 64 * 1024 * 1024;

type S = State<Arc<AppState>>;
type Session = Option<axum::Extension<SessionId>>;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/now/attachment", any(collection))
        .route("/api/now/attachment/file", any(upload_file))
        .route("/api/now/attachment/upload", any(upload_multipart))
        .route("/api/now/attachment/{id}", any(one))
        .route("/api/now/attachment/{id}/file", any(content))
}

fn ctx(headers: &HeaderMap) -> RequestCtx {
    let origin = origin(headers);
    RequestCtx {
        collection_url: Some(format!("{origin}/api/now/attachment")),
        origin,
        api_prefix: "/api/now".into(),
        version: None,
    }
}

/// Authenticates, runs `f`, and tags the response with the user.
fn guarded(
    state: &AppState,
    headers: &HeaderMap,
    session: Session,
    f: impl FnOnce(&Principal) -> Result<Response, ApiError>,
) -> Response {
    let session = session.map(|s| s.0.0);
    let p = match authenticate(state, headers, session.as_deref()) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let mut resp = f(&p).unwrap_or_else(IntoResponse::into_response);
    resp.extensions_mut().insert(AuthedUser(p.user_name));
    resp
}

async fn collection(
    State(state): S,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    session: Session,
) -> Response {
    guarded(&state, &headers, session, |p| {
        if method != Method::GET && method != Method::HEAD {
            return Err(ApiError::method_not_allowed());
        }
        let params = TableParams::parse(q.as_deref(), &SYS_ATTACHMENT, p)?;
        list::list(&state, p, &SYS_ATTACHMENT, &params, &ctx(&headers))
    })
}

async fn one(
    State(state): S,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    session: Session,
) -> Response {
    guarded(&state, &headers, session, |p| {
        let params = TableParams::parse(q.as_deref(), &SYS_ATTACHMENT, p)?;
        match method {
            m if m == Method::GET || m == Method::HEAD => {
                read::get_one(&state, p, &SYS_ATTACHMENT, &id, &params, &ctx(&headers))
            }
            m if m == Method::DELETE => delete(&state, p, &id),
            _ => Err(ApiError::method_not_allowed()),
        }
    })
}

fn delete(state: &AppState, p: &Principal, id: &str) -> Result<Response, ApiError> {
    let mut store = state.write_store();
    let meta = store
        .get("sys_attachment", id)
        .filter(|r| acl::can_read(&store, p, "sys_attachment", r))
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let get = |f: &str| meta.get(f).cloned().unwrap_or_default();
    let allowed = store
        .get(&get("table_name"), &get("table_sys_id"))
        .map_or(p.is_admin(), |parent| {
            acl::can_attach(p, &get("table_name"), parent)
        });
    if !allowed {
        return Err(ApiError::acl("Delete"));
    }
    if let Some(t) = store.table_mut("sys_attachment") {
        t.remove(id);
    }
    store.remove_blob(id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn content(
    State(state): S,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    session: Session,
) -> Response {
    guarded(&state, &headers, session, |p| {
        if method != Method::GET && method != Method::HEAD {
            return Err(ApiError::method_not_allowed());
        }
        let store = state.read_store();
        let meta = store
            .get("sys_attachment", &id)
            .filter(|r| acl::can_read(&store, p, "sys_attachment", r))
            .ok_or_else(ApiError::not_found)?;
        let bytes = store.blob(&id).map(<[u8]>::to_vec).unwrap_or_default();
        let renderer = Renderer::new(
            &store,
            ctx(&headers).table_base(),
            crate::table::params::DisplayMode::Raw,
            true,
        );
        let meta_json = Value::Object(renderer.record(&SYS_ATTACHMENT, meta, None)).to_string();
        let mut resp = (StatusCode::OK, bytes).into_response();
        let ct = meta.get("content_type").cloned().unwrap_or_default();
        if let Ok(v) = HeaderValue::from_str(&ct) {
            resp.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        set_header(&mut resp, "X-Attachment-Metadata", &meta_json);
        Ok(resp)
    })
}

/// What an upload needs, however it arrived.
struct Upload {
    table: String,
    sys_id: String,
    file_name: String,
    content_type: String,
    bytes: Vec<u8>,
}

fn missing(name: &str) -> ApiError {
    ApiError::bad_request(
        "Missing required parameter",
        format!("Parameter {name} is required"),
    )
}

fn store_upload(
    state: &AppState,
    p: &Principal,
    headers: &HeaderMap,
    up: Upload,
) -> Result<Response, ApiError> {
    let def = schema::table(&up.table).ok_or_else(|| ApiError::invalid_table(&up.table))?;
    let mut store = state.write_store();
    let parent = store
        .get(def.name, &up.sys_id)
        .filter(|r| acl::can_read(&store, p, def.name, r))
        .ok_or_else(ApiError::not_found)?;
    if !acl::can_attach(p, def.name, parent) {
        return Err(ApiError::acl("Insert"));
    }
    let id = new_sys_id();
    let now = clock::now();
    let origin = origin(headers);
    let size = up.bytes.len().to_string();
    let hash: String = Sha256::digest(&up.bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut rec: Record = HashMap::new();
    for (k, v) in [
        ("sys_id", id.as_str()),
        ("file_name", up.file_name.as_str()),
        ("content_type", up.content_type.as_str()),
        ("size_bytes", size.as_str()),
        ("size_compressed", size.as_str()),
        ("compressed", "false"),
        ("table_name", def.name),
        ("table_sys_id", up.sys_id.as_str()),
        (
            "download_link",
            &format!("{origin}/api/now/attachment/{id}/file"),
        ),
        ("hash", hash.as_str()),
        ("sys_created_on", now.as_str()),
        ("sys_created_by", p.user_name.as_str()),
        ("sys_updated_on", now.as_str()),
        ("sys_updated_by", p.user_name.as_str()),
        ("sys_mod_count", "0"),
    ] {
        rec.insert(k.to_string(), v.to_string());
    }
    if let Some(t) = store.table_mut("sys_attachment") {
        t.put(rec);
    }
    store.put_blob(&id, up.bytes);
    let renderer = Renderer::new(
        &store,
        ctx(headers).table_base(),
        crate::table::params::DisplayMode::Raw,
        false,
    );
    let body = store
        .get("sys_attachment", &id)
        .map(|r| renderer.record(&SYS_ATTACHMENT, r, None))
        .unwrap_or_default();
    let mut resp = result_response(StatusCode::CREATED, Value::Object(body));
    set_header(
        &mut resp,
        "Location",
        &format!("{origin}/api/now/attachment/{id}"),
    );
    Ok(resp)
}

async fn upload_file(
    State(state): S,
    method: Method,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    session: Session,
    body: Body,
) -> Response {
    let read = if method == Method::POST {
        Some(read_body_capped(&headers, body, MAX_ATTACHMENT_BYTES).await)
    } else {
        None
    };
    guarded(&state, &headers, session, |p| {
        let bytes = read.ok_or_else(ApiError::method_not_allowed)??;
        let params: HashMap<String, String> =
            url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        let param = |n: &str| {
            params
                .get(n)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| missing(n))
        };
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
            .ok_or_else(|| missing("Content-Type"))?;
        let up = Upload {
            table: param("table_name")?,
            sys_id: param("table_sys_id")?,
            file_name: param("file_name")?,
            content_type,
            bytes: bytes.to_vec(),
        };
        store_upload(&state, p, &headers, up)
    })
}

async fn read_multipart(req: Request) -> Result<Upload, ApiError> {
    let bad = |d: String| ApiError::bad_request("Failed to create the attachment", d);
    let mut form = Multipart::from_request(req, &())
        .await
        .map_err(|e| bad(e.body_text()))?;
    let (mut table, mut sys_id) = (None, None);
    while let Some(field) = form.next_field().await.map_err(|e| bad(e.body_text()))? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(file_name) = field.file_name().map(String::from) {
            // The file is the last part: the table fields must have come first.
            let content_type = field
                .content_type()
                .unwrap_or("application/octet-stream")
                .to_string();
            let bytes = field.bytes().await.map_err(|e| bad(e.body_text()))?;
            return Ok(Upload {
                table: table.ok_or_else(|| missing("table_name"))?,
                sys_id: sys_id.ok_or_else(|| missing("table_sys_id"))?,
                file_name,
                content_type,
                bytes: bytes.to_vec(),
            });
        }
        let value = field.text().await.map_err(|e| bad(e.body_text()))?;
        match name.as_str() {
            "table_name" => table = Some(value),
            "table_sys_id" => sys_id = Some(value),
            _ => {}
        }
    }
    Err(missing("file"))
}

async fn upload_multipart(State(state): S, session: Session, req: Request) -> Response {
    let headers = req.headers().clone();
    let upload = if req.method() == Method::POST {
        Some(read_multipart(req).await)
    } else {
        None
    };
    guarded(&state, &headers, session, |p| {
        let up = upload.ok_or_else(ApiError::method_not_allowed)??;
        store_upload(&state, p, &headers, up)
    })
}
