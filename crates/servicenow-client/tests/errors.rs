//! Every HTTP error class from a fake ServiceNow: classification, Display, retry/outcome flags.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Map, json};
use servicenow_client::{
    AuthKind, Error, ErrorCategory, GetParams, ListParams, PermissionKind, UnavailableKind,
};

/// GET through `list` and PATCH through `update` against a fake that always answers `resp`.
async fn both(make: fn() -> axum::response::Response) -> (Error, Error, String) {
    let fake = serve(move |_, _| make()).await;
    let c = fake.basic();
    let get = c.list("incident", &ListParams::new()).await.unwrap_err();
    let patch = c
        .update("incident", "abc", &Map::new(), &["sys_id"])
        .await
        .unwrap_err();
    (get, patch, fake.base.clone())
}

fn one_line_with(e: &Error, needles: &[&str]) {
    let s = e.to_string();
    assert!(!s.contains('\n'), "multi-line: {s}");
    for n in needles {
        assert!(s.contains(n), "{s:?} lacks {n:?}");
    }
}

#[tokio::test]
async fn unauthorized_is_auth() {
    let (get, patch, base) = both(|| {
        let mut r = sn_error(
            401,
            "User Not Authenticated",
            Some("Required to provide Auth information"),
        );
        r.headers_mut().insert(
            "www-authenticate",
            "BASIC realm=\"Service-now\"".parse().unwrap(),
        );
        r
    })
    .await;
    assert!(matches!(
        get,
        Error::Auth {
            kind: AuthKind::Rejected,
            status: 401,
            ..
        }
    ));
    one_line_with(
        &get,
        &[
            &format!("401 from {base}/api/now/table/incident"),
            "check username/password",
            "User Not Authenticated",
        ],
    );
    assert_eq!(get.category(), ErrorCategory::Auth);
    assert_eq!(get.category().exit_code(), 3);
    assert!(!get.is_retryable() && !patch.outcome_unknown());
}

#[tokio::test]
async fn forbidden_is_split_on_the_detail() {
    type Make = fn() -> axum::response::Response;
    let cases: [(Make, PermissionKind, &str); 5] = [
        (
            || {
                sn_error(
                    403,
                    "Operation Failed",
                    Some("ACL Exception Update Failed due to security constraints"),
                )
            },
            PermissionKind::Acl,
            "role",
        ),
        (
            || {
                sn_error(
                    403,
                    "Operation Failed",
                    Some(
                        "Data Policy Exception: \n\tThe following fields are mandatory: Resolution code, Resolution notes",
                    ),
                )
            },
            PermissionKind::DataPolicy,
            "Resolution code, Resolution notes",
        ),
        (
            || {
                sn_error(
                    403,
                    "Insufficient rights to query records",
                    Some("Field(s) present in the query do not have permission to be read"),
                )
            },
            PermissionKind::UnreadableQueryField,
            "unreadable",
        ),
        (
            || sn_error(403, "Insufficient rights to query records", None),
            PermissionKind::UnreadableQueryField,
            "query",
        ),
        (
            || {
                sn_error(
                    403,
                    "User Not Authorized",
                    Some("Failed API level ACL Validation"),
                )
            },
            PermissionKind::ApiAcl,
            "REST API ACL",
        ),
    ];
    for (make, kind, needle) in cases {
        let (get, patch, _) = both(make).await;
        match &patch {
            Error::Permission { kind: k, .. } => assert_eq!(*k, kind),
            other => panic!("{other:?}"),
        }
        one_line_with(&patch, &["403 from", needle]);
        assert!(!get.is_retryable() && !patch.outcome_unknown());
        assert_eq!(get.category(), ErrorCategory::Permission);
    }
    let (other, _, _) = both(|| sn_error(403, "Forbidden thing", None)).await;
    assert!(matches!(
        other,
        Error::Permission {
            kind: PermissionKind::Other,
            ..
        }
    ));
}

