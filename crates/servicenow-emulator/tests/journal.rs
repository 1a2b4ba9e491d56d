//! Journal fields (§9): work_notes and comments append to sys_journal_field and
//! read back as a newest-first history in display modes only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use serde_json::json;

#[tokio::test]
async fn writes_append_journal_rows() {
    let e = emu().await;
    let rec = e
        .create_incident(
            "itil",
            json!({"short_description": "j", "work_notes": "first note"}),
        )
        .await;
    let id = rec["sys_id"].as_str().unwrap().to_string();
    let path = format!("/api/now/table/incident/{id}");
    e.patch("itil", &path, json!({"comments": "visible to the caller"}))
        .await;
    e.patch(
        "admin",
        &path,
        json!({"work_notes": "second note", "comments": ""}),
    )
    .await;
    let r = e
        .get("admin", &format!("/api/now/table/sys_journal_field?sysparm_query=element_id%3D{id}%5EORDERBYsys_created_on"))
        .await;
    let rows = r.rows();
    assert_eq!(rows.len(), 3, "{}", r.text);
    let triples: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["element"].as_str().unwrap(),
                r["value"].as_str().unwrap(),
                r["sys_created_by"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(triples.contains(&("work_notes", "first note", "itil")));
    assert!(triples.contains(&("comments", "visible to the caller", "itil")));
    assert!(triples.contains(&("work_notes", "second note", "admin")));
    for row in rows {
        assert_eq!(row["name"], "incident");
        assert_eq!(row["element_id"], id.as_str());
        assert_eq!(row["sys_created_on"].as_str().unwrap().len(), 19);
    }
}

#[tokio::test]
async fn raw_reads_are_empty_and_display_reads_are_the_history_newest_first() {
    let e = emu().await;
    let rec = e
        .create_incident("itil", json!({"short_description": "j"}))
        .await;
    let id = rec["sys_id"].as_str().unwrap().to_string();
    let path = format!("/api/now/table/incident/{id}");
    e.patch("itil", &path, json!({"work_notes": "older"})).await;
    e.patch("admin", &path, json!({"work_notes": "newer\nsecond line"}))
        .await;

    let raw = e
        .get("itil", &format!("{path}?sysparm_fields=work_notes"))
        .await;
    assert_eq!(raw.result()["work_notes"], "");

    let dv = e
        .get(
            "itil",
            &format!("{path}?sysparm_fields=work_notes&sysparm_display_value=true"),
        )
        .await;
    let text = dv.result()["work_notes"].as_str().unwrap();
    let entries: Vec<&str> = text.split("\n\n").filter(|s| !s.is_empty()).collect();
    assert_eq!(entries.len(), 2, "{text:?}");
    let (head, body) = entries[0].split_once('\n').unwrap();
    assert!(
        head.ends_with(" - System Administrator (Work notes)"),
        "{head}"
    );
    assert_eq!(
        head.len(),
        19 + " - System Administrator (Work notes)".len()
    );
    assert_eq!(body, "newer\nsecond line");
    assert!(entries[1].ends_with(" - ITIL User (Work notes)\nolder"));
    assert!(text.ends_with("older\n\n"));

    let all = e
        .get(
            "itil",
            &format!("{path}?sysparm_fields=work_notes&sysparm_display_value=all"),
        )
        .await;
    assert_eq!(
        all.result()["work_notes"],
        json!({"display_value": text, "value": ""})
    );
}

#[tokio::test]
async fn comments_have_their_own_heading_and_merge_with_work_notes() {
    let e = emu().await;
    let rec = e
        .create_incident(
            "itil",
            json!({"short_description": "j", "comments": "hello caller"}),
        )
        .await;
    let path = format!(
        "/api/now/table/incident/{}",
        rec["sys_id"].as_str().unwrap()
    );
    e.patch("itil", &path, json!({"work_notes": "internal"}))
        .await;
    let r = e
        .get(
            "itil",
            &format!(
                "{path}?sysparm_display_value=true&sysparm_fields=comments,comments_and_work_notes"
            ),
        )
        .await;
    assert!(
        r.result()["comments"]
            .as_str()
            .unwrap()
            .contains(" - ITIL User (Additional comments)\nhello caller\n\n")
    );
    let merged = r.result()["comments_and_work_notes"].as_str().unwrap();
    assert!(merged.contains("(Work notes)\ninternal"));
    assert!(merged.contains("(Additional comments)\nhello caller"));
}

#[tokio::test]
async fn journal_table_is_unreadable_for_non_admins() {
    let e = emu().await;
    let admin = e.get("admin", "/api/now/table/sys_journal_field").await;
    assert!(!admin.rows().is_empty(), "seed incidents carry work notes");
    for user in ["itil", "guest"] {
        let r = e.get(user, "/api/now/table/sys_journal_field").await;
        assert_eq!(r.status, 200);
        assert!(r.rows().is_empty(), "{user} sees no journal rows");
    }
    // …but the display value of the incident still carries the history.
    let r = e.get("itil", "/api/now/table/incident?sysparm_query=number%3DINC0000004&sysparm_display_value=true&sysparm_fields=work_notes").await;
    let notes = r.rows()[0]["work_notes"].as_str().unwrap();
    assert!(
        notes
            .starts_with("2026-11-04 10:15:00 - Beth Anglin (Work notes)\nRaised the DPD interval"),
        "{notes}"
    );
}

#[tokio::test]
async fn a_work_note_can_be_found_again_by_its_exact_text() {
    // The outbox reconciles an unknown delivery by reading notes back.
    let e = emu().await;
    let id = e.sys_id_of("INC0000009").await;
    let note = "[2026-11-23 10:30:00 UTC] Anomaly A-1042 status: Acknowledged";
    let path = format!("/api/now/table/incident/{id}");
    let r = e
        .patch(
            "itil",
            &format!("{path}?sysparm_fields=sys_id,number,sys_updated_on"),
            json!({"work_notes": note}),
        )
        .await;
    assert_eq!(r.status, 200);
    let dv = e
        .get(
            "itil",
            &format!("{path}?sysparm_display_value=true&sysparm_fields=work_notes"),
        )
        .await;
    assert!(
        dv.result()["work_notes"]
            .as_str()
            .unwrap()
            .contains(&format!("(Work notes)\n{note}\n\n"))
    );
}
