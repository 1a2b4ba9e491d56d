//! URL routing.

use std::sync::Arc;

use axum::Router;
use axum::response::IntoResponse;
use axum::routing::any;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{attachment, auth, control, em, state_api, table};

pub fn router(state: Arc<AppState>) -> Router {
    // The server reads bodies itself (with ServiceNow's size error); the
    // multipart extractor would otherwise apply axum's 2 MB default.
    Router::new()
        .route("/api/now/table/{table}", any(table::handle))
        .route("/api/now/table/{table}/{sys_id}", any(table::handle))
        .route("/api/now/{version}/table/{table}", any(table::handle))
        .route(
            "/api/now/{version}/table/{table}/{sys_id}",
            any(table::handle),
        )
        .route("/oauth_token.do", any(auth::oauth::token))
        .route("/api/global/em/jsonv2", any(em::jsonv2))
        .merge(attachment::router())
        .merge(state_api::router())
        .nest("/__emulator", control::router())
        .fallback(|| async { ApiError::unknown_resource().into_response() })
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(state)
}