#[tokio::test]
async fn not_found_with_and_without_the_envelope() {
    let (get, patch, _) = both(|| {
        sn_error(
            404,
            "No Record found",
            Some("Record doesn't exist or ACL restricts the record retrieval"),
        )
    })
    .await;
    assert!(matches!(get, Error::NotFound { .. }));
    assert_eq!(get.category().exit_code(), 5);
    one_line_with(&patch, &["404 from", "No Record found", "ACL hides it"]);
    assert!(!patch.outcome_unknown() && !patch.is_retryable());
    let (get, _, _) = both(|| raw(404, "text/html", "<html><title>Not Found</title></html>")).await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::NotServiceNow,
            status: 404,
            ..
        }
    ));
    one_line_with(&get, &["not a ServiceNow instance", "Not Found"]);
}

#[tokio::test]
async fn rate_limited_reads_the_headers() {
    let (get, patch, _) = both(|| {
        let mut r = sn_error(
            429,
            "Rate limit exceeded",
            Some("Rate limit of 100 requests per hour for Table API exceeded"),
        );
        let h = r.headers_mut();
        h.insert("retry-after", "7".parse().unwrap());
        h.insert("x-ratelimit-limit", "100".parse().unwrap());
        h.insert("x-ratelimit-reset", "1900000000".parse().unwrap());
        h.insert("x-ratelimit-rule", "abc123".parse().unwrap());
        r
    })
    .await;
    match &get {
        Error::RateLimited {
            retry_after,
            reset_at,
            limit,
            rule,
            ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(7)));
            assert_eq!(*reset_at, Some(1_900_000_000));
            assert_eq!(*limit, Some(100));
            assert_eq!(rule.as_deref(), Some("abc123"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get.retry_after(), Some(Duration::from_secs(7)));
    assert!(get.is_retryable() && !patch.outcome_unknown());
    one_line_with(&get, &["429 from", "retry after 7s", "limit 100"]);

    // No Retry-After: wait until X-RateLimit-Reset (a reset in the past means "now").
    let (get, _, _) = both(|| {
        let mut r = sn_error(429, "Rate limit exceeded", None);
        r.headers_mut()
            .insert("x-ratelimit-reset", "1000".parse().unwrap());
        r
    })
    .await;
    assert_eq!(get.retry_after(), Some(Duration::ZERO));
    // Retry-After as an HTTP date (in the past here, so: retry now).
    let (get, _, _) = both(|| {
        let mut r = sn_error(429, "Rate limit exceeded", None);
        r.headers_mut().insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        r
    })
    .await;
    assert_eq!(get.retry_after(), Some(Duration::ZERO));
    // Neither header (semaphore queue full).
    let (get, _, _) = both(|| sn_error(429, "Rate limit exceeded", None)).await;
    assert_eq!(get.retry_after(), None);
    assert!(get.is_retryable());
}

#[tokio::test]
async fn hibernation_page_is_unavailable() {
    let (get, patch, _) = both(|| raw(200, "text/html", HIBERNATING)).await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::Hibernating,
            status: 200,
            ..
        }
    ));
    one_line_with(&get, &["hibernating", "wake it"]);
    assert!(get.is_retryable());
    assert_eq!(get.category().exit_code(), 4);
    // The hibernation page is served instead of the instance: the write never happened.
    assert!(!patch.outcome_unknown());
}

