//! Pagination by X-Total-Count, parameter pinning, and the §3 value shapes end to end.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use servicenow_client::{DisplayValue, GetParams, ListParams, Query};

fn row(i: u64) -> Value {
    json!({"sys_id": format!("id{i}"), "number": format!("INC{i:07}")})
}

#[tokio::test]
async fn short_pages_do_not_stop_paging_when_a_count_is_sent() {
    // 23 matching rows, pages of 10; ACLs hide some rows so pages come back short (or empty).
    let fake = serve(|r, _| {
        let offset: u64 = r
            .param("sysparm_offset")
            .map(|o| o.parse().unwrap())
            .unwrap_or(0);
        let limit: u64 = r.param("sysparm_limit").unwrap().parse().unwrap();
        let visible: Vec<Value> = (offset..(offset + limit).min(23))
            .filter(|i| i % 3 != 0)
            .map(row)
            .collect();
        let visible = if offset == 10 { Vec::new() } else { visible };
        rows(visible, Some(23))
    })
    .await;
    let all = fake
        .basic()
        .list_all("incident", &ListParams::new().limit(10))
        .await
        .unwrap();
    let offsets: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.param("sysparm_offset"))
        .collect();
    assert_eq!(offsets, vec![None, Some("10".into()), Some("20".into())]);
    let ids: Vec<&str> = all.iter().map(|r| r.sys_id()).collect();
    assert_eq!(
        ids,
        vec!["id1", "id2", "id4", "id5", "id7", "id8", "id20", "id22"]
    );
}

#[tokio::test]
async fn without_a_count_paging_stops_on_an_empty_page() {
    let fake = serve(|r, _| {
        let offset: u64 = r
            .param("sysparm_offset")
            .map(|o| o.parse().unwrap())
            .unwrap_or(0);
        // Short (ACL-filtered) pages until offset 30, then nothing.
        let v = if offset < 30 {
            vec![row(offset), row(offset + 1)]
        } else {
            vec![]
        };
        rows(v, None)
    })
    .await;
    let all = fake
        .basic()
        .list_all("incident", &ListParams::new().limit(10))
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn list_all_uses_the_default_page_size_and_a_growing_count() {
    let fake = serve(|r, i| {
        assert_eq!(r.param("sysparm_limit").as_deref(), Some("1000"));
        // The table grows while we page: the newest count decides.
        let total = if i == 0 { 1000 } else { 1500 };
        let n = if i == 0 { 1000 } else { 500 };
        rows((0..n).map(row).collect(), Some(total))
    })
    .await;
    let all = fake
        .basic()
        .list_all("incident", &ListParams::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 1000);
    assert_eq!(
        fake.requests().len(),
        1,
        "offset 1000 is not < 1000: one page"
    );
}

#[tokio::test]
async fn list_pins_every_parameter_and_reports_the_count() {
    let fake = serve(|_, _| rows(vec![row(1)], Some(73))).await;
    let params = ListParams::new()
        .query(Query::new().eq("active", "true").order_by("sys_created_on"))
        .fields(&["sys_id", "number"])
        .limit(1)
        .offset(5)
        .display(DisplayValue::All)
        .exclude_reference_link(true);
    let page = fake.basic().list("incident", &params).await.unwrap();
    assert_eq!(page.total_count, Some(73));
    assert_eq!(page.offset, 5);
    assert_eq!(page.records.len(), 1);
    let r = &fake.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/api/now/table/incident");
    assert_eq!(
        r.raw_query,
        "sysparm_query=active%3Dtrue%5EORDERBYsys_created_on&sysparm_display_value=all\
         &sysparm_exclude_reference_link=true&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1\
         &sysparm_offset=5&sysparm_suppress_pagination_header=true"
    );
    assert_eq!(r.headers["accept"], "application/json");
    let ua = r.headers["user-agent"].to_str().unwrap();
    assert!(ua.starts_with("snowlink/"), "{ua}");
    assert!(r.headers.get("cookie").is_none());

    // Defaults are still sent explicitly.
    fake.basic()
        .list("incident", &ListParams::new())
        .await
        .unwrap();
    let r = &fake.requests()[1];
    assert_eq!(r.param("sysparm_display_value").as_deref(), Some("false"));
    assert_eq!(
        r.param("sysparm_exclude_reference_link").as_deref(),
        Some("false")
    );
    assert_eq!(r.param("sysparm_query"), None);
}

#[tokio::test]
async fn no_cookie_is_ever_sent_back() {
    // ServiceNow sets session cookies on every answer; returning them would serialise calls.
    let fake = serve(|_, _| {
        let mut r = rows(vec![], Some(0));
        r.headers_mut().insert(
            "set-cookie",
            "JSESSIONID=ABC; Path=/; HttpOnly".parse().unwrap(),
        );
        r
    })
    .await;
    let c = fake.basic();
    for _ in 0..3 {
        c.list("incident", &ListParams::new()).await.unwrap();
    }
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.headers.get("cookie").is_none())
    );
}

