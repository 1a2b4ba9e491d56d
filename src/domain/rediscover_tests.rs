#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::anomaly::FailedCheck;
use crate::domain::description::{append_block, description_block};
use crate::domain::notes::correlation_id;

fn sources() -> Vec<String> {
    vec!["warehouse-dq".into(), "team/a".into(), "team".into()]
}

#[test]
fn manual_ids_round_trip_with_the_writer() {
    let cid = correlation_id("warehouse-dq", "A-1042", "00ff00ff00ff00ff");
    assert_eq!(
        parse_correlation_id(&cid, &sources()),
        Some(OwnCorrelation::Manual {
            source: "warehouse-dq".into(),
            anomaly_id: "A-1042".into(),
            create_id: "00ff00ff00ff00ff".into(),
        })
    );
    // An id holding `/` and `#`, a source holding `/`: the longest configured name wins.
    let cid = correlation_id("team/a", "x/y#1", "ab");
    assert_eq!(
        parse_correlation_id(&cid, &sources()),
        Some(OwnCorrelation::Manual {
            source: "team/a".into(),
            anomaly_id: "x/y#1".into(),
            create_id: "ab".into(),
        })
    );
    // An unknown source splits at the first `/`.
    let cid = correlation_id("other", "A/1", "ab");
    assert!(matches!(
        parse_correlation_id(&cid, &sources()),
        Some(OwnCorrelation::Manual { source, anomaly_id, .. }) if source == "other" && anomaly_id == "A/1"
    ));
}

#[test]
fn rule_and_overflow_ids() {
    assert_eq!(
        parse_correlation_id("snowlink:rule:db:errors:00000000000000aa#2", &[]),
        Some(OwnCorrelation::Rule {
            rule: "db:errors".into(),
            key_hash: "00000000000000aa".into(),
            generation: 2,
        })
    );
    assert_eq!(
        parse_correlation_id("snowlink:rule:nulls:overflow:1700000000", &[]),
        Some(OwnCorrelation::Overflow {
            rule: "nulls".into(),
            window_start: 1_700_000_000,
        })
    );
    for other in [
        "snowlink:rule:r:00000000000000a#1",
        "snowlink:rule::00000000000000aa#1",
        "snowlink:rule:r:00000000000000aa#x",
        "snowlink:rule:r:overflow:soon",
        "snowlink:dq/A-1#",
        "snowlink:dq/A-1",
        "snowlink:/A-1#ab",
        "INC-import-42",
        "",
    ] {
        assert_eq!(parse_correlation_id(other, &sources()), None, "{other}");
    }
}

fn anomaly() -> Anomaly {
    let mut a = Anomaly::new("A-1042", "Null customer ids");
    a.kind = Some("record".into());
    a.severity = Some(Severity::High);
    a.status = Status::Archived(ArchiveReason::Duplicate);
    a.datastore = Some("snowflake-prod".into());
    a.container = Some("ANALYTICS.ORDERS".into());
    a.field = None;
    a.detected_at = Some("2026-11-23T10:30:00Z".parse().unwrap());
    a.failed_checks = vec![FailedCheck {
        name: "notNull".into(),
        message: "Link: not this one".into(),
    }];
    a
}

#[test]
fn blocks_written_by_the_writer_are_read_back() {
    let one = description_block(&anomaly(), Some("https://dq.example.com/anomalies/A-1042"));
    let two = description_block(&Anomaly::new("A-7", "t"), None);
    let text = append_block(&append_block("Users report errors.", &one), &two);
    let found = find_blocks(&text.replace('\n', "\r\n"));
    assert_eq!(found.len(), 2, "{found:?}");
    let a = found[0].as_ref().unwrap();
    assert_eq!(a.anomaly_id, "A-1042");
    assert_eq!(
        a.link.as_deref(),
        Some("https://dq.example.com/anomalies/A-1042")
    );
    assert_eq!(a.anomaly.kind.as_deref(), Some("record"));
    assert_eq!(a.anomaly.severity, Some(Severity::High));
    assert_eq!(a.anomaly.status, Status::Archived(ArchiveReason::Duplicate));
    assert_eq!(a.anomaly.datastore.as_deref(), Some("snowflake-prod"));
    assert_eq!(a.anomaly.field, None);
    assert_eq!(
        a.anomaly.detected_at,
        Some("2026-11-23T10:30:00Z".parse().unwrap())
    );
    let b = found[1].as_ref().unwrap();
    assert_eq!((b.anomaly_id.as_str(), b.link.as_deref()), ("A-7", None));
    assert_eq!(b.anomaly.status, Status::Active);
}

#[test]
fn long_ids_are_read_back_through_the_cut_header() {
    let long = "I".repeat(600);
    let text = description_block(&Anomaly::new(long.clone(), "t"), None);
    let found = find_blocks(&text);
    assert_eq!(found[0].as_ref().unwrap().anomaly_id, long);
    let too_long = "J".repeat(2000);
    let found = find_blocks(&description_block(&Anomaly::new(too_long, "t"), None));
    assert!(
        found[0].as_ref().unwrap_err().reason.contains("cut"),
        "{found:?}"
    );
}

#[test]
fn mangled_blocks_say_why() {
    let block = description_block(&anomaly(), None);
    let cases = [
        (
            block.replace("Anomaly ID: A-1042", "Anomaly: A-1042"),
            "not `Anomaly ID",
        ),
        (
            block.replace("Anomaly ID: A-1042", "Anomaly ID: A-1043"),
            "does not match",
        ),
        (block.replace("Anomaly ID: A-1042", "Anomaly ID: "), "empty"),
        ("--- snowlink anomaly".to_owned(), "not `Anomaly ID"),
    ];
    for (text, want) in cases {
        let found = find_blocks(&text);
        assert_eq!(found.len(), 1, "{text}");
        let e = found[0].as_ref().unwrap_err();
        assert!(e.reason.contains(want), "{e:?} for {text}");
    }
    // Text that only mentions the marker inline is no block at all.
    assert!(find_blocks("see --- snowlink anomaly A-1 --- above").is_empty());
}

#[test]
fn consolidated_notes_list_their_keys() {
    let note = "[2026-11-23 10:30:00 UTC] snowlink rule nulls: 2 more anomalies with the same key \
                (dq|NullCheck) since 2026-11-23 10:00:00 UTC:\n- warehouse-dq/A-2 [high]: Nulls: again\n\
                - team/a/B-3: no severity\n- not a key";
    assert_eq!(
        consolidated_note_keys(note, "nulls", &sources()),
        Some(vec![
            ("warehouse-dq".into(), "A-2".into()),
            ("team/a".into(), "B-3".into())
        ])
    );
    assert_eq!(consolidated_note_keys(note, "other", &sources()), None);
    assert_eq!(
        consolidated_note_keys(
            "[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged",
            "nulls",
            &sources()
        ),
        None
    );
}
