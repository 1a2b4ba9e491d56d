//! Paging (§4): X-Total-Count, the exact Link format, limits and offsets, and
//! ACL filtering after the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;

#[tokio::test]
async fn link_header_has_the_captured_format() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_limit=1")
        .await;
    let u = format!("{}/api/now/table/incident", e.base);
    assert_eq!(
        r.header("link").unwrap(),
        format!(
            "<{u}?sysparm_limit=1&sysparm_offset=0>;rel=\"first\",<{u}?sysparm_limit=1&sysparm_offset=-1>;rel=\"prev\",\
             <{u}?sysparm_limit=1&sysparm_offset=1>;rel=\"next\",<{u}?sysparm_limit=1&sysparm_offset=19>;rel=\"last\""
        )
    );
    assert_eq!(r.header("x-total-count").unwrap(), "20");
    assert_eq!(r.rows().len(), 1);
}

#[tokio::test]
async fn link_urls_repeat_the_callers_parameters_in_order() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_offset=5&sysparm_query=active%3Dtrue&sysparm_limit=5&sysparm_fields=number")
        .await;
    let total: usize = r.header("x-total-count").unwrap().parse().unwrap();
    assert_eq!(total, 17);
    let u = format!(
        "{}/api/now/table/incident?sysparm_query=active%3Dtrue&sysparm_fields=number",
        e.base
    );
    assert_eq!(
        r.header("link").unwrap(),
        format!(
            "<{u}&sysparm_limit=5&sysparm_offset=0>;rel=\"first\",<{u}&sysparm_limit=5&sysparm_offset=0>;rel=\"prev\",\
             <{u}&sysparm_limit=5&sysparm_offset=10>;rel=\"next\",<{u}&sysparm_limit=5&sysparm_offset=15>;rel=\"last\""
        )
    );
}

#[tokio::test]
async fn last_page_has_no_next_and_last_is_floor_of_total_minus_one() {
    let e = emu().await;
    let r = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_limit=7&sysparm_offset=14",
        )
        .await;
    assert_eq!(r.rows().len(), 6);
    let link = r.header("link").unwrap();
    assert!(!link.contains("rel=\"next\""));
    assert!(link.contains("sysparm_limit=7&sysparm_offset=7>;rel=\"prev\""));
    assert!(link.ends_with("sysparm_limit=7&sysparm_offset=14>;rel=\"last\""));
}

#[tokio::test]
async fn walking_pages_by_total_count_sees_every_row_once() {
    let e = emu().await;
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let r = e
            .get("admin", &format!("/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_limit=3&sysparm_offset={offset}&sysparm_fields=number"))
            .await;
        let total: usize = r.header("x-total-count").unwrap().parse().unwrap();
        seen.extend(
            r.rows()
                .iter()
                .map(|row| row["number"].as_str().unwrap().to_string()),
        );
        offset += 3;
        if offset >= total {
            break;
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen.len(), 20);
    assert_eq!(sorted, seen);
}

#[tokio::test]
async fn suppress_flag_drops_the_link_header_only() {
    let e = emu().await;
    let r = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_limit=2&sysparm_suppress_pagination_header=true",
        )
        .await;
    assert!(r.header("link").is_none());
    assert_eq!(r.header("x-total-count").unwrap(), "20");
}

#[tokio::test]
async fn default_limit_is_ten_thousand() {
    let e = emu().await;
    let r = e.get("admin", "/api/now/table/sys_choice").await;
    assert!(
        r.header("link")
            .unwrap()
            .contains("sysparm_limit=10000&sysparm_offset=0>;rel=\"first\"")
    );
    assert_eq!(
        r.rows().len().to_string(),
        r.header("x-total-count").unwrap()
    );
}

#[tokio::test]
async fn offsets_past_the_end_and_negative_offsets() {
    let e = emu().await;
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_offset=500")
        .await;
    assert_eq!(r.status, 200);
    assert!(r.rows().is_empty());
    assert_eq!(r.header("x-total-count").unwrap(), "20");
    let first = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_limit=2&sysparm_offset=0",
        )
        .await;
    let prev = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_limit=2&sysparm_offset=-2",
        )
        .await;
    assert_eq!(
        first.json, prev.json,
        "a negative offset reads the first page"
    );
}

#[tokio::test]
async fn bad_limits_are_rejected_and_huge_ones_work() {
    let e = emu().await;
    for bad in ["abc", "-5", "0", "1e3", "99999999999999999999999"] {
        let r = e
            .get(
                "admin",
                &format!("/api/now/table/incident?sysparm_limit={bad}"),
            )
            .await;
        assert_eq!(r.status, 400, "limit {bad}");
        assert_eq!(r.error().0, "Invalid value for sysparm_limit");
    }
    let r = e
        .get("admin", "/api/now/table/incident?sysparm_offset=x")
        .await;
    assert_eq!(r.status, 400);
    let r = e
        .get(
            "admin",
            "/api/now/table/incident?sysparm_limit=9000000000000",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.rows().len(), 20);
}

#[tokio::test]
async fn acl_filtering_happens_after_the_limit_so_pages_can_be_short() {
    let e = emu().await;
    // guest is the caller of INC0000007 and INC0000020 only.
    let page1 = e.get("guest", "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_limit=10&sysparm_fields=number").await;
    assert_eq!(page1.header("x-total-count").unwrap(), "20");
    assert_eq!(
        page1.json["result"],
        serde_json::json!([{"number": "INC0000007"}])
    );
    let page2 = e
        .get("guest", "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_limit=10&sysparm_offset=10&sysparm_fields=number")
        .await;
    assert_eq!(
        page2.json["result"],
        serde_json::json!([{"number": "INC0000020"}])
    );
    let empty = e
        .get("guest", "/api/now/table/incident?sysparm_query=ORDERBYnumber&sysparm_limit=3&sysparm_offset=10&sysparm_fields=number")
        .await;
    assert_eq!(empty.status, 200);
    assert!(
        empty.rows().is_empty(),
        "an empty page while later pages still hold rows"
    );
}

#[tokio::test]
async fn every_list_has_a_total_count() {
    let e = emu().await;
    for t in [
        "incident",
        "sys_user",
        "sys_user_group",
        "sys_user_grmember",
        "sys_choice",
        "sys_journal_field",
    ] {
        let r = e
            .get("admin", &format!("/api/now/table/{t}?sysparm_limit=1"))
            .await;
        assert!(r.header("x-total-count").is_some(), "{t}");
    }
}
