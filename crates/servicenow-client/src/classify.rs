//! Turns HTTP responses and transport failures into `Reply` or a typed `Error` (reference §6, §14).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::error::{Error, PermissionKind, UnavailableKind};
use crate::error_display::one_line;

/// What a successful call gave back.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    /// `X-Total-Count`, when sent.
    pub total_count: Option<u64>,
    /// The envelope's `result` (absent for 204 / empty DELETE bodies).
    pub result: Option<Value>,
}

/// What the caller accepts as success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A JSON `{"result": ...}` envelope.
    Result,
    /// No body needed (DELETE → 204).
    Empty,
}

pub(crate) struct Ctx<'a> {
    pub url: &'a str,
    pub write: bool,
}

/// ServiceNow's `{"error":{"message","detail"}}`, or OAuth's `{"error":"…","error_description":"…"}`.
pub(crate) fn error_envelope(v: &Value) -> Option<(String, Option<String>)> {
    match v.get("error")? {
        Value::Object(e) => {
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let detail = e.get("detail").and_then(Value::as_str).map(str::to_string);
            Some((message, detail))
        }
        Value::String(code) => {
            let desc = v
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_string);
            Some((code.clone(), desc))
        }
        _ => None,
    }
}

fn header_str<'h>(h: &'h HeaderMap, name: &str) -> Option<&'h str> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn is_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let ct_html = header_str(headers, "content-type")
        .map(|c| c.to_ascii_lowercase().contains("html"))
        .unwrap_or(false);
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    ct_html || text.trim_start().starts_with('<')
}

fn is_hibernating(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    text.contains("instance-hibernating-page") || text.contains("instance is hibernating")
}

/// A short single-line excerpt: an HTML page's `<title>`/`<h1>`, else the first characters.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    for tag in ["title", "h1"] {
        let open = format!("<{tag}");
        if let Some(start) = lower.find(&open)
            && let Some(gt) = lower[start..].find('>')
        {
            let from = start + gt + 1;
            if let Some(end) = lower[from..].find("</") {
                let inner = one_line(&text[from..from + end]);
                if !inner.is_empty() {
                    return inner;
                }
            }
        }
    }
    let line = one_line(&text);
    match line.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line,
    }
}

fn unavailable(ctx: &Ctx, status: u16, kind: UnavailableKind, snippet: String) -> Error {
    Error::Unavailable {
        kind,
        url: ctx.url.to_string(),
        status,
        write: ctx.write,
        snippet,
        retry_after: None,
    }
}