/// Answers like an instance would for each (dv, excl) combination (reference §3).
fn shaped(dv: &str, excl: bool) -> Value {
    let x = "d625dccec0a8016700a222a0f7900d06";
    let link = format!("https://i/api/now/table/sys_user_group/{x}");
    match (dv, excl) {
        ("false", false) => {
            json!({"assignment_group": {"link": link, "value": x}, "assigned_to": "", "state": "2", "short_description": "abc"})
        }
        ("false", true) => {
            json!({"assignment_group": x, "assigned_to": "", "state": "2", "short_description": "abc"})
        }
        ("true", false) => {
            json!({"assignment_group": {"display_value": "Service Desk", "link": link}, "assigned_to": "", "state": "In Progress", "short_description": "abc"})
        }
        ("true", true) => {
            json!({"assignment_group": "Service Desk", "assigned_to": "", "state": "In Progress", "short_description": "abc"})
        }
        ("all", false) => {
            json!({"assignment_group": {"display_value": "Service Desk", "link": link, "value": x}, "assigned_to": {"display_value": "", "value": ""}, "state": {"display_value": "In Progress", "value": "2"}, "short_description": {"display_value": "abc", "value": "abc"}})
        }
        _ => {
            json!({"assignment_group": {"display_value": "Service Desk", "value": x}, "assigned_to": {"display_value": "", "value": ""}, "state": {"display_value": "In Progress", "value": "2"}, "short_description": {"display_value": "abc", "value": "abc"}})
        }
    }
}

#[tokio::test]
async fn every_value_shape_reads_back() {
    let fake = serve(|r, _| {
        let dv = r.param("sysparm_display_value").unwrap();
        let excl = r.param("sysparm_exclude_reference_link").unwrap() == "true";
        if r.path.ends_with("/incident") {
            rows(vec![shaped(&dv, excl)], Some(1))
        } else {
            result(200, shaped(&dv, excl))
        }
    })
    .await;
    let c = fake.basic();
    let x = "d625dccec0a8016700a222a0f7900d06";
    for dv in [DisplayValue::False, DisplayValue::True, DisplayValue::All] {
        for excl in [false, true] {
            let listed = c
                .list(
                    "incident",
                    &ListParams::new().display(dv).exclude_reference_link(excl),
                )
                .await
                .unwrap()
                .records
                .remove(0);
            let got = c
                .get(
                    "incident",
                    "abc",
                    &GetParams::new().display(dv).exclude_reference_link(excl),
                )
                .await
                .unwrap();
            for rec in [listed, got] {
                let label = format!("{dv:?}/{excl}");
                assert_eq!(rec.str("short_description"), "abc", "{label}");
                assert_eq!(rec.value("assigned_to"), Some(""), "{label}");
                match (dv, excl) {
                    (DisplayValue::False, _) => {
                        assert_eq!(rec.value("assignment_group"), Some(x), "{label}");
                        assert_eq!(rec.value("state"), Some("2"), "{label}");
                    }
                    (DisplayValue::True, true) => {
                        assert_eq!(rec.display("assignment_group"), Some("Service Desk"));
                        assert_eq!(rec.display("state"), Some("In Progress"));
                    }
                    (DisplayValue::True, false) => {
                        assert_eq!(rec.value("assignment_group"), Some(x), "sys_id from link");
                        assert_eq!(rec.display("assignment_group"), Some("Service Desk"));
                    }
                    (DisplayValue::All, _) => {
                        assert_eq!(rec.value("assignment_group"), Some(x), "{label}");
                        assert_eq!(rec.display("assignment_group"), Some("Service Desk"));
                        assert_eq!(rec.value("state"), Some("2"));
                        assert_eq!(rec.display("state"), Some("In Progress"));
                        assert_eq!(rec.display("assigned_to"), Some(""));
                    }
                }
            }
        }
    }
}
