//! Fault injection (§6, §13.9): the spec grammar and every fault kind, selected by
//! method and path prefix, applied N times or always.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{emu, emu_with, reply};
use reqwest::Method;
use serde_json::json;
use servicenow_emulator::{EmulatorConfig, FaultKind, FaultSpec, FaultSpecError};

fn spec(s: &str) -> FaultSpec {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn the_grammar_parses_the_documented_examples() {
    let f = spec("status=429,retry-after=2,count=3,method=PATCH,path=/api/now/table/incident");
    assert_eq!(
        f.kind,
        FaultKind::Status {
            code: 429,
            retry_after: Some(2),
            rate_limit: None,
            html: false,
            reason: None
        }
    );
    assert_eq!(f.method.as_deref(), Some("PATCH"));
    assert_eq!(f.path.as_deref(), Some("/api/now/table/incident"));
    assert_eq!(f.count, Some(3));
    assert_eq!(spec("hibernate").kind, FaultKind::Hibernate);
    assert_eq!(spec("hibernate").count, None);
    assert_eq!(spec("reset,count=1").count, Some(1));
    assert_eq!(spec("empty-202").method.as_deref(), Some("GET"));
    assert_eq!(
        spec("latency-ms=250").kind,
        FaultKind::Latency(Duration::from_millis(250))
    );
    assert!(matches!(
        spec("reason=data-policy").kind,
        FaultKind::Status { code: 403, .. }
    ));
    assert!(matches!(
        spec("status=503,html").kind,
        FaultKind::Status {
            code: 503,
            html: true,
            ..
        }
    ));
}

#[test]
fn display_round_trips() {
    for s in [
        "status=429,retry-after=2,rate-limit=100,method=PATCH,path=/api/now/table/incident,count=3",
        "status=403,reason=acl-insert,always",
        "hibernate,always",
        "reset,count=1",
        "empty-202,method=GET,always",
        "latency-ms=5,path=/oauth_token.do,always",
        "status=502,html,always",
    ] {
        assert_eq!(spec(s).to_string(), s);
        assert_eq!(spec(&spec(s).to_string()), spec(s));
    }
}

#[test]
fn bad_specs_are_rejected_with_a_reason() {
    let err = |s: &str| s.parse::<FaultSpec>().unwrap_err();
    assert_eq!(err(""), FaultSpecError::Empty);
    assert_eq!(err("count=3"), FaultSpecError::NoKind);
    assert!(matches!(err("bogus"), FaultSpecError::UnknownItem(_)));
    assert!(matches!(err("status=abc"), FaultSpecError::BadValue { .. }));
    assert!(matches!(err("status=200"), FaultSpecError::BadValue { .. }));
    assert!(matches!(
        err("hibernate,reset"),
        FaultSpecError::TwoKinds(..)
    ));
    assert!(matches!(
        err("reset,retry-after=3"),
        FaultSpecError::NeedsStatus(_)
    ));
    assert!(matches!(
        err("status=429,path=api"),
        FaultSpecError::BadValue { .. }
    ));
}

#[tokio::test]
async fn rate_limit_with_retry_after_hits_only_the_selected_requests_n_times() {
    let e = emu_with(EmulatorConfig {
        faults: vec![spec(
            "status=429,retry-after=2,count=3,method=PATCH,path=/api/now/table/incident",
        )],
        ..EmulatorConfig::default()
    })
    .await;
    let id = e.sys_id_of("INC0000001").await; // a GET: not selected
    let path = format!("/api/now/table/incident/{id}");
    for _ in 0..3 {
        let r = e.patch("admin", &path, json!({"work_notes": "x"})).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").unwrap(), "2");
        assert!(r.header("x-ratelimit-limit").is_none());
        assert_eq!(r.error().0, "Rate limit exceeded");
    }
    assert_eq!(
        e.patch("admin", &path, json!({"work_notes": "x"}))
            .await
            .status,
        200
    );
    assert!(e.emu.faults().is_empty(), "a used-up fault disappears");
}

#[tokio::test]
async fn rate_limit_headers_and_a_bare_429() {
    let e = emu().await;
    e.emu
        .add_fault(spec("status=429,retry-after=30,rate-limit=100,count=1"));
    e.emu.add_fault(spec("status=429,count=1"));
    let r = e.get("admin", "/api/now/table/incident").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("x-ratelimit-limit").unwrap(), "100");
    let reset: i64 = r.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > jiff::Timestamp::now().as_second());
    assert_eq!(r.header("x-ratelimit-rule").unwrap().len(), 32);
    assert_eq!(
        r.error().1,
        "Rate limit of 100 requests per hour for Table API exceeded"
    );
    let bare = e.get("admin", "/api/now/table/incident").await;
    assert_eq!(bare.status, 429);
    assert!(bare.header("retry-after").is_none());
    assert!(bare.header("x-ratelimit-limit").is_none());
    assert_eq!(e.get("admin", "/api/now/table/incident").await.status, 200);
}