fn permission_kind(message: &str, detail: Option<&str>) -> PermissionKind {
    let d = detail.unwrap_or("").trim_start();
    if d.starts_with("ACL Exception") {
        PermissionKind::Acl
    } else if d.starts_with("Data Policy Exception") {
        PermissionKind::DataPolicy
    } else if message.starts_with("Insufficient rights to query")
        || d.starts_with("Field(s) present in the query")
    {
        PermissionKind::UnreadableQueryField
    } else if d.starts_with("Failed API level ACL") || message.starts_with("User Not Authorized") {
        PermissionKind::ApiAcl
    } else {
        PermissionKind::Other
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(h: &HeaderMap) -> Option<Duration> {
    let v = header_str(h, "retry-after")?;
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let secs = at.as_second() - jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

/// Classifies one response. `body` is the whole body as read.
pub(crate) fn classify(
    ctx: &Ctx,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    expect: Expect,
) -> Result<Reply, Error> {
    let code = status.as_u16();
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let envelope = json.as_ref().and_then(error_envelope);
    let (message, detail) = envelope.clone().unwrap_or_default();
    let url = ctx.url.to_string();

    if status.is_redirection() {
        let to = header_str(headers, "location").unwrap_or("(no location)");
        return Err(unavailable(
            ctx,
            code,
            UnavailableKind::Redirect,
            to.to_string(),
        ));
    }
    if status.is_success() {
        return success(ctx, code, headers, body, json, expect);
    }
    // The hibernation page can come with any status; it wins over the status's meaning.
    if json.is_none() && is_hibernating(body) {
        return Err(unavailable(
            ctx,
            code,
            UnavailableKind::Hibernating,
            snippet(body),
        ));
    }
    let message_or_body = |m: String| {
        if envelope.is_some() { m } else { snippet(body) }
    };
    match code {
        401 => Err(Error::Auth {
            kind: crate::error::AuthKind::Rejected,
            url,
            status: code,
            message: message_or_body(message),
            detail,
        }),
        403 => Err(Error::Permission {
            kind: permission_kind(&message, detail.as_deref()),
            url,
            message: message_or_body(message),
            detail,
        }),
        404 if envelope.is_some() => Err(Error::NotFound {
            url,
            message,
            detail,
        }),
        404 => Err(unavailable(
            ctx,
            code,
            UnavailableKind::NotServiceNow,
            snippet(body),
        )),
        429 => Err(Error::RateLimited {
            url,
            retry_after: retry_after(headers),
            reset_at: header_str(headers, "x-ratelimit-reset").and_then(|v| v.parse().ok()),
            limit: header_str(headers, "x-ratelimit-limit").and_then(|v| v.parse().ok()),
            rule: header_str(headers, "x-ratelimit-rule").map(str::to_string),
            message: message_or_body(message),
            detail,
        }),
        500..=599 if envelope.is_some() => Err(Error::Server {
            url,
            status: code,
            message,
            detail,
            write: ctx.write,
            retry_after: retry_after(headers),
        }),
        500..=599 => {
            let kind = if body.is_empty() {
                UnavailableKind::EmptyBody
            } else if is_html(headers, body) {
                UnavailableKind::Html
            } else {
                UnavailableKind::NonJson
            };
            let mut e = unavailable(ctx, code, kind, snippet(body));
            if let Error::Unavailable { retry_after: r, .. } = &mut e {
                *r = retry_after(headers);
            }
            Err(e)
        }
        _ => Err(Error::InvalidRequest {
            url,
            status: code,
            message: message_or_body(message),
            detail,
        }),
    }
}

fn success(
    ctx: &Ctx,
    code: u16,
    headers: &HeaderMap,
    body: &[u8],
    json: Option<Value>,
    expect: Expect,
) -> Result<Reply, Error> {
    let total_count = header_str(headers, "x-total-count").and_then(|v| v.parse().ok());
    let blank = body.iter().all(u8::is_ascii_whitespace);
    if expect == Expect::Empty && (blank || json.is_some()) {
        let result = json.and_then(|mut v| v.get_mut("result").map(Value::take));
        return Ok(Reply {
            status: code,
            total_count,
            result,
        });
    }
    let Some(mut json) = json else {
        let kind = if blank && code == 202 {
            UnavailableKind::Empty202
        } else if blank {
            UnavailableKind::EmptyBody
        } else if is_hibernating(body) {
            UnavailableKind::Hibernating
        } else if is_html(headers, body) {
            UnavailableKind::Html
        } else {
            UnavailableKind::NonJson
        };
        return Err(unavailable(ctx, code, kind, snippet(body)));
    };
    match json.get_mut("result").map(Value::take) {
        Some(result @ (Value::Object(_) | Value::Array(_))) => Ok(Reply {
            status: code,
            total_count,
            result: Some(result),
        }),
        _ => Err(unavailable(
            ctx,
            code,
            UnavailableKind::MissingResult,
            snippet(body),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_short_single_lines() {
        assert_eq!(
            snippet(b"<html><title>\n Log  in\n</title></html>"),
            "Log in"
        );
        assert_eq!(
            snippet(b"<h1>Your instance is hibernating</h1>"),
            "Your instance is hibernating"
        );
        let long = "x".repeat(500);
        assert_eq!(snippet(long.as_bytes()).chars().count(), 121);
    }

    #[test]
    fn forbidden_split() {
        let k = |m: &str, d: Option<&str>| permission_kind(m, d);
        assert_eq!(
            k(
                "Operation Failed",
                Some("ACL Exception Delete Failed due to security constraints")
            ),
            PermissionKind::Acl
        );
        assert_eq!(
            k("Operation Failed", Some("Data Policy Exception: x")),
            PermissionKind::DataPolicy
        );
        assert_eq!(
            k("Insufficient rights to query records", None),
            PermissionKind::UnreadableQueryField
        );
        assert_eq!(k("User Not Authorized", None), PermissionKind::ApiAcl);
        assert_eq!(k("Nope", None), PermissionKind::Other);
    }
}
