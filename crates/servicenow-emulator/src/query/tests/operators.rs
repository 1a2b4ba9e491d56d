//! One operator at a time against a typical incident.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{incident, m};
use crate::query::EncodedQuery;

// ---- equality -------------------------------------------------------------------------------

#[test]
fn eq_matches_exact_value() {
    assert!(m("number=INC0010001"));
    assert!(!m("number=INC0010002"));
}

#[test]
fn eq_is_case_insensitive() {
    assert!(m("number=inc0010001"));
    assert!(m("assignment_group.name=service desk"));
}

#[test]
fn eq_with_empty_operand_finds_empty_values() {
    assert!(m("assigned_to="));
    assert!(!m("number="));
}

#[test]
fn ne_matches_other_values_but_never_empty_ones() {
    assert!(m("state!=6"));
    assert!(!m("state!=1"));
    // KB0715430: "is not" does not return rows whose value is empty.
    assert!(!m("assigned_to!=abc"));
}

#[test]
fn ne_with_empty_operand_is_not_empty() {
    assert!(m("number!="));
    assert!(!m("assigned_to!="));
}

// ---- string operators -----------------------------------------------------------------------

#[test]
fn like_is_case_insensitive_contains() {
    assert!(m("short_descriptionLIKEdisk FULL"));
    assert!(!m("short_descriptionLIKEmemory"));
}

#[test]
fn notlike_both_spellings() {
    assert!(m("short_descriptionNOTLIKEmemory"));
    assert!(m("short_descriptionNOT LIKEmemory"));
    assert!(!m("short_descriptionNOTLIKEDISK"));
    assert!(!m("short_descriptionNOT LIKEdisk"));
}

#[test]
fn notlike_does_not_match_empty_values() {
    assert!(!m("assigned_toNOTLIKEx"));
}

#[test]
fn startswith_and_endswith_ignore_case() {
    assert!(m("short_descriptionSTARTSWITHdisk"));
    assert!(!m("short_descriptionSTARTSWITHfull"));
    assert!(m("short_descriptionENDSWITHweb-01"));
    assert!(!m("short_descriptionENDSWITHdisk"));
}

#[test]
fn string_operators_never_match_empty_values() {
    assert!(!m("assigned_toLIKE"));
    assert!(!m("assigned_toSTARTSWITH"));
    assert!(!m("assigned_toENDSWITHx"));
}

// ---- emptiness ------------------------------------------------------------------------------

#[test]
fn isempty_and_isnotempty() {
    assert!(m("assigned_toISEMPTY"));
    assert!(!m("numberISEMPTY"));
    assert!(m("numberISNOTEMPTY"));
    assert!(!m("assigned_toISNOTEMPTY"));
}

#[test]
fn emptystring_matches_only_empty() {
    assert!(m("assigned_toEMPTYSTRING"));
    assert!(!m("numberEMPTYSTRING"));
}

#[test]
fn anything_matches_empty_and_filled() {
    assert!(m("assigned_toANYTHING"));
    assert!(m("numberANYTHING"));
}

// ---- ordering comparisons -------------------------------------------------------------------

#[test]
fn numeric_comparisons_are_numeric() {
    // "10" > "9" numerically even though "10" < "9" as text.
    assert!(m("impact>9"));
    assert!(m("impact>=10"));
    assert!(!m("impact<10"));
    assert!(m("impact<=10"));
    assert!(m("priority<3"));
    assert!(!m("priority>2"));
}

#[test]
fn date_comparisons_use_the_utc_text() {
    assert!(m("sys_created_on>2026-01-01 00:00:00"));
    assert!(!m("sys_created_on>2026-01-15 08:30:00"));
    assert!(m("sys_created_on>=2026-01-15 08:30:00"));
    assert!(m("sys_created_on<2026-02-01 00:00:00"));
}

#[test]
fn comparisons_never_match_empty_values() {
    assert!(!m("assigned_to<zzz"));
    assert!(!m("assigned_to>"));
    assert!(!m("resolved_byBETWEEN@zzz"));
}

#[test]
fn between_is_inclusive() {
    assert!(m("priorityBETWEEN1@3"));
    assert!(m("priorityBETWEEN2@2"));
    assert!(!m("priorityBETWEEN3@4"));
    assert!(m("impactBETWEEN9@11"));
    assert!(m(
        "sys_created_onBETWEEN2026-01-15 00:00:00@2026-01-15 23:59:59"
    ));
}

#[test]
fn between_without_at_is_ignored() {
    let q = EncodedQuery::parse("priorityBETWEEN5");
    assert!(q.matches(&incident()));
    assert_eq!(q.ignored_terms(), ["priorityBETWEEN5"]);
}

// ---- field-to-field -------------------------------------------------------------------------

#[test]
fn sameas_compares_two_fields() {
    assert!(m("opened_bySAMEAScaller_id"));
    assert!(!m("opened_byNSAMEAScaller_id"));
    assert!(m("opened_byNSAMEASassignment_group"));
    assert!(!m("opened_bySAMEASassignment_group"));
}

