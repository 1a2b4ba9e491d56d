//! A server that answers, but not like ServiceNow (issue 8 point 5): paging that never ends,
//! writes and lookups answered with the wrong record, non-string field values. The transport
//! side (bodies, deadlines, TLS, heads) is in `hostile.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Map, Value, json};
use servicenow_client::{Client, ClientConfig, Error, ErrorCategory, ListParams, PagingStop};

fn note() -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("work_notes".into(), json!("hello"));
    body
}

// ---- paging ---------------------------------------------------------------------------------

fn offset_of(r: &Recorded) -> u64 {
    r.param("sysparm_offset").map_or(0, |o| o.parse().unwrap())
}

#[tokio::test]
async fn a_server_ignoring_the_offset_stops_paging_after_one_repeat() {
    for total in [Some(10), None] {
        let fake =
            serve(move |_, _| rows(vec![json!({"sys_id": "a"}), json!({"sys_id": "b"})], total))
                .await;
        let e = fake
            .basic()
            .list_all("sys_choice", &ListParams::new().fields(&["label"]).limit(2))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Paging {
                    stop: PagingStop::RepeatedPage { offset: 2 },
                    requests: 2,
                    records: 2,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(fake.requests().len(), 2);
        // sys_id is asked for to recognise repeats, even though the caller named other fields.
        assert_eq!(
            fake.requests()[0].param("sysparm_fields").as_deref(),
            Some("label,sys_id")
        );
        let text = e.to_string();
        assert!(text.contains("ignores sysparm_offset"), "{text}");
    }
}

#[tokio::test]
async fn a_huge_total_count_fails_at_once_naming_the_record_cap() {
    let fake = serve(|r, _| {
        let o = offset_of(r);
        rows(
            vec![json!({"sys_id": format!("id{o}")})],
            Some(2_000_000_000),
        )
    })
    .await;
    let e = fake
        .basic()
        .list_all("incident", &ListParams::new().limit(1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Paging {
                stop: PagingStop::RecordCap {
                    cap: 100_000,
                    reported: Some(2_000_000_000)
                },
                requests: 1,
                ..
            }
        ),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains("2000000000") && text.contains("max_list_records"),
        "{text}"
    );
}

#[tokio::test]
async fn endless_new_records_without_a_count_stop_at_the_configured_record_cap() {
    let fake = serve(|r, _| {
        let o = offset_of(r);
        rows(
            (o..o + 10)
                .map(|i| json!({"sys_id": format!("id{i}")}))
                .collect(),
            None,
        )
    })
    .await;
    let c = Client::new(ClientConfig::new(&fake.base, basic_auth()).max_list_records(50)).unwrap();
    let e = c
        .list_all("incident", &ListParams::new().limit(10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Paging {
                stop: PagingStop::RecordCap {
                    cap: 50,
                    reported: None
                },
                requests: 6,
                records: 60,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_count_needing_more_requests_than_the_cap_fails_at_once() {
    // Empty (ACL-filtered) pages are legitimate and do not stop paging; the request cap does.
    let fake = serve(|_, _| rows(vec![], Some(5_000))).await;
    let c = Client::new(ClientConfig::new(&fake.base, basic_auth()).max_list_requests(3)).unwrap();
    let e = c
        .list_all("incident", &ListParams::new().limit(10))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Paging {
                stop: PagingStop::RequestCap { cap: 3 },
                requests: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("max_list_requests"), "{e}");
    assert_eq!(fake.requests().len(), 1);
}

// ---- writes and lookups answered with the wrong record --------------------------------------

fn assert_unexpected(e: &Error, write: bool, needle: &str) {
    assert!(
        matches!(e, Error::UnexpectedAnswer { write: w, .. } if *w == write),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains(needle), "{text} lacks {needle}");
    assert!(text.contains("does not behave like ServiceNow"), "{text}");
    assert_eq!(e.outcome_unknown(), write, "{e:?}");
    assert_eq!(e.is_retryable(), write, "{e:?}");
    assert_eq!(e.category(), ErrorCategory::Invalid, "{e:?}");
}

#[tokio::test]
async fn a_patch_answered_with_an_empty_result_is_not_delivered() {
    let fake = serve(|_, _| result(200, json!({}))).await;
    let e = fake
        .basic()
        .append_work_note("0123456789abcdef0123456789abcdef", "hello")
        .await
        .unwrap_err();
    assert_unexpected(&e, true, "answered with an empty record");
    assert!(e.to_string().contains("not counted as delivered"), "{e}");
    let fields = fake.requests()[0].param("sysparm_fields").unwrap();
    assert!(fields.split(',').any(|f| f == "sys_id"), "{fields}");
}

#[tokio::test]
async fn a_patch_answered_with_another_record_is_not_delivered() {
    let fake =
        serve(|_, _| result(200, json!({"sys_id": "ffffffffffffffffffffffffffffffff"}))).await;
    let e = fake
        .basic()
        .update(
            "incident",
            "0123456789abcdef0123456789abcdef",
            &note(),
            &["number"],
        )
        .await
        .unwrap_err();
    assert_unexpected(
        &e,
        true,
        "another record (ffffffffffffffffffffffffffffffff)",
    );
    assert_eq!(
        fake.requests()[0].param("sysparm_fields").as_deref(),
        Some("number,sys_id")
    );
}

fn create_body() -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("short_description".into(), json!("disk full"));
    body.insert("correlation_id".into(), json!("snowlink:A-1:1"));
    body
}

#[tokio::test]
async fn a_create_answered_without_sys_id_is_not_delivered() {
    let fake = serve(|_, _| {
        result(
            201,
            json!({"number": "INC0010001", "correlation_id": "snowlink:A-1:1"}),
        )
    })
    .await;
    let e = fake
        .basic()
        .create("incident", &create_body(), &["number"])
        .await
        .unwrap_err();
    assert_unexpected(&e, true, "without the new record's sys_id");
}

#[tokio::test]
async fn a_create_answered_with_another_correlation_id_is_not_delivered() {
    let fake = serve(|_, _| {
        result(
            201,
            json!({"sys_id": "0123456789abcdef0123456789abcdef", "number": "INC1",
                           "correlation_id": "someone-else"}),
        )
    })
    .await;
    let e = fake
        .basic()
        .create("incident", &create_body(), &["sys_id", "number"])
        .await
        .unwrap_err();
    assert_unexpected(&e, true, "\"someone-else\", not \"snowlink:A-1:1\"");
    assert_eq!(
        fake.requests()[0].param("sysparm_fields").as_deref(),
        Some("sys_id,number,correlation_id")
    );
    // The same answer with our correlation_id is a delivered create.
    let good = serve(|_, _| {
        result(
            201,
            json!({"sys_id": "0123456789abcdef0123456789abcdef", "number": "INC1",
                           "correlation_id": "snowlink:A-1:1"}),
        )
    })
    .await;
    let rec = good
        .basic()
        .create("incident", &create_body(), &["sys_id", "number"])
        .await
        .unwrap();
    assert_eq!(rec.number(), "INC1");
}

#[tokio::test]
async fn a_correlation_lookup_returning_another_row_is_refused() {
    let fake = serve(|_, _| {
        rows(
            vec![json!({"sys_id": "a", "number": "INC9", "correlation_id": "other"})],
            None,
        )
    })
    .await;
    let e = fake
        .basic()
        .find_by_correlation_id("snowlink:A-1:1")
        .await
        .unwrap_err();
    assert_unexpected(
        &e,
        false,
        "carries correlation_id \"other\", not \"snowlink:A-1:1\"",
    );
    let e = fake
        .basic()
        .find_by_correlation("problem", "snowlink:A-1:1", &["sys_id"])
        .await
        .unwrap_err();
    assert_unexpected(&e, false, "not \"snowlink:A-1:1\"");
    assert_eq!(
        fake.requests()[1].param("sysparm_fields").as_deref(),
        Some("sys_id,correlation_id")
    );
}

// ---- value shapes ---------------------------------------------------------------------------

#[tokio::test]
async fn non_string_field_values_are_errors_not_empty_strings() {
    let answers = [
        (
            json!([{"sys_id": "a", "priority": 1}]),
            "\"priority\" is a number (1)",
        ),
        (
            json!([{"sys_id": "a", "active": true}]),
            "\"active\" is a boolean",
        ),
        (
            json!([{"sys_id": "a", "watch_list": ["x"]}]),
            "\"watch_list\" is an array",
        ),
        (
            json!([{"sys_id": "a", "state": {"value": 2, "display_value": "In Progress"}}]),
            "a value that is a number",
        ),
        (
            json!([{"sys_id": "a", "caller_id": {"link": 5}}]),
            "a link that is a number",
        ),
        (json!(["not a row"]), "row 0 is a string"),
    ];
    for (answer, needle) in answers {
        let fake = serve(move |_, _| result(200, answer.clone())).await;
        let e = fake
            .basic()
            .list("incident", &ListParams::new())
            .await
            .unwrap_err();
        assert_unexpected(&e, false, needle);
    }
    let fake = serve(|_, _| result(200, json!({"sys_id": "a", "sys_mod_count": 3}))).await;
    let e = fake.basic().get_incident("a").await.unwrap_err();
    assert_unexpected(&e, false, "\"sys_mod_count\" is a number (3)");
}
