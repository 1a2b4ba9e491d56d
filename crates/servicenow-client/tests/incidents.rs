//! Incident helpers: exact query strings on the wire, batching, work notes, correlation lookups.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Map, Value, json};
use servicenow_client::{Error, JournalSource};

#[tokio::test]
async fn sys_id_batches_of_100() {
    let fake = serve(|r, _| {
        let q = r.param("sysparm_query").unwrap();
        let ids: Vec<Value> = q
            .strip_prefix("sys_idIN")
            .unwrap()
            .split(',')
            .map(|id| json!({"sys_id": id}))
            .collect();
        let n = ids.len() as u64;
        rows(ids, Some(n))
    })
    .await;
    let ids: Vec<String> = (0..250).map(|i| format!("{i:032x}")).collect();
    let got = fake
        .basic()
        .incidents_by_sys_ids(&ids, &["sys_id", "state"])
        .await
        .unwrap();
    assert_eq!(got.len(), 250);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3, "⌈250/100⌉ requests");
    let sizes: Vec<usize> = reqs
        .iter()
        .map(|r| r.param("sysparm_query").unwrap().split(',').count())
        .collect();
    assert_eq!(sizes, vec![100, 100, 50]);
    assert_eq!(reqs[2].param("sysparm_limit").as_deref(), Some("50"));
    assert_eq!(
        reqs[0].param("sysparm_fields").as_deref(),
        Some("sys_id,state")
    );
    assert_eq!(
        reqs[0].param("sysparm_display_value").as_deref(),
        Some("all")
    );
    // Exactly 100 → one request; none → none.
    let fake = serve(|_, _| rows(vec![], Some(0))).await;
    fake.basic()
        .incidents_by_sys_ids(&ids[..100], &[])
        .await
        .unwrap();
    fake.basic()
        .incidents_by_sys_ids::<String>(&[], &[])
        .await
        .unwrap();
    assert_eq!(fake.requests().len(), 1);
    // A comma cannot be escaped in IN: typed error, nothing sent.
    let e = fake
        .basic()
        .incidents_by_sys_ids(&["a,b"], &[])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Query(_)), "{e:?}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn correlation_lookup_escapes_and_encodes_the_id() {
    let fake = serve(|_, _| {
        rows(
            vec![json!({"sys_id": "s1", "number": "INC0010001",
                        "correlation_id": "snowlink:dq/A^1 x&y#c1"})],
            Some(1),
        )
    })
    .await;
    let rec = fake
        .basic()
        .find_by_correlation_id("snowlink:dq/A^1 x&y#c1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.number(), "INC0010001");
    let r = &fake.requests()[0];
    assert_eq!(
        r.param("sysparm_query").as_deref(),
        Some("ORDERBYDESCsys_created_on^correlation_id=snowlink:dq/A^^1 x&y#c1")
    );
    // On the wire: RFC 3986 percent-encoding, %20 for spaces, & and # encoded.
    assert!(
        r.raw_query.starts_with(
            "sysparm_query=ORDERBYDESCsys_created_on%5Ecorrelation_id%3Dsnowlink%3Adq%2FA%5E%5E1%20x%26y%23c1&"
        ),
        "{}",
        r.raw_query
    );
    assert_eq!(r.param("sysparm_limit").as_deref(), Some("1"));
    assert_eq!(
        r.param("sysparm_fields").as_deref(),
        Some("sys_id,number,state,active,correlation_id,sys_updated_on")
    );
    let fake = serve(|_, _| rows(vec![], Some(0))).await;
    assert!(
        fake.basic()
            .find_by_correlation_id("x")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn search_by_number_or_text() {
    let fake = serve(|_, _| rows(vec![], Some(0))).await;
    let c = fake.basic();
    c.search_incidents("inc0010001", 20).await.unwrap();
    c.search_incidents("disk ^ full", 20).await.unwrap();
    c.find_incident_by_number("INC0010002").await.unwrap();
    let reqs = fake.requests();
    assert_eq!(
        reqs[0].param("sysparm_query").as_deref(),
        Some("number=INC0010001")
    );
    assert_eq!(
        reqs[1].param("sysparm_query").as_deref(),
        Some(
            "active=true^short_descriptionLIKEdisk ^^ full^ORdescriptionLIKEdisk ^^ full\
             ^ORnumber=disk ^^ full^ORDERBYDESCsys_updated_on"
        )
    );
    assert_eq!(reqs[1].param("sysparm_limit").as_deref(), Some("20"));
    assert_eq!(
        reqs[1].param("sysparm_display_value").as_deref(),
        Some("all")
    );
    assert_eq!(
        reqs[1].param("sysparm_exclude_reference_link").as_deref(),
        Some("true")
    );
    assert_eq!(
        reqs[2].param("sysparm_query").as_deref(),
        Some("number=INC0010002")
    );
}

#[tokio::test]
async fn create_and_work_note_writes() {
    let fake = serve(|r, _| match r.method.as_str() {
        // Like ServiceNow, the create answer carries the correlation_id that was sent.
        "POST" => result(
            201,
            json!({"sys_id": "new1", "number": "INC0010001",
                   "correlation_id": r.json_body()["correlation_id"]}),
        ),
        "PATCH" => result(200, json!({"sys_id": "new1", "number": "INC0010001", "sys_updated_on": "2026-11-23 10:30:00"})),
        _ => sn_error(400, "unexpected", None),
    })
    .await;
    let c = fake.basic();
    let mut body = Map::new();
    body.insert("short_description".into(), json!("Disk full"));
    body.insert("correlation_id".into(), json!("snowlink:dq/A-1#c1"));
    let created = c.create_incident(&body).await.unwrap();
    assert_eq!(created.sys_id(), "new1");
    let noted = c
        .append_work_note(
            "new1",
            "[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged",
        )
        .await
        .unwrap();
    assert_eq!(noted.str("sys_updated_on"), "2026-11-23 10:30:00");
    let reqs = fake.requests();
    assert_eq!(reqs[0].path, "/api/now/table/incident");
    assert_eq!(reqs[0].headers["content-type"], "application/json");
    assert_eq!(reqs[0].json_body()["correlation_id"], "snowlink:dq/A-1#c1");
    assert_eq!(
        reqs[0].param("sysparm_display_value").as_deref(),
        Some("false")
    );
    assert_eq!(
        reqs[0].param("sysparm_input_display_value").as_deref(),
        Some("false")
    );
    assert_eq!(reqs[1].method, "PATCH");
    assert_eq!(reqs[1].path, "/api/now/table/incident/new1");
    assert_eq!(
        reqs[1].param("sysparm_fields").as_deref(),
        Some("sys_id,number,sys_updated_on")
    );
    assert_eq!(
        reqs[1].json_body(),
        json!({"work_notes": "[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged"})
    );
}

const NOTE: &str = "[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged";

fn history() -> String {
    format!(
        "2026-11-23 10:31:00 - System Administrator (Work notes)\nlater note\n\n\
         2026-11-23 10:30:00 - System Administrator (Work notes)\n{NOTE}\n\n"
    )
}

#[tokio::test]
async fn work_notes_from_the_journal_table() {
    let fake = serve(|r, _| {
        if r.path.ends_with("/sys_journal_field") {
            rows(
                vec![
                    json!({"value": "later note", "sys_created_on": "2026-11-23 10:31:00", "sys_created_by": "admin", "element": "work_notes"}),
                    json!({"value": NOTE, "sys_created_on": "2026-11-23 10:30:00", "sys_created_by": "admin", "element": "work_notes"}),
                ],
                Some(2),
            )
        } else {
            result(200, json!({"sys_id": "s1", "work_notes": history()}))
        }
    })
    .await;
    let c = fake.basic();
    let notes = c.work_notes("s1").await.unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[1].text, NOTE);
    assert_eq!(notes[1].created_by, "admin");
    assert_eq!(notes[0].source, JournalSource::JournalTable);
    let q = fake.requests()[0].param("sysparm_query").unwrap();
    assert_eq!(
        q,
        "element_id=s1^element=work_notes^ORDERBYDESCsys_created_on"
    );
    assert_eq!(fake.requests().len(), 1, "display fallback not needed");
    assert!(
        c.contains_work_note("s1", &format!("{NOTE}\n"))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn work_notes_fall_back_to_display_values() {
    // Non-admins read an empty journal table (or get a 403): parse the display history instead.
    for journal_403 in [false, true] {
        let fake = serve(move |r, _| {
            if r.path.ends_with("/sys_journal_field") {
                if journal_403 {
                    sn_error(403, "Insufficient rights to query records", None)
                } else {
                    rows(vec![], Some(0))
                }
            } else {
                assert_eq!(r.param("sysparm_display_value").as_deref(), Some("true"));
                result(200, json!({"sys_id": "s1", "work_notes": history()}))
            }
        })
        .await;
        let c = fake.basic();
        let notes = c.work_notes("s1").await.unwrap();
        assert_eq!(notes.len(), 2, "403={journal_403}");
        assert_eq!(notes[0].text, "later note");
        assert_eq!(notes[1].text, NOTE);
        assert_eq!(notes[1].created_by, "System Administrator");
        assert_eq!(notes[1].source, JournalSource::DisplayValue);
        assert!(c.contains_work_note("s1", NOTE).await.unwrap());
        assert!(
            !c.contains_work_note(
                "s1",
                "[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Archived"
            )
            .await
            .unwrap()
        );
        // Prefix of a note is not the note.
        assert!(!c.contains_work_note("s1", "later").await.unwrap());
    }
}

#[tokio::test]
async fn contains_work_note_propagates_outages() {
    let fake = serve(|_, _| raw(503, "text/html", "<html><title>down</title></html>")).await;
    let e = fake
        .basic()
        .contains_work_note("s1", NOTE)
        .await
        .unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    let fake = serve(|r, _| {
        if r.path.ends_with("/sys_journal_field") {
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
    let e = fake
        .basic()
        .contains_work_note("s1", NOTE)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }));
}

#[tokio::test]
async fn get_incident_uses_display_all() {
    let fake = serve(|_, _| {
        result(
            200,
            json!({"sys_id": "s1", "number": {"value": "INC1", "display_value": "INC1"}}),
        )
    })
    .await;
    let rec = fake.basic().get_incident("s1").await.unwrap();
    assert_eq!(rec.number(), "INC1");
    let r = &fake.requests()[0];
    assert_eq!(r.path, "/api/now/table/incident/s1");
    assert_eq!(r.param("sysparm_display_value").as_deref(), Some("all"));
    assert!(
        r.param("sysparm_fields")
            .unwrap()
            .contains("assignment_group")
    );
}
