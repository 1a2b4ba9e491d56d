//! Responses produced by faults, modelled on what real instances and their load
//! balancers send (§6 of the reference).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{FaultKind, ForbiddenReason};
use crate::error::ApiError;

/// Marker in a response's extensions: the server drops the connection instead.
#[derive(Debug, Clone, Copy)]
pub struct ResetConnection;

const HIBERNATING_PAGE: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Instance Hibernating page</title></head>
<body class="instance-hibernating-page">
<div class="container"><h1>Your instance is hibernating</h1>
<p>Developer instances hibernate when they are not in use. To wake it up, sign in to the
<a href="https://developer.servicenow.com/dev.do#!/home?wu=true">Developer Site</a>.</p></div>
</body></html>
"#;

fn html(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html;charset=UTF-8"),
    );
    resp
}

fn lb_page(status: StatusCode) -> String {
    let line = format!(
        "{} {}",
        status.as_str(),
        status.canonical_reason().unwrap_or("Error")
    );
    format!(
        "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
}

fn forbidden(reason: ForbiddenReason) -> ApiError {
    match reason {
        ForbiddenReason::AclInsert => ApiError::acl("Insert"),
        ForbiddenReason::AclUpdate => ApiError::acl("Update"),
        ForbiddenReason::AclDelete => ApiError::acl("Delete"),
        ForbiddenReason::DataPolicy => {
            ApiError::data_policy(&["Resolution code", "Resolution notes"])
        }
        ForbiddenReason::Query => ApiError::query_forbidden(),
        ForbiddenReason::Api => ApiError::api_acl(),
    }
}

fn json_error(
    code: StatusCode,
    reason: Option<ForbiddenReason>,
    rate_limit: Option<u64>,
) -> ApiError {
    match code.as_u16() {
        401 => ApiError::unauthenticated(),
        403 => forbidden(reason.unwrap_or(ForbiddenReason::AclUpdate)),
        404 => ApiError::not_found(),
        429 => ApiError::new(
            code,
            "Rate limit exceeded",
            Some(format!(
                "Rate limit of {} requests per hour for Table API exceeded",
                rate_limit.unwrap_or(100)
            )),
        ),
        400 => ApiError::unknown_resource(),
        _ => ApiError::new(
            code,
            code.canonical_reason().unwrap_or("Server Error"),
            Some("Emulated fault".into()),
        ),
    }
}

/// The response a replacing fault sends (`Latency` and `EditDescription` never replace).
pub fn fault_response(kind: &FaultKind) -> Response {
    match kind {
        FaultKind::Latency(_) | FaultKind::EditDescription { .. } => StatusCode::OK.into_response(),
        FaultKind::Hibernate => html(StatusCode::OK, HIBERNATING_PAGE.to_string()),
        FaultKind::Empty202 => StatusCode::ACCEPTED.into_response(),
        FaultKind::Reset => {
            let mut resp = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            resp.extensions_mut().insert(ResetConnection);
            resp
        }
        FaultKind::Status {
            code,
            retry_after,
            rate_limit,
            html: as_html,
            reason,
        } => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = if *as_html {
                html(status, lb_page(status))
            } else {
                json_error(status, *reason, *rate_limit).into_response()
            };
            let headers = resp.headers_mut();
            if let Some(secs) = retry_after {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*secs));
            }
            if let Some(limit) = rate_limit {
                let reset = jiff::Timestamp::now().as_second() + 3600;
                headers.insert("X-RateLimit-Limit", HeaderValue::from(*limit));
                headers.insert("X-RateLimit-Reset", HeaderValue::from(reset));
                headers.insert(
                    "X-RateLimit-Rule",
                    HeaderValue::from_static("c9a2b4f1db5233008bde7f2a2b9619a3"),
                );
            }
            resp
        }
    }
}
