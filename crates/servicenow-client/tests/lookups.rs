//! Choices, groups, users, describe_self and probe against fakes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;
use servicenow_client::{Choice, ProbeFinding};

fn choice(name: &str, value: &str, label: &str, seq: &str, dep: &str) -> serde_json::Value {
    json!({"name": name, "value": value, "label": label, "sequence": seq, "dependent_value": dep})
}

#[tokio::test]
async fn choices_query_and_incident_preference() {
    let fake = serve(|r, _| {
        let q = r.param("sysparm_query").unwrap();
        if q.contains("element=impact") {
            // Only task rows: inherited list.
            rows(
                vec![
                    choice("task", "1", "1 - High", "1", ""),
                    choice("task", "2", "2 - Medium", "2", ""),
                ],
                Some(2),
            )
        } else if q.contains("element=state") {
            // incident overrides task: task rows are dropped.
            rows(
                vec![
                    choice("task", "-5", "Pending", "0", ""),
                    choice("incident", "1", "New", "1", ""),
                    choice("incident", "2", "In Progress", "2", ""),
                ],
                Some(3),
            )
        } else {
            rows(
                vec![choice("incident", "dns", "DNS", "", "network")],
                Some(1),
            )
        }
    })
    .await;
    let c = fake.basic();
    let impact = c.choices("incident", "impact", None).await.unwrap();
    assert_eq!(
        impact[0],
        Choice {
            label: "1 - High".into(),
            value: "1".into(),
            sequence: Some(1),
            dependent_value: None
        }
    );
    assert_eq!(impact.len(), 2);
    let state = c.choices("incident", "state", None).await.unwrap();
    let values: Vec<&str> = state.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(values, vec!["1", "2"]);
    let sub = c
        .choices("incident", "subcategory", Some("network"))
        .await
        .unwrap();
    assert_eq!(sub[0].dependent_value.as_deref(), Some("network"));
    assert_eq!(sub[0].sequence, None);
    let reqs = fake.requests();
    assert_eq!(
        reqs[0].param("sysparm_query").as_deref(),
        Some("name=incident^ORname=task^element=impact^inactive=false^language=en^ORDERBYsequence")
    );
    assert_eq!(
        reqs[2].param("sysparm_query").as_deref(),
        Some(
            "name=incident^ORname=task^element=subcategory^inactive=false^language=en^dependent_value=network^ORDERBYsequence"
        )
    );
    assert_eq!(reqs[0].path, "/api/now/table/sys_choice");
    // Non-task tables do not read task rows.
    c.choices("sys_user", "gender", None).await.unwrap();
    assert!(
        fake.requests()[3]
            .param("sysparm_query")
            .unwrap()
            .starts_with("name=sys_user^element=gender")
    );
}

