#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::{append_block, correlation_id, description_block};

fn sources() -> Vec<String> {
    vec!["warehouse-dq".into(), "other".into()]
}

fn record(cid: &str, description: &str) -> ReadRecord {
    ReadRecord {
        sys_id: "s1".into(),
        number: "INC0010001".into(),
        correlation: cid.into(),
        description: description.into(),
        ..ReadRecord::default()
    }
}

#[test]
fn a_manual_create_with_a_second_block_gives_both_anomalies() {
    let one = description_block(&Anomaly::new("A-1", "t"), Some("https://x/A-1"));
    let two = description_block(&Anomaly::new("A-2", "t"), Some("https://x/A-2"));
    let text = append_block(&append_block("Users report errors.", &one), &two);
    let cid = correlation_id("warehouse-dq", "A-1", "0123456789abcdef");
    let p = parse_record("default", "incident", &record(&cid, &text), &sources());
    assert!(p.problems.is_empty(), "{p:?}");
    assert_eq!(p.candidates.len(), 2);
    let c = &p.candidates[0];
    assert_eq!(
        (c.source.as_deref(), c.anomaly_id.as_str(), c.via),
        (Some("warehouse-dq"), "A-1", VIA_CORRELATION)
    );
    assert_eq!(c.link.as_deref(), Some("https://x/A-1"));
    let c = &p.candidates[1];
    assert_eq!(
        (c.source.as_deref(), c.anomaly_id.as_str(), c.via),
        (None, "A-2", VIA_BLOCK)
    );
    assert!(p.key.is_none());
}

#[test]
fn a_rule_record_gives_its_key_and_the_anomalies_its_notes_list() {
    let block = description_block(&Anomaly::new("A-1", "t"), None);
    let mut r = record("snowlink:rule:nulls:00000000000000aa#3", &block);
    r.notes = vec![
        "[2026-11-23 10:30:00 UTC] snowlink rule nulls: 1 more anomaly with the same key (k):\n\
         - other/B-7 [high]: again"
            .into(),
        "[2026-11-23 10:20:00 UTC] Anomaly A-1 status: Acknowledged".into(),
    ];
    let p = parse_record("default", "problem", &r, &sources());
    let k = p.key.unwrap();
    assert_eq!(
        (k.rule.as_str(), k.key_hash.as_str(), k.generation),
        ("nulls", "00000000000000aa", 3)
    );
    let got: Vec<_> = p
        .candidates
        .iter()
        .map(|c| (c.source.clone(), c.anomaly_id.clone(), c.rule.clone()))
        .collect();
    let rule = Some(("nulls".to_string(), "00000000000000aa".to_string()));
    assert_eq!(
        got,
        vec![
            (None, "A-1".into(), rule.clone()),
            (Some("other".into()), "B-7".into(), rule)
        ]
    );
}

#[test]
fn mangled_and_foreign_records_say_why() {
    let block = description_block(&Anomaly::new("A-1", "t"), None)
        .replace("Anomaly ID: A-1", "Anomaly ID: A-1 (edited)");
    let p = parse_record("default", "incident", &record("", &block), &sources());
    assert!(p.candidates.is_empty());
    assert!(p.problems[0].contains("does not match"), "{p:?}");
    let p = parse_record(
        "default",
        "incident",
        &record("snowlink:junk", ""),
        &sources(),
    );
    assert!(
        p.problems[0].contains("is not one snowlink writes"),
        "{p:?}"
    );
    let inline = record("", "see --- snowlink anomaly A-1 --- above");
    let p = parse_record("default", "incident", &inline, &sources());
    assert!(p.problems[0].contains("holds no block"), "{p:?}");
    let bare = record("snowlink:rule:r:00000000000000aa#0", "");
    let p = parse_record("default", "incident", &bare, &sources());
    assert!(
        p.key.is_some() && p.problems[0].contains("rule's record"),
        "{p:?}"
    );
}

#[test]
fn alerts_name_their_anomaly_by_key_or_additional_info() {
    let p = parse_record(
        "default",
        "em_alert",
        &record("snowlink:warehouse-dq/A-3", ""),
        &sources(),
    );
    assert_eq!(p.candidates[0].source.as_deref(), Some("warehouse-dq"));
    assert_eq!(p.candidates[0].anomaly_id, "A-3");
    let mut r = record("snowlink:rule:to-em:00000000000000bb", "");
    r.additional_info = r#"{"url":"","id":"A-4","source":"other","rule":"to-em","key":"k"}"#.into();
    let p = parse_record("default", "em_alert", &r, &sources());
    assert_eq!(
        p.candidates[0].rule,
        Some(("to-em".into(), "00000000000000bb".into()))
    );
    assert_eq!(p.candidates[0].anomaly_id, "A-4");
    r.correlation = "snowlink:rule:to-em:overflow:1700000000".into();
    let p = parse_record("default", "em_alert", &r, &sources());
    assert_eq!(
        p.candidates[0].rule,
        Some(("to-em".into(), "overflow:1700000000".into()))
    );
    r.additional_info = "[object Object]".into();
    let p = parse_record("default", "em_alert", &r, &sources());
    assert!(p.candidates.is_empty() && p.problems.len() == 1, "{p:?}");
}
