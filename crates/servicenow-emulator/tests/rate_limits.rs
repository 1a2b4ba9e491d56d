//! Inbound REST API rate limit rules over HTTP (docs/emulator.md §Rate limits): matched
//! answers carry `X-RateLimit-*`, the request past the hourly limit is a 429 with
//! `Retry-After` and is not served, users without a matching rule are not limited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::emu_with;
use reqwest::StatusCode;
use serde_json::json;
use servicenow_emulator::{AppliesTo, EmulatorConfig, RateLimitRule};

#[tokio::test]
async fn the_request_past_the_hourly_limit_is_refused_with_retry_after_and_not_served() {
    let rule = RateLimitRule::new("itil hourly", AppliesTo::Role("itil".into()), 2);
    let e = emu_with(EmulatorConfig {
        rate_limits: vec![rule.clone()],
        ..EmulatorConfig::default()
    })
    .await;
    for _ in 0..2 {
        let r = e
            .get("itil", "/api/now/table/incident?sysparm_limit=1")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.header("X-RateLimit-Limit").as_deref(), Some("2"));
        assert_eq!(r.header("X-RateLimit-Rule"), Some(rule.sys_id.clone()));
        let reset: u64 = r.header("X-RateLimit-Reset").unwrap().parse().unwrap();
        let now = jiff::Timestamp::now().as_second() as u64;
        assert!(reset > now && reset <= now + 3600, "{reset} vs {now}");
    }
    let before = e.get("admin", "/api/now/table/incident").await.rows().len();
    let refused = e
        .post(
            "itil",
            "/api/now/table/incident",
            json!({"short_description": "over the limit"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let (message, detail) = refused.error();
    assert_eq!(message, "Rate limit exceeded");
    assert_eq!(
        detail,
        "Rate limit of 2 requests per hour for Table API exceeded"
    );
    let retry: u64 = refused.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    assert_eq!(refused.header("X-RateLimit-Limit").as_deref(), Some("2"));
    // Not served: no incident was created. admin has no rule that applies: never limited,
    // and no rate headers.
    let after = e.get("admin", "/api/now/table/incident").await;
    assert_eq!(after.rows().len(), before);
    assert_eq!(after.header("X-RateLimit-Limit"), None);
}

#[tokio::test]
async fn a_new_hour_starts_the_count_over() {
    // A one-second "hour", so the test does not wait an hour for the reset it checks.
    let e = emu_with(EmulatorConfig {
        rate_limits: vec![RateLimitRule::new("everyone", AppliesTo::All, 1)],
        rate_limit_hour: Duration::from_secs(1),
        ..EmulatorConfig::default()
    })
    .await;
    let mut refused_once = false;
    let mut served_after_refusal = false;
    let start = std::time::Instant::now();
    while !(refused_once && served_after_refusal) {
        assert!(start.elapsed() < Duration::from_secs(30), "no reset seen");
        let r = e
            .get("itil", "/api/now/table/incident?sysparm_limit=1")
            .await;
        match r.status {
            StatusCode::TOO_MANY_REQUESTS => {
                refused_once = true;
                let retry: u64 = r.header("Retry-After").unwrap().parse().unwrap();
                assert_eq!(retry, 1, "at most the rest of the one-second hour");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            StatusCode::OK if refused_once => served_after_refusal = true,
            StatusCode::OK => {}
            other => panic!("{other}: {}", r.text),
        }
    }
}