#[test]
fn sameas_with_empty_side_never_matches() {
    assert!(!m("assigned_toSAMEASresolved_by"));
    assert!(!m("assigned_toNSAMEASnumber"));
    assert!(!m("numberNSAMEASassigned_to"));
}

#[test]
fn sameas_with_unknown_other_field_is_dropped() {
    let q = EncodedQuery::parse("opened_bySAMEASnope^number=INC0010002");
    assert!(!q.matches(&incident()));
    assert!(EncodedQuery::parse("opened_bySAMEASnope").matches(&incident()));
    assert_eq!(q.referenced_fields(), ["opened_by", "nope", "number"]);
}

// ---- lists ----------------------------------------------------------------------------------

#[test]
fn in_list() {
    assert!(m("stateIN1,2,3"));
    assert!(!m("stateIN2,3"));
    assert!(m("numberINinc0010001"));
}

#[test]
fn in_list_with_empty_item_finds_empty_values() {
    assert!(m("assigned_toINabc,"));
    assert!(!m("assigned_toINabc"));
}

#[test]
fn not_in_list() {
    assert!(m("stateNOT IN6,7"));
    assert!(!m("stateNOT IN1,7"));
    assert!(!m("assigned_toNOT INabc"));
}

#[test]
fn in_items_are_not_trimmed() {
    assert!(!m("stateIN 1,2"));
}

// ---- dynamic / hierarchy --------------------------------------------------------------------

#[test]
fn dynamic_never_matches() {
    assert!(!m("assigned_toDYNAMIC90d1921e5f510100a9ad2572f2b477fe"));
    assert!(!m("opened_byDYNAMIC6816f79cc0a8016401c5a33be04be441"));
}

#[test]
fn in_hierarchy_is_equality() {
    assert!(m(
        "assignment_groupIN_HIERARCHY8a4dde73c6112278017a6a4baf547aa7"
    ));
    assert!(!m("assignment_groupIN_HIERARCHYother"));
}

// ---- aliases, field comparisons, booleans ---------------------------------------------------

#[test]
fn symbolic_aliases_match_like_their_words() {
    assert!(m("short_description*disk"));
    assert!(!m("short_description*memory"));
    assert!(m("short_description!*memory"));
    assert!(!m("short_description!*DISK"));
    assert!(m("short_description%WEB-01"));
    assert!(!m("short_description%disk"));
}

#[test]
fn boolean_not_equal_includes_empty_values() {
    let r = super::rec(&[("active", ""), ("made_sla", "false")]);
    let check = |q: &str| EncodedQuery::parse(q).matches(&r);
    assert!(check("active!=true"));
    assert!(check("active!=FALSE"));
    assert!(!check("active!=yes"));
    assert!(check("made_sla!=true"));
    assert!(!check("made_sla!=false"));
}

#[test]
fn numeric_field_comparisons() {
    let r = super::rec(&[
        ("reassignment_count", "10"),
        ("reopen_count", "9"),
        ("u_empty", ""),
    ]);
    let check = |q: &str| EncodedQuery::parse(q).matches(&r);
    assert!(check("reassignment_countGT_FIELDreopen_count"));
    assert!(!check("reassignment_countLT_FIELDreopen_count"));
    assert!(check(
        "reassignment_countGT_OR_EQUALS_FIELDreassignment_count"
    ));
    assert!(check(
        "reassignment_countLT_OR_EQUALS_FIELDreassignment_count"
    ));
    assert!(!check("reassignment_countGT_FIELDreassignment_count"));
    assert!(!check("reassignment_countGT_FIELDu_empty"));
    assert!(!check("u_emptyLT_FIELDreopen_count"));
}

#[test]
fn sameas_with_day_unit_compares_dates_only() {
    let r = super::rec(&[
        ("sla_due", "2026-03-01 10:00:00"),
        ("activity_due", "2026-03-01 23:00:00"),
        ("due_date", "2026-03-02 10:00:00"),
    ]);
    let check = |q: &str| EncodedQuery::parse(q).matches(&r);
    assert!(check("sla_dueSAMEASactivity_due@day"));
    assert!(!check("sla_dueSAMEASactivity_due"));
    assert!(!check("sla_dueSAMEASactivity_due@hour"));
    assert!(check("sla_dueNSAMEASdue_date@day"));
    assert!(check("sla_dueSAMEASdue_date@month"));
}

#[test]
fn in_hierarchy_compares_with_the_start_record() {
    assert!(m(
        "assignment_groupIN_HIERARCHYfdd0fa0f@8a4dde73c6112278017a6a4baf547aa7"
    ));
    assert!(!m(
        "assignment_groupIN_HIERARCHY8a4dde73c6112278017a6a4baf547aa7@other"
    ));
    assert!(!m(
        "assignment_groupIN_HIERARCHY_DYNAMICfdd0@8a4dde73c6112278017a6a4baf547aa7"
    ));
}
