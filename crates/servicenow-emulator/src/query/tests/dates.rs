//! Date conditions: raw UTC comparisons, `javascript:` date expressions, ON and RELATIVE.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;

use super::rec;
use crate::query::EncodedQuery;

/// A fixed "now" so nothing depends on the wall clock.
fn now() -> Timestamp {
    "2026-03-10T14:25:36Z".parse().unwrap()
}

fn at(created: &str, query: &str) -> bool {
    let record = rec(&[("sys_created_on", created), ("sla_due", "")]);
    EncodedQuery::parse(query).matches_at(&record, now())
}

#[test]
fn date_generate_in_comparisons() {
    let q = "sys_created_on>=javascript:gs.dateGenerate('2026-01-15','start')";
    assert!(at("2026-01-15 00:00:00", q));
    assert!(!at("2026-01-14 23:59:59", q));
}

#[test]
fn between_with_scripts() {
    let q = "sys_created_onBETWEENjavascript:gs.daysAgoStart(1)@javascript:gs.daysAgoEnd(0)";
    assert!(at("2026-03-09 00:00:00", q));
    assert!(at("2026-03-10 23:59:59", q));
    assert!(!at("2026-03-08 23:59:59", q));
    assert!(!at("2026-03-11 00:00:00", q));
}

#[test]
fn on_today() {
    let q = "sys_created_onONToday@javascript:gs.daysAgoStart(0)@javascript:gs.daysAgoEnd(0)";
    assert!(at("2026-03-10 00:00:00", q));
    assert!(at("2026-03-10 23:59:59", q));
    assert!(!at("2026-03-09 23:59:59", q));
}

#[test]
fn on_a_specific_date() {
    let q = "sys_created_onON2026-01-15@javascript:gs.dateGenerate('2026-01-15','start')@javascript:gs.dateGenerate('2026-01-15','end')";
    assert!(at("2026-01-15 12:00:00", q));
    assert!(!at("2026-01-16 00:00:00", q));
}

#[test]
fn not_on_today() {
    let q = "sys_created_onNOTONToday@javascript:gs.beginningOfToday()@javascript:gs.endOfToday()";
    assert!(!at("2026-03-10 08:00:00", q));
    assert!(at("2026-03-09 08:00:00", q));
    assert!(
        !EncodedQuery::parse(
            "sla_dueNOTONToday@javascript:gs.beginningOfToday()@javascript:gs.endOfToday()"
        )
        .matches_at(&rec(&[("sla_due", "")]), now())
    );
}

#[test]
fn relative_after_and_before() {
    // After one hour ago = later than 13:25:36 today.
    assert!(at(
        "2026-03-10 14:00:00",
        "sys_created_onRELATIVEGT@hour@ago@1"
    ));
    assert!(!at(
        "2026-03-10 13:00:00",
        "sys_created_onRELATIVEGT@hour@ago@1"
    ));
    assert!(at(
        "2026-03-10 13:00:00",
        "sys_created_onRELATIVELT@hour@ago@1"
    ));
    assert!(at(
        "2026-03-10 13:25:36",
        "sys_created_onRELATIVEGE@hour@ago@1"
    ));
    assert!(at(
        "2026-03-10 13:25:36",
        "sys_created_onRELATIVELE@hour@ago@1"
    ));
    assert!(at(
        "2026-03-12 00:00:00",
        "sys_created_onRELATIVEGT@day@ahead@1"
    ));
    assert!(!at(
        "2026-03-11 00:00:00",
        "sys_created_onRELATIVEGT@day@ahead@1"
    ));
}

#[test]
fn relative_same_unit() {
    assert!(at(
        "2026-03-07 01:02:03",
        "sys_created_onRELATIVEEE@day@ago@3"
    ));
    assert!(!at(
        "2026-03-08 01:02:03",
        "sys_created_onRELATIVEEE@day@ago@3"
    ));
    assert!(at(
        "2026-01-31 00:00:00",
        "sys_created_onRELATIVEEE@month@ago@2"
    ));
    assert!(
        !EncodedQuery::parse("sla_dueRELATIVEEE@day@ago@0")
            .matches_at(&rec(&[("sla_due", "")]), now())
    );
}

#[test]
fn relative_never_matches_empty() {
    let q = EncodedQuery::parse("sla_dueRELATIVELT@hour@ago@1");
    assert!(!q.matches_at(&rec(&[("sla_due", "")]), now()));
}

#[test]
fn relative_out_of_range_matches_nothing() {
    assert!(!at(
        "2026-03-10 14:00:00",
        "sys_created_onRELATIVELT@year@ahead@99999999"
    ));
    assert!(!at(
        "2026-03-10 14:00:00",
        "sys_created_onRELATIVEGT@year@ahead@99999999"
    ));
}

#[test]
fn unevaluable_scripts_are_literal_and_match_nothing_useful() {
    assert!(!at(
        "2026-03-10 14:00:00",
        "sys_created_on=javascript:gs.getUserID()"
    ));
}

#[test]
fn matches_uses_the_wall_clock() {
    // Far enough from any boundary that the clock cannot make this flaky.
    let record = rec(&[("sys_created_on", "2000-01-01 00:00:00")]);
    assert!(EncodedQuery::parse("sys_created_on<javascript:gs.daysAgoStart(1)").matches(&record));
    assert!(!EncodedQuery::parse("sys_created_onRELATIVEGT@day@ago@1").matches(&record));
}
