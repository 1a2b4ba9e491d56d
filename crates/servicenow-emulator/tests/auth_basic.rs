//! Basic auth, roles and ACLs (§7, §10), and the session cookies and headers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{emu, reply};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_bad_credentials_get_the_401_shape() {
    let e = emu().await;
    let anonymous = reply(
        e.http
            .get(e.url("/api/now/table/incident"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let wrong = reply(
        e.http
            .get(e.url("/api/now/table/incident"))
            .basic_auth("admin", Some("nope"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let unknown = reply(
        e.http
            .get(e.url("/api/now/table/incident"))
            .basic_auth("mallory", Some("x"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let garbage = reply(
        e.http
            .get(e.url("/api/now/table/incident"))
            .header("Authorization", "Basic !!!")
            .send()
            .await
            .unwrap(),
    )
    .await;
    for r in [anonymous, wrong, unknown, garbage] {
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json,
            json!({"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"}, "status": "failure"})
        );
        assert_eq!(
            r.header("www-authenticate").unwrap(),
            "BASIC realm=\"Service-now\""
        );
        assert!(r.header("x-is-logged-in").is_none());
    }
}

#[tokio::test]
async fn authentication_comes_before_table_validation() {
    let e = emu().await;
    let r = reply(
        e.http
            .get(e.url("/api/now/table/u_nope"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn guest_cannot_write_incidents() {
    let e = emu().await;
    let r = e
        .post(
            "guest",
            "/api/now/table/incident",
            json!({"short_description": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json["error"],
        json!({"message": "Operation Failed", "detail": "ACL Exception Insert Failed due to security constraints"})
    );
    let own = e.sys_id_of("INC0000007").await;
    let r = e
        .patch(
            "guest",
            &format!("/api/now/table/incident/{own}"),
            json!({"description": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.error().1,
        "ACL Exception Update Failed due to security constraints"
    );
    let r = reply(
        e.request(
            Method::DELETE,
            "guest",
            &format!("/api/now/table/incident/{own}"),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.error().1,
        "ACL Exception Delete Failed due to security constraints"
    );
}

#[tokio::test]
async fn guest_reads_only_incidents_where_they_are_the_caller() {
    let e = emu().await;
    let r = e
        .get("guest", "/api/now/table/incident?sysparm_fields=number")
        .await;
    let mut numbers: Vec<&str> = r
        .rows()
        .iter()
        .map(|x| x["number"].as_str().unwrap())
        .collect();
    numbers.sort();
    assert_eq!(numbers, ["INC0000007", "INC0000020"]);
    let other = e.sys_id_of("INC0000001").await;
    let r = e
        .get("guest", &format!("/api/now/table/incident/{other}"))
        .await;
    assert_eq!(r.status, 404, "hidden and missing look the same");
    let r = e
        .patch(
            "guest",
            &format!("/api/now/table/incident/{other}"),
            json!({"description": "x"}),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn itil_creates_updates_and_resolves_but_cannot_delete() {
    let e = emu().await;
    let rec = e
        .create_incident("itil", json!({"short_description": "itil"}))
        .await;
    let path = format!(
        "/api/now/table/incident/{}",
        rec["sys_id"].as_str().unwrap()
    );
    assert_eq!(
        e.patch("itil", &path, json!({"state": "2"})).await.status,
        200
    );
    let r = e
        .patch(
            "itil",
            &path,
            json!({"state": "6", "close_code": "Solution provided", "close_notes": "ok"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = reply(
        e.request(Method::DELETE, "itil", &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = reply(
        e.request(Method::DELETE, "admin", &path)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn only_admins_write_lookup_tables() {
    let e = emu().await;
    let r = e
        .post(
            "itil",
            "/api/now/table/sys_user_group",
            json!({"name": "New team"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = e
        .post(
            "admin",
            "/api/now/table/sys_user_group",
            json!({"name": "New team"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.result()["active"], "true");
    assert_eq!(r.result()["sys_mod_count"], "0");
}

#[tokio::test]
async fn a_new_session_gets_the_real_cookies_and_headers() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_limit=1")
        .await;
    let cookies: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let starts = |p: &str| cookies.iter().any(|c| c.starts_with(p));
    assert!(starts("JSESSIONID="));
    assert!(starts("glide_user_route=glide."));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("glide_session_store=") && c.contains("Max-Age=1800"))
    );
    assert!(starts("BIGipServerpool_"));
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("glide_user=;") && c.contains("Max-Age=0"))
    );
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("glide_user_session=;") && c.contains("Max-Age=0"))
    );
    assert_eq!(r.header("x-is-logged-in").unwrap(), "true");
    assert!(!r.header("x-transaction-id").unwrap().is_empty());
    assert!(r.header("server-timing").unwrap().contains("sem_wait;dur="));
}

#[tokio::test]
async fn returning_the_session_cookie_reuses_the_login() {
    let e = emu().await;
    let jar = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let first = reply(
        jar.get(e.url("/api/now/table/sys_user?sysparm_limit=1"))
            .basic_auth("itil", Some("itil"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(first.status, 200);
    let second = reply(
        jar.get(e.url("/api/now/table/sys_user?sysparm_limit=1"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(second.status, 200, "the session carries the login");
    assert!(second.header("set-cookie").is_none(), "no new session");
    let log = e.emu.requests();
    assert_eq!(log.last().unwrap().user, "itil");
}

#[tokio::test]
async fn requests_sharing_a_session_run_one_at_a_time() {
    let e = common::emu_with(servicenow_emulator::EmulatorConfig {
        latency: std::time::Duration::from_millis(150),
        ..servicenow_emulator::EmulatorConfig::default()
    })
    .await;
    let jar = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let url = e.url("/api/now/table/sys_user?sysparm_limit=1");
    let first = jar
        .get(&url)
        .basic_auth("itil", Some("itil"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(jar.get(&url).send(), jar.get(&url).send());
    assert_eq!(a.unwrap().status(), 200);
    assert_eq!(b.unwrap().status(), 200);
    // Serialized: the second waits for the first (a lower bound, never flaky).
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}