#[tokio::test]
async fn server_errors_json_and_html() {
    let e = emu().await;
    e.emu.add_fault(spec("status=500,count=1"));
    e.emu.add_fault(spec("status=502,html,count=1"));
    e.emu.add_fault(spec("status=503,html,count=1"));
    let r = e.get("admin", "/api/now/table/incident").await;
    assert_eq!(r.status, 500);
    assert_eq!(
        r.header("content-type").unwrap(),
        "application/json;charset=UTF-8"
    );
    assert_eq!(r.json["status"], "failure");
    for code in [502, 503] {
        let r = e.get("admin", "/api/now/table/incident").await;
        assert_eq!(r.status, code);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text.contains(&format!("<h1>{code} ")));
    }
}

#[tokio::test]
async fn hibernation_page_is_a_200_html_page() {
    let e = emu_with(EmulatorConfig {
        faults: vec![spec("hibernate")],
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..2 {
        let r = e.get("admin", "/api/now/table/incident").await;
        assert_eq!(r.status, 200);
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        assert!(r.text.contains("<h1>Your instance is hibernating</h1>"));
        assert!(r.text.contains("instance-hibernating-page"));
        assert_eq!(r.json, serde_json::Value::Null, "not JSON");
    }
}

#[tokio::test]
async fn reset_drops_the_connection_without_a_response() {
    let e = emu().await;
    e.emu.add_fault(spec("reset,count=1"));
    let err = e
        .http
        .get(e.url("/api/now/table/incident"))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .expect_err("no response");
    assert!(!err.is_timeout());
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert_eq!(e.get("admin", "/api/now/table/incident").await.status, 200);
    let log = e.emu.requests();
    assert_eq!(log[0].status, 0);
    assert!(log[0].fault.as_deref().unwrap().contains("Reset"));
}

#[tokio::test]
async fn empty_202_on_get_only() {
    let e = emu().await;
    e.emu.add_fault(spec("empty-202"));
    let r = e.get("admin", "/api/now/table/incident").await;
    assert_eq!(r.status, 202);
    assert!(r.text.is_empty());
    let created = e
        .post(
            "admin",
            "/api/now/table/incident",
            json!({"short_description": "x"}),
        )
        .await;
    assert_eq!(created.status, 201);
}

#[tokio::test]
async fn the_403_variants() {
    let e = emu().await;
    let cases = [
        (
            "acl-insert",
            "Operation Failed",
            json!("ACL Exception Insert Failed due to security constraints"),
        ),
        (
            "acl-update",
            "Operation Failed",
            json!("ACL Exception Update Failed due to security constraints"),
        ),
        (
            "acl-delete",
            "Operation Failed",
            json!("ACL Exception Delete Failed due to security constraints"),
        ),
        (
            "data-policy",
            "Operation Failed",
            json!(
                "Data Policy Exception: \n\tThe following fields are mandatory: Resolution code, Resolution notes"
            ),
        ),
        (
            "query",
            "Insufficient rights to query records",
            json!("Field(s) present in the query do not have permission to be read"),
        ),
        (
            "api",
            "User Not Authorized",
            json!("Failed API level ACL Validation"),
        ),
    ];
    for (reason, message, detail) in cases {
        e.emu.add_fault(spec(&format!("reason={reason},count=1")));
        let r = e.get("admin", "/api/now/table/incident").await;
        assert_eq!(r.status, 403, "{reason}");
        assert_eq!(r.error(), (message.to_string(), detail), "{reason}");
    }
}

#[tokio::test]
async fn path_prefix_and_method_select_requests() {
    let e = emu().await;
    e.emu
        .add_fault(spec("status=500,path=/api/now/table/sys_user"));
    assert_eq!(e.get("admin", "/api/now/table/incident").await.status, 200);
    assert_eq!(e.get("admin", "/api/now/table/sys_user").await.status, 500);
    assert_eq!(
        e.get("admin", "/api/now/v2/table/sys_user").await.status,
        200,
        "a prefix, not a pattern"
    );
    e.emu.clear_faults();
    e.emu.add_fault(spec("status=503,method=DELETE"));
    let id = e.sys_id_of("INC0000014").await;
    let r = reply(
        e.request(
            Method::DELETE,
            "admin",
            &format!("/api/now/table/incident/{id}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, 503);
}

#[tokio::test]
async fn latency_fault_and_global_latency_delay_responses() {
    let e = emu_with(EmulatorConfig {
        latency: Duration::from_millis(40),
        ..EmulatorConfig::default()
    })
    .await;
    e.emu.add_fault(spec("latency-ms=120,count=1"));
    let t = Instant::now();
    assert_eq!(
        e.get("admin", "/api/now/table/incident?sysparm_limit=1")
            .await
            .status,
        200
    );
    assert!(
        t.elapsed() >= Duration::from_millis(160),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    assert_eq!(
        e.get("admin", "/api/now/table/incident?sysparm_limit=1")
            .await
            .status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(40));
}

#[tokio::test]
async fn faults_can_hit_the_oauth_endpoint_too() {
    let e = emu().await;
    e.emu
        .add_fault(spec("status=503,html,path=/oauth_token.do,count=1"));
    let r = reply(
        e.http
            .post(e.url("/oauth_token.do"))
            .form(&[("grant_type", "password")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 503);
}

#[test]
fn edit_description_grammar() {
    let f = spec("edit-description,count=1,path=/api/now/table/incident");
    assert_eq!(
        f.kind,
        FaultKind::EditDescription {
            user: servicenow_emulator::DEFAULT_EDITOR.into()
        }
    );
    assert_eq!(f.method.as_deref(), Some("GET"));
    assert_eq!(
        f.to_string(),
        "edit-description,user=beth.anglin,method=GET,path=/api/now/table/incident,count=1"
    );
    assert_eq!(spec(&f.to_string()), f);
    assert_eq!(
        spec("edit-description,user=david.loo").kind,
        FaultKind::EditDescription {
            user: "david.loo".into()
        }
    );
    let err = |s: &str| s.parse::<FaultSpec>().unwrap_err();
    assert!(matches!(
        err("edit-description,method=PATCH"),
        FaultSpecError::EditNeedsGet(_)
    ));
    assert!(matches!(
        err("status=500,user=david.loo"),
        FaultSpecError::NeedsEdit(_)
    ));
    assert!(matches!(
        err("edit-description,reset"),
        FaultSpecError::TwoKinds(..)
    ));
}

/// The GET answers the description as it was; the edit lands right after, as a real update
/// by another user (stamps, mod count, audit row), so a PATCH of what was read would lose it.
#[tokio::test]
async fn edit_description_edits_right_after_a_record_get() {
    let e = emu().await;
    let id = e.sys_id_of("INC0000001").await;
    let path = format!("/api/now/table/incident/{id}");
    let before = e.get("admin", &path).await.result().clone();
    e.emu.add_fault(spec("edit-description,count=1"));
    // A list read is not a record read: it neither edits nor uses the hit up.
    assert_eq!(e.get("admin", "/api/now/table/incident").await.status, 200);
    assert_eq!(e.emu.faults().len(), 1);

    let read = e.get("admin", &path).await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.result()["description"],
        before["description"],
        "the answer is the description before the edit"
    );
    assert!(e.emu.faults().is_empty(), "count=1 is used up");
    let after = e.get("admin", &path).await.result().clone();
    let desc = after["description"].as_str().unwrap();
    let old = before["description"].as_str().unwrap();
    assert!(desc.starts_with(old.trim_end()), "{desc}");
    let last = desc.lines().last().unwrap();
    assert!(
        last.starts_with("Edited by a human (beth.anglin) at "),
        "{desc}"
    );
    let count =
        |r: &serde_json::Value| r["sys_mod_count"].as_str().unwrap().parse::<u64>().unwrap();
    assert_eq!(count(&after), count(&before) + 1);
    assert_eq!(after["sys_updated_by"], "beth.anglin");
    assert!(
        after["sys_updated_on"].as_str().unwrap() >= before["sys_updated_on"].as_str().unwrap()
    );

    let log = e.emu.requests();
    let edited: Vec<_> = log
        .iter()
        .filter(|r| r.fault.as_deref() == Some("edit-description"))
        .collect();
    assert_eq!(edited.len(), 1, "{log:?}");
    assert_eq!(edited[0].path, path);

    // The overwritten text is in the audit trail (admin-only), keyed by the mod count.
    let audit = e
        .get(
            "admin",
            &format!(
                "/api/now/table/sys_audit?sysparm_query=documentkey={id}^fieldname=description"
            ),
        )
        .await;
    let rows = audit.rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["newvalue"], desc);
    assert_eq!(rows[0]["oldvalue"], old);
    assert_eq!(rows[0]["user"], "beth.anglin");
    assert_eq!(rows[0]["record_checkpoint"], after["sys_mod_count"]);
    let as_itil = e.get("itil", "/api/now/table/sys_audit").await;
    assert!(as_itil.rows().is_empty(), "sys_audit is admin-only");
}

#[tokio::test]
async fn edit_description_skips_missing_records_and_other_paths() {
    let e = emu().await;
    e.emu.add_fault(spec(
        "edit-description,count=1,path=/api/now/table/incident/",
    ));
    let missing = e
        .get(
            "admin",
            "/api/now/table/incident/0123456789abcdef0123456789abcdef",
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(e.get("admin", "/api/now/table/sys_user").await.status, 200);
    assert_eq!(
        e.emu.faults().len(),
        1,
        "a 404 and a list do not use the hit"
    );
    assert!(e.emu.requests().iter().all(|r| r.fault.is_none()));
}