#[tokio::test]
async fn html_and_non_json_bodies() {
    let (get, patch, _) = both(|| {
        raw(
            503,
            "text/html",
            "<html><title>503 Service Unavailable</title></html>",
        )
    })
    .await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::Html,
            status: 503,
            ..
        }
    ));
    one_line_with(&get, &["503 Service Unavailable", "HTML instead of JSON"]);
    assert!(get.is_retryable() && patch.outcome_unknown());

    let (get, _, _) = both(|| raw(502, "text/plain", "Bad Gateway")).await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::NonJson,
            status: 502,
            ..
        }
    ));

    // A 200 HTML login page is not transient.
    let (get, _, _) = both(|| {
        raw(
            200,
            "text/html;charset=UTF-8",
            "<html><title>Log in</title></html>",
        )
    })
    .await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::Html,
            status: 200,
            ..
        }
    ));
    assert!(!get.is_retryable());

    let (get, _, _) = both(|| raw(200, "text/plain", "hello")).await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::NonJson,
            ..
        }
    ));
}

#[tokio::test]
async fn empty_202_and_missing_result() {
    let (get, patch, _) = both(|| raw(202, "application/json", "")).await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::Empty202,
            status: 202,
            ..
        }
    ));
    one_line_with(&get, &["202", "retry later"]);
    assert!(get.is_retryable() && patch.outcome_unknown());

    let (get, patch, _) = both(|| raw(200, "application/json", r#"{"records":[]}"#)).await;
    assert!(matches!(
        get,
        Error::Unavailable {
            kind: UnavailableKind::MissingResult,
            ..
        }
    ));
    // A 2xx on a write without the record: it may well have been applied.
    assert!(patch.outcome_unknown());

    // `result` of the wrong type for the call.
    let fake = serve(|_, _| result(200, json!({"sys_id": "x"}))).await;
    let e = fake
        .basic()
        .list("incident", &ListParams::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Unavailable {
                kind: UnavailableKind::MissingResult,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn server_errors_and_bad_requests() {
    let (get, patch, _) = both(|| {
        sn_error(
            500,
            "Transaction cancelled: maximum execution time exceeded",
            None,
        )
    })
    .await;
    assert!(matches!(get, Error::Server { status: 500, .. }));
    one_line_with(
        &get,
        &["500 from", "maximum execution time exceeded", "retry later"],
    );
    assert!(get.is_retryable());
    assert!(
        !get.outcome_unknown(),
        "a failed read has no outcome to reconcile"
    );
    assert!(patch.outcome_unknown(), "a 5xx on a write may have applied");

    let (get, patch, _) = both(|| sn_error(400, "Invalid table incidentx", None)).await;
    assert!(matches!(get, Error::InvalidRequest { status: 400, .. }));
    one_line_with(&get, &["400 from", "Invalid table incidentx"]);
    assert!(!get.is_retryable() && !patch.outcome_unknown());
    assert_eq!(get.category(), ErrorCategory::Invalid);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let fake = serve(|r, _| {
        if r.path.starts_with("/login") {
            result(200, json!([]))
        } else {
            axum::response::Response::builder()
                .status(302)
                .header("location", "/login.do")
                .body(axum::body::Body::empty())
                .unwrap()
        }
    })
    .await;
    let e = fake
        .basic()
        .list("incident", &ListParams::new())
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        Error::Unavailable {
            kind: UnavailableKind::Redirect,
            status: 302,
            ..
        }
    ));
    one_line_with(&e, &["/login.do", "SSO"]);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn delete_expects_204_and_get_reads_one_record() {
    let fake = serve(|r, _| match r.method.as_str() {
        "DELETE" => raw(204, "application/json", ""),
        _ => result(200, json!({"sys_id": "abc", "number": "INC0010001"})),
    })
    .await;
    let c = fake.basic();
    c.delete("incident", "abc").await.unwrap();
    let rec = c.get("incident", "abc", &GetParams::new()).await.unwrap();
    assert_eq!(rec.number(), "INC0010001");
    let reqs = fake.requests();
    assert_eq!(reqs[0].path, "/api/now/table/incident/abc");
    assert_eq!(
        reqs[1].param("sysparm_display_value").as_deref(),
        Some("false")
    );
    assert_eq!(
        reqs[1].param("sysparm_exclude_reference_link").as_deref(),
        Some("false")
    );
}
