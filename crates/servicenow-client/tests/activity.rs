//! Reading a task's activity against a fake: the exact journal query on the wire, author names,
//! the fallback to display values (403 or ACL-empty), the merge of both kinds newest first, and
//! not found.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use servicenow_client::{ActivitySource, JournalKind, MAX_ACTIVITY_ENTRIES};

const ID: &str = "0123456789abcdef0123456789abcdef";

/// The record in dv=all shape.
fn record() -> Value {
    let both = |v: &str, d: &str| json!({"value": v, "display_value": d});
    json!({
        "sys_id": both(ID, ID),
        "number": both("INC0010001", "INC0010001"),
        "short_description": both("disk full", "disk full"),
        "state": both("2", "In Progress"),
        "priority": both("2", "2 - High"),
        "assignment_group": both("g1", "Database"),
        "assigned_to": both("u1", "Beth Anglin"),
        "caller_id": both("u2", "System Administrator"),
        "opened_at": both("2026-11-23 08:00:00", "2026-11-23 08:00:00"),
        "sys_updated_on": both("2026-11-23 10:31:00", "2026-11-23 10:31:00"),
    })
}

const NOTES: &str = "2026-11-23 10:31:00 - Beth Anglin (Work notes)\nchecked\n\nthe loader\n\n\
2026-11-23 10:00:00 - System Administrator (Work notes)\n\
[2026-11-23 10:00:00 UTC] Anomaly A-1 status: Acknowledged\n\n";
const COMMENTS: &str = "2026-11-23 10:30:00 - Beth Anglin (Additional comments)\nwe see it too\n\n";

#[tokio::test]
async fn journal_table_first_with_full_names() {
    let fake = serve(|r, _| {
        if r.path.ends_with("/sys_journal_field") {
            assert_eq!(
                r.param("sysparm_query").as_deref(),
                Some(
                    format!(
                        "element_id={ID}^elementINwork_notes,comments^ORDERBYDESCsys_created_on"
                    )
                    .as_str()
                )
            );
            assert_eq!(
                r.param("sysparm_limit").as_deref(),
                Some((MAX_ACTIVITY_ENTRIES + 1).to_string().as_str())
            );
            rows(
                vec![
                    json!({"element": "comments", "value": "we see it too", "sys_created_on": "2026-11-23 10:31:00", "sys_created_by": "beth.anglin"}),
                    json!({"element": "work_notes", "value": "checked\r\n", "sys_created_on": "2026-11-23 10:30:00", "sys_created_by": "ghost"}),
                    json!({"element": "close_notes", "value": "not a journal we show", "sys_created_on": "2026-11-23 10:29:00", "sys_created_by": "x"}),
                ],
                Some(3),
            )
        } else if r.path.ends_with("/sys_user") {
            assert_eq!(
                r.param("sysparm_query").as_deref(),
                Some("user_nameINbeth.anglin,ghost")
            );
            rows(
                vec![json!({"user_name": "beth.anglin", "name": "Beth Anglin"})],
                Some(1),
            )
        } else {
            assert_eq!(r.param("sysparm_query").as_deref(), Some("number=INC0010001"));
            assert_eq!(r.param("sysparm_display_value").as_deref(), Some("all"));
            rows(vec![record()], Some(1))
        }
    })
    .await;
    let a = fake
        .basic()
        .read_activity("incident", "inc0010001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.record.number, "INC0010001");
    assert_eq!(a.record.state, "In Progress");
    assert_eq!(a.record.caller, "System Administrator");
    assert_eq!(a.record.opened_at, "2026-11-23 08:00:00");
    assert_eq!(a.source, ActivitySource::JournalTable);
    assert!(!a.truncated);
    assert_eq!(a.entries.len(), 2, "{:#?}", a.entries);
    assert_eq!(a.entries[0].kind, JournalKind::Comment);
    assert_eq!(a.entries[0].author, "Beth Anglin");
    assert_eq!(
        a.entries[0].author_user_name.as_deref(),
        Some("beth.anglin")
    );
    // A user whose name cannot be read stays a user name.
    assert_eq!(a.entries[1].author, "ghost");
    assert_eq!(a.entries[1].text, "checked");
}

#[tokio::test]
async fn display_values_when_the_journal_table_is_forbidden_or_empty() {
    for forbidden in [true, false] {
        let fake = serve(move |r, _| {
            if r.path.ends_with("/sys_journal_field") {
                if forbidden {
                    sn_error(403, "Insufficient rights to query records", None)
                } else {
                    rows(vec![], Some(4))
                }
            } else if r.path.ends_with(&format!("/incident/{ID}")) {
                if r.param("sysparm_display_value").as_deref() == Some("true") {
                    result(
                        200,
                        json!({"sys_id": ID, "work_notes": NOTES, "comments": COMMENTS}),
                    )
                } else {
                    result(200, record())
                }
            } else {
                panic!("unexpected {} {}", r.path, r.raw_query)
            }
        })
        .await;
        let a = fake
            .basic()
            .read_activity("incident", ID)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.source, ActivitySource::DisplayValue, "403={forbidden}");
        let got: Vec<(JournalKind, &str, &str)> = a
            .entries
            .iter()
            .map(|e| (e.kind, e.author.as_str(), e.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    JournalKind::WorkNote,
                    "Beth Anglin",
                    "checked\n\nthe loader"
                ),
                (JournalKind::Comment, "Beth Anglin", "we see it too"),
                (
                    JournalKind::WorkNote,
                    "System Administrator",
                    "[2026-11-23 10:00:00 UTC] Anomaly A-1 status: Acknowledged"
                ),
            ],
            "newest first across both journals"
        );
        assert!(a.entries.iter().all(|e| e.author_user_name.is_none()));
    }
}

#[tokio::test]
async fn unknown_number_and_sys_id_are_none_and_outages_are_errors() {
    let fake = serve(|r, _| {
        if r.path.ends_with("/incident") {
            rows(vec![], Some(0))
        } else {
            sn_error(
                404,
                "No Record found",
                Some("Record doesn't exist or ACL restricts the record retrieval"),
            )
        }
    })
    .await;
    let c = fake.basic();
    assert!(
        c.read_activity("incident", "INC0999999")
            .await
            .unwrap()
            .is_none()
    );
    assert!(c.read_activity("incident", ID).await.unwrap().is_none());

    let down = serve(|_, _| raw(503, "text/html", "<html>down</html>")).await;
    let e = down
        .basic()
        .read_activity("incident", "INC1")
        .await
        .unwrap_err();
    assert_eq!(
        e.category(),
        servicenow_client::ErrorCategory::Unavailable,
        "{e}"
    );
}