#[tokio::test]
async fn groups_and_users() {
    let fake = serve(|r, _| {
        if r.path.ends_with("/sys_user_group") {
            rows(vec![json!({"sys_id": "287ee6fea9fe198100ada7950d0b1b73", "name": "Database"})], Some(1))
        } else {
            rows(vec![json!({"sys_id": "u1", "user_name": "itil", "name": "ITIL User", "email": "itil@example.com", "active": "true"})], Some(1))
        }
    })
    .await;
    let c = fake.basic();
    let g = c.find_group("Database").await.unwrap().unwrap();
    assert_eq!(g.sys_id, "287ee6fea9fe198100ada7950d0b1b73");
    let u = c.find_user("itil").await.unwrap().unwrap();
    assert_eq!(
        (u.user_name.as_str(), u.name.as_str(), u.active),
        ("itil", "ITIL User", true)
    );
    let reqs = fake.requests();
    assert_eq!(
        reqs[0].param("sysparm_query").as_deref(),
        Some("active=true^name=Database^ORsys_id=Database")
    );
    assert_eq!(
        reqs[1].param("sysparm_query").as_deref(),
        Some("user_name=itil^ORsys_id=itil")
    );
    let fake = serve(|_, _| rows(vec![], Some(0))).await;
    assert!(fake.basic().find_group("nope").await.unwrap().is_none());
    assert!(fake.basic().find_user("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn describe_self_tolerates_a_missing_role_table() {
    let fake = serve(|r, _| {
        if r.path.ends_with("/sys_user") {
            rows(vec![json!({"sys_id": "6816f79cc0a8016401c5a33be04be441", "user_name": "admin", "name": "System Administrator", "email": "", "active": "true"})], Some(1))
        } else {
            sn_error(400, "Invalid table sys_user_has_role", None)
        }
    })
    .await;
    let me = fake.basic().describe_self().await.unwrap();
    assert_eq!(me.user.unwrap().name, "System Administrator");
    assert_eq!(me.roles, None);

    let fake = serve(|r, _| {
        if r.path.ends_with("/sys_user") {
            rows(vec![json!({"sys_id": "u1", "user_name": "admin", "name": "A", "email": "", "active": "true"})], Some(1))
        } else {
            assert_eq!(r.param("sysparm_query").as_deref(), Some("user=u1^state=active"));
            rows(
                vec![
                    json!({"role": {"display_value": "itil", "value": "282bf1fac6112285017366cb5f867469"}}),
                    json!({"role": {"display_value": "admin", "value": "2831a114c611228501d4ea6c309d626d"}}),
                    json!({"role": {"display_value": "itil", "value": "282bf1fac6112285017366cb5f867469"}}),
                ],
                Some(3),
            )
        }
    })
    .await;
    let me = fake.basic().describe_self().await.unwrap();
    assert_eq!(
        me.roles,
        Some(vec!["admin".to_string(), "itil".to_string()])
    );
}

#[tokio::test]
async fn probe_ok_and_failures() {
    let fake = serve(|r, _| {
        assert_eq!(r.path, "/api/now/table/sys_user");
        assert_eq!(r.param("sysparm_query").as_deref(), Some("user_name=admin"));
        assert_eq!(r.param("sysparm_limit").as_deref(), Some("1"));
        rows(
            vec![json!({"sys_id": "u", "user_name": "admin", "name": "System Administrator"})],
            Some(1),
        )
    })
    .await;
    let rep = fake.basic().probe().await;
    assert!(rep.is_ok(), "{}", rep.line());
    assert_eq!(rep.name.as_deref(), Some("System Administrator"));
    assert!(
        rep.line()
            .contains("signed in as admin (System Administrator)"),
        "{}",
        rep.line()
    );

    let fake = serve(|_, _| rows(vec![], Some(0))).await;
    let rep = fake.basic().probe().await;
    assert!(rep.is_ok());
    assert!(rep.line().contains("not readable"), "{}", rep.line());

    type Make = fn() -> axum::response::Response;
    let cases: [(Make, ProbeFinding); 7] = [
        (
            || {
                raw(
                    200,
                    "text/html",
                    "<html><title>Welcome to nginx</title></html>",
                )
            },
            ProbeFinding::NotServiceNow,
        ),
        (
            || raw(404, "text/plain", "404 page not found"),
            ProbeFinding::NotServiceNow,
        ),
        (
            || raw(200, "text/html", HIBERNATING),
            ProbeFinding::Hibernating,
        ),
        (
            || {
                sn_error(
                    401,
                    "User Not Authenticated",
                    Some("Required to provide Auth information"),
                )
            },
            ProbeFinding::Unauthorized,
        ),
        (
            || {
                sn_error(
                    403,
                    "User Not Authorized",
                    Some("Failed API level ACL Validation"),
                )
            },
            ProbeFinding::MissingRole,
        ),
        (
            || sn_error(429, "Rate limit exceeded", None),
            ProbeFinding::RateLimited,
        ),
        (
            || {
                raw(
                    503,
                    "text/html",
                    "<html><title>Service Unavailable</title></html>",
                )
            },
            ProbeFinding::ServerError,
        ),
    ];
    for (make, finding) in cases {
        let fake = serve(move |_, _| make()).await;
        let rep = fake.basic().probe().await;
        assert_eq!(rep.finding, finding, "{}", rep.line());
        assert!(!rep.is_ok());
        assert!(!rep.line().contains('\n'));
    }

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let rep = basic_client(&format!("http://{addr}")).probe().await;
    assert_eq!(rep.finding, ProbeFinding::Refused);
}
