#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::source::alertmanager::model::parse_alerts;

fn alert() -> Alert {
    parse_alerts(br#"[{"annotations":{},"endsAt":"2026-12-01T09:42:03.969Z","fingerprint":"f1","receivers":[],"startsAt":"2026-12-01T09:37:03.969Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-12-01T09:37:03.969Z","labels":{"alertname":"DiskFull","instance":"db1"}}]"#)
        .unwrap()
        .remove(0)
}

#[test]
fn the_ack_silence_matches_every_label_exactly_and_names_the_incidents() {
    let now: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
    let linked = ["INC0010001".to_owned(), "INC0010002".to_owned()];
    let spec = ack_silence_at(&alert(), &linked, Duration::from_secs(4 * 3600), now).unwrap();
    assert_eq!(
        spec.matchers,
        [
            Matcher::equal("alertname", "DiskFull"),
            Matcher::equal("instance", "db1")
        ]
    );
    assert!(spec.matchers.iter().all(|m| m.is_equal && !m.is_regex));
    assert_eq!(spec.created_by, "snowlink");
    assert_eq!(
        spec.comment,
        "acknowledged in snowlink; linked INC0010001, INC0010002"
    );
    assert_eq!(spec.starts_at, now);
    assert_eq!(spec.ends_at, "2026-12-01T14:00:00Z".parse().unwrap());
    assert_eq!(
        ack_comment(&[]),
        "acknowledged in snowlink; no linked incident"
    );
}

#[test]
fn an_unusable_ttl_or_a_labelless_alert_is_a_clear_error() {
    let now = Timestamp::now();
    let e = ack_silence_at(&alert(), &[], Duration::ZERO, now).unwrap_err();
    assert!(e.to_string().contains("set ack_ttl"), "{e}");
    let e = ends_after(now, Duration::from_secs(u64::MAX)).unwrap_err();
    assert!(e.to_string().contains("set ack_ttl"), "{e}");
    let mut bare = alert();
    bare.labels.clear();
    let e = ack_silence_at(&bare, &[], Duration::from_secs(60), now).unwrap_err();
    assert!(e.to_string().contains("no labels"), "{e}");
}

#[test]
fn the_silence_id_is_encoded_into_its_path() {
    assert_eq!(
        silence_path(&SilenceId("b1386d80-9a07".into())),
        "/api/v2/silence/b1386d80-9a07"
    );
    assert_eq!(
        silence_path(&SilenceId("../a b?".into())),
        "/api/v2/silence/%2E%2E%2Fa%20b%3F"
    );
}

#[test]
fn an_update_carries_the_id() {
    let spec = ack_silence_at(&alert(), &[], Duration::from_secs(60), Timestamp::now()).unwrap();
    let body = spec_body(&spec, Some(&SilenceId("s-1".into()))).unwrap();
    assert_eq!(body["id"], "s-1");
    assert!(spec_body(&spec, None).unwrap().get("id").is_none());
}
