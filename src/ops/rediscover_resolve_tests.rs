#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::{Anomaly, IncidentRef, IncidentState};
use crate::ops::rediscover_parse::VIA_BLOCK;
use crate::ops::rediscover_read::ReadBounds;

fn opts(dir: &std::path::Path, sources: &[&str]) -> RediscoverOptions {
    RediscoverOptions {
        store: dir.join("snowlink.db").into(),
        since: None,
        dry_run: false,
        user: "ann".into(),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        url_template: None,
        rules: Default::default(),
        bounds: ReadBounds::default(),
    }
}

fn block_only(id: &str, link: Option<&str>) -> (usize, Candidate) {
    (
        0,
        Candidate {
            incident: IncidentRef {
                instance: "default".into(),
                table: "incident".into(),
                sys_id: format!("sys-{id}"),
                number: "INC0010001".into(),
            },
            source: None,
            anomaly_id: id.into(),
            link: link.map(str::to_owned),
            placeholder: Anomaly::new(id, ""),
            via: VIA_BLOCK,
            rule: None,
            state: IncidentState::default(),
        },
    )
}

fn seed(o: &RediscoverOptions, source: &str, id: &str, url: &str) {
    let mut s = o.store.open().unwrap();
    let mut a = Anomaly::new(id, "t");
    a.url = Some(url.into());
    s.upsert_anomalies(source, &[a], Timestamp::now()).unwrap();
}

#[test]
fn two_sources_with_one_id_are_told_apart_by_the_blocks_link_or_reported() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(dir.path(), &["a", "b"]);
    seed(&o, "a", "X-1", "https://a/X-1");
    seed(&o, "b", "X-1", "https://b/X-1");
    let r = resolve_and_record(&o, vec![block_only("X-1", Some("https://b/X-1"))], vec![]).unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.links[0].1.anomaly, AnomalyKey::new("b", "X-1"));
    assert_eq!(r.links[0].1.linked_by, "ann");

    let r = resolve_and_record(&o, vec![block_only("X-1", Some("https://c/X-1"))], vec![]).unwrap();
    assert!(r.links.is_empty());
    assert!(
        r.problems[0].1.reason.contains("is in sources a, b"),
        "{:?}",
        r.problems
    );
}

#[test]
fn an_id_no_source_lists_goes_to_the_only_source_else_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let one = opts(dir.path(), &["only"]);
    let r = resolve_and_record(&one, vec![block_only("Z-9", None)], vec![]).unwrap();
    assert_eq!(r.links[0].1.anomaly, AnomalyKey::new("only", "Z-9"));
    assert_eq!(r.applied.placeholders, 1);
    let stored = one
        .store
        .open()
        .unwrap()
        .get_anomaly(&AnomalyKey::new("only", "Z-9"))
        .unwrap()
        .unwrap();
    assert!(
        stored
            .anomaly
            .title
            .contains("not read from source only yet"),
        "{stored:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let two = opts(dir.path(), &["a", "b"]);
    let r = resolve_and_record(&two, vec![block_only("Z-9", None)], vec![]).unwrap();
    assert!(r.links.is_empty());
    assert!(
        r.problems[0]
            .1
            .reason
            .contains("in no source's data yet and 2 sources"),
        "{:?}",
        r.problems
    );
}

#[test]
fn a_dry_run_resolves_the_same_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path(), &["only"]);
    o.dry_run = true;
    let r = resolve_and_record(
        &o,
        vec![block_only("Z-9", None), block_only("Z-9", None)],
        vec![],
    )
    .unwrap();
    assert_eq!(r.links.len(), 1, "named twice, linked once");
    assert!(r.applied.links[0].added);
    let s = o.store.open().unwrap();
    assert!(s.all_links().unwrap().is_empty());
}
