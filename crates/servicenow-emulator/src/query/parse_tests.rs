#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::parse;
use crate::query::ops::{Condition, Op};
use crate::query::order::OrderBy;

/// Renders the structure as `group | group`, chains joined by ` & `, conditions by ` or `.
fn shape(raw: &str) -> String {
    parse(raw)
        .groups
        .iter()
        .map(|group| {
            group
                .iter()
                .map(|chain| {
                    if chain.is_empty() {
                        return "_".to_string();
                    }
                    chain
                        .iter()
                        .map(|c| match c {
                            Condition::Field { field, .. } => field.clone(),
                            Condition::Text(_) => "TEXT".to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(" or ")
                })
                .collect::<Vec<_>>()
                .join(" & ")
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn or_binds_tighter_than_and() {
    assert_eq!(shape("a=1^b=2^ORc=3"), "a & b or c");
    assert_eq!(shape("a=1^ORb=2^c=3"), "a or b & c");
    assert_eq!(shape("a=1^ORb=2^ORc=3"), "a or b or c");
}

#[test]
fn nq_starts_new_groups() {
    assert_eq!(shape("a=1^NQb=2"), "a | b");
    assert_eq!(shape("a=1^b=2^NQc=3^ORd=4"), "a & b | c or d");
}

#[test]
fn nq_at_start_or_end_adds_no_group() {
    assert_eq!(shape("NQa=1"), "a");
    assert_eq!(shape("a=1^NQ"), "a");
    assert_eq!(shape("^NQ^NQa=1^NQ^"), "a");
}

#[test]
fn nq_followed_by_or_starts_a_chain() {
    assert_eq!(shape("a=1^NQORb=2^ORc=3"), "a | b or c");
    assert_eq!(shape("ORa=1^b=2"), "a & b");
}

#[test]
fn orderby_terms_are_collected_in_order_from_anywhere() {
    let p = parse("ORDERBYpriority^a=1^ORDERBYDESCsys_created_on^NQb=2^ORDERBYnumber");
    assert_eq!(
        p.order_by,
        vec![
            OrderBy {
                field: "priority".into(),
                descending: false
            },
            OrderBy {
                field: "sys_created_on".into(),
                descending: true
            },
            OrderBy {
                field: "number".into(),
                descending: false
            },
        ]
    );
    assert_eq!(
        shape("ORDERBYpriority^a=1^ORDERBYDESCsys_created_on^NQb=2^ORDERBYnumber"),
        "a | b"
    );
}

#[test]
fn orderby_only_nq_group_is_dropped() {
    assert_eq!(shape("a=1^NQORDERBYnumber"), "a");
    assert_eq!(parse("a=1^NQORDERBYnumber").order_by.len(), 1);
}

#[test]
fn orderby_without_field_is_ignored() {
    let p = parse("ORDERBY^ORDERBYDESC^a=1");
    assert!(p.order_by.is_empty());
    assert_eq!(p.ignored, vec!["ORDERBY", "ORDERBYDESC"]);
}

#[test]
fn trailing_eq_is_ignored() {
    let p = parse("a=1^EQ");
    assert_eq!(shape("a=1^EQ"), "a");
    assert!(p.ignored.is_empty());
}

#[test]
fn goto_prefix_is_stripped() {
    assert_eq!(shape("GOTOnumber=INC0010001"), "number");
    assert_eq!(shape("GOTO123TEXTQUERY321=disk"), "TEXT");
    assert_eq!(shape("a=1^ORGOTOnumber=INC1"), "a or number");
}

#[test]
fn malformed_terms_leave_an_empty_chain_and_are_recorded() {
    let p = parse("a=1^garbage^ORc=3^NQ!!!");
    assert_eq!(shape("a=1^garbage^ORc=3^NQ!!!"), "a & c | _");
    assert_eq!(p.ignored, vec!["garbage", "NQ!!!"]);
}

#[test]
fn escaped_caret_stays_in_value() {
    let p = parse("short_description=a^^b^ORnumber=1");
    match &p.groups[0][0][0] {
        Condition::Field { field, op, .. } => {
            assert_eq!(field, "short_description");
            assert_eq!(*op, Op::Eq);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        shape("short_description=a^^b^ORnumber=1"),
        "short_description or number"
    );
    // `^^OR` is an escaped caret followed by text, not an OR.
    assert_eq!(
        shape("short_description=a^^ORnumber=1"),
        "short_description"
    );
}

#[test]
fn empty_and_blank_input() {
    assert!(parse("").groups.is_empty());
    // `^^` is an escaped caret: one term, `^`, which is not a condition.
    assert_eq!(parse("^^").ignored, vec!["^"]);
    assert!(parse("^").groups.is_empty());
}
