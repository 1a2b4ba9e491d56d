//! Precedence, groups, escapes, prefixes, unknown fields and the query-level API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{incident, m, rec};
use crate::query::{EncodedQuery, OrderBy};

// ---- precedence -----------------------------------------------------------------------------

#[test]
fn and_then_or_chain() {
    // a^b^ORc = a AND (b OR c)
    assert!(m("number=INC0010001^state=9^ORpriority=2"));
    assert!(!m("number=X^state=1^ORpriority=2"));
    assert!(!m("number=INC0010001^state=9^ORpriority=9"));
}

#[test]
fn or_chain_then_and() {
    // a^ORb^c = (a OR b) AND c
    assert!(m("number=X^ORstate=1^priority=2"));
    assert!(!m("number=X^ORstate=1^priority=9"));
    assert!(!m("number=X^ORstate=9^priority=2"));
}

#[test]
fn nq_groups_are_ored() {
    assert!(m("number=X^NQstate=1"));
    assert!(m("state=1^NQnumber=X"));
    assert!(!m("number=X^NQstate=9"));
    assert!(!m("number=INC0010001^state=9^NQpriority=2^impact=1"));
    assert!(m("number=INC0010001^state=9^NQpriority=2^impact=10"));
}

// ---- escape, GOTO, EQ, text -----------------------------------------------------------------

#[test]
fn escaped_caret_matches_literal_caret() {
    assert!(m("correlation_id=snowlink:a^^b"));
    assert!(!m("correlation_id=snowlink:a"));
    assert!(m("correlation_idLIKEa^^b^ORnumber=X"));
}

#[test]
fn goto_prefix_works() {
    assert!(m("GOTOnumber=INC0010001"));
    assert!(!m("GOTOnumber=INC0010009"));
    assert!(m("GOTO123TEXTQUERY321=web-01"));
}

#[test]
fn trailing_eq_is_harmless() {
    assert!(m("number=INC0010001^EQ"));
    assert!(!m("number=X^EQ"));
}

#[test]
fn text_query_requires_every_term() {
    assert!(m("123TEXTQUERY321=disk WEB-01"));
    assert!(m("123TEXTQUERY321=inc0010001"));
    assert!(m("123TEXTQUERY321=partition"));
    assert!(!m("123TEXTQUERY321=disk memory"));
}

#[test]
fn text_query_phrases() {
    assert!(m("123TEXTQUERY321=\"disk full\""));
    assert!(!m("123TEXTQUERY321=\"full disk\""));
}

#[test]
fn text_query_combines_with_conditions() {
    assert!(m("123TEXTQUERY321=disk^active=true"));
    assert!(!m("123TEXTQUERY321=disk^active=false"));
}

#[test]
fn text_query_is_not_a_referenced_field() {
    let q = EncodedQuery::parse("123TEXTQUERY321=disk^state=1");
    assert_eq!(q.referenced_fields(), ["state"]);
}

// ---- dot-walk -------------------------------------------------------------------------------

#[test]
fn dot_walk_is_passed_to_lookup() {
    assert!(m("assignment_group.name=Service Desk"));
    assert!(m("assignment_group.nameSTARTSWITHservice"));
    assert!(!m("assignment_group.name=Network"));
}

#[test]
fn whitespace_in_values_matters() {
    assert!(!m("assignment_group.name=Service  Desk"));
    assert!(!m("assignment_group.name= Service Desk"));
}

// ---- unknown fields -------------------------------------------------------------------------

#[test]
fn unknown_field_condition_is_dropped() {
    assert!(m("u_nope=1"));
    assert!(m("u_nope=1^number=INC0010001"));
    assert!(!m("u_nope=1^number=X"));
}

#[test]
fn unknown_field_inside_or_chain_uses_the_rest() {
    assert!(!m("u_nope=1^ORnumber=X"));
    assert!(m("u_nope=1^ORnumber=INC0010001"));
}

#[test]
fn group_with_only_unknown_fields_matches_everything() {
    assert!(m("number=X^NQu_nope=1"));
}

#[test]
fn miscased_field_is_an_unknown_field() {
    let q = EncodedQuery::parse("Number=X");
    assert!(q.matches(&incident()));
    assert_eq!(q.referenced_fields(), ["Number"]);
}

#[test]
fn malformed_term_is_ignored_and_reported() {
    let q = EncodedQuery::parse("state=1^this is junk^ORnumber=X");
    assert!(!q.matches(&incident()));
    assert_eq!(q.ignored_terms(), ["this is junk"]);
}

#[test]
fn unsupported_date_operator_is_ignored() {
    let q = EncodedQuery::parse(
        "sys_created_onDATEPARTMonday@javascript:gs.datePart('dayofweek','monday','GE')",
    );
    assert!(q.matches(&incident()));
    assert_eq!(q.ignored_terms().len(), 1);
    assert!(q.referenced_fields().is_empty());
}

// ---- tricky field names ---------------------------------------------------------------------

#[test]
fn field_names_with_operator_words() {
    let r = rec(&[
        ("description", "foo bar"),
        ("short_description", "NOT working"),
        ("active", "false"),
        ("u_in", "x"),
        ("u_isempty", ""),
    ]);
    let check = |q: &str| EncodedQuery::parse(q).matches(&r);
    assert!(check("descriptionLIKEfoo"));
    assert!(check("short_descriptionSTARTSWITHNOT"));
    assert!(check("active=false"));
    assert!(!check("active=true"));
    assert!(check("u_inINx,y"));
    assert!(check("u_isemptyISEMPTY"));
    assert!(!check("u_isemptyISNOTEMPTY"));
    assert!(check("description=foo bar^short_description!=NOT"));
    assert!(!check("description=foo bar^short_description!=not working"));
}

#[test]
fn value_containing_equals_sign() {
    let r = rec(&[("u_expr", "a=b"), ("u_op", "x!=y")]);
    assert!(EncodedQuery::parse("u_expr=a=b").matches(&r));
    assert!(EncodedQuery::parse("u_op=x!=y").matches(&r));
    assert!(EncodedQuery::parse("u_opLIKE!=").matches(&r));
}

// ---- query-level API ------------------------------------------------------------------------

#[test]
fn order_by_is_exposed() {
    let q = EncodedQuery::parse("active=true^ORDERBYDESCpriority^ORDERBYnumber");
    assert_eq!(
        q.order_by(),
        [
            OrderBy {
                field: "priority".into(),
                descending: true
            },
            OrderBy {
                field: "number".into(),
                descending: false
            },
        ]
    );
    assert!(q.matches(&incident()));
}

#[test]
fn referenced_fields_are_unique_and_ordered() {
    let q = EncodedQuery::parse(
        "state=1^ORpriority=2^NQstate=3^assignment_group.name=X^ORDERBYnumber^ORDERBYstate",
    );
    assert_eq!(
        q.referenced_fields(),
        ["state", "priority", "assignment_group.name", "number"]
    );
}

#[test]
fn is_empty_reflects_content() {
    assert!(EncodedQuery::parse("").is_empty());
    assert!(EncodedQuery::parse("^EQ").is_empty());
    assert!(EncodedQuery::parse("^NQ^").is_empty());
    assert!(!EncodedQuery::parse("ORDERBYnumber").is_empty());
    assert!(!EncodedQuery::parse("state=1").is_empty());
    assert!(EncodedQuery::default().is_empty());
}

#[test]
fn empty_query_matches_everything() {
    assert!(m(""));
    assert!(EncodedQuery::default().matches(&incident()));
}

#[test]
fn group_count_counts_non_empty_groups() {
    assert_eq!(EncodedQuery::parse("a=1^NQb=2^NQ").group_count(), 2);
    assert_eq!(EncodedQuery::parse("").group_count(), 0);
}

// ---- robustness -----------------------------------------------------------------------------

/// A small xorshift generator so the property test needs no dependency and is reproducible.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn parse_and_match_never_panic_on_random_input() {
    const ALPHABET: &[char] = &[
        '^', '^', '^', '=', '!', '<', '>', '@', ',', '.', ' ', '"', 'A', 'B', 'D', 'E', 'I', 'K',
        'L', 'N', 'O', 'Q', 'R', 'S', 'T', 'Y', 'a', 'b', 'c', 'e', 'n', 'o', 'r', 's', 't', 'x',
        'z', '1', '2', '3', 'é', '*', '%', '_', '-', ':',
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let record = rec(&[
        ("a", "1"),
        ("b", ""),
        ("ab", "x^y"),
        ("a.b", "2"),
        ("number", "INC1"),
    ]);
    for _ in 0..20_000 {
        let len = (rng.next() % 40) as usize;
        let raw: String = (0..len)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize])
            .collect();
        exercise(&raw, &record);
    }
}

/// Every public entry point on one input; ORDERBY fields are never empty.
fn exercise(raw: &str, record: &super::Rec) {
    let now: jiff::Timestamp = "2026-03-10T14:25:36Z".parse().unwrap();
    let q = EncodedQuery::parse(raw);
    let _ = q.matches_at(record, now);
    let _ = q.referenced_fields();
    let _ = q.is_empty();
    for order in q.order_by() {
        assert!(!order.field.is_empty(), "{raw:?}");
    }
}

#[test]
fn parse_and_match_never_panic_on_random_keyword_soup() {
    // Whole keywords reach the deeper paths (dates, scripts, field operators) that single
    // characters rarely spell out.
    const TOKENS: &[&str] = &[
        "^",
        "^^",
        "^OR",
        "^NQ",
        "^EQ",
        "ORDERBY",
        "ORDERBYDESC",
        "GOTO",
        "123TEXTQUERY321=",
        "a",
        "b",
        "a.b",
        "sys_created_on",
        "=",
        "!=",
        "<",
        ">=",
        "LIKE",
        "NOT LIKE",
        "IN",
        "NOT IN",
        "BETWEEN",
        "SAMEAS",
        "GT_FIELD",
        "ON",
        "NOTON",
        "RELATIVEEE",
        "RELATIVEGT",
        "IN_HIERARCHY",
        "DYNAMIC",
        "@",
        "@day",
        "@ago",
        "@ahead",
        "@99999999999999999999",
        "@-3",
        "javascript:",
        "gs.daysAgo(",
        "gs.dateGenerate('2026-01-01','end')",
        "gs.hoursAgoStart(2)",
        ")",
        ",",
        "1",
        "x",
        "\"",
        " ",
    ];
    let mut rng = XorShift(0x0123_4567_89AB_CDEF);
    let record = rec(&[
        ("a", "1"),
        ("b", ""),
        ("a.b", "x"),
        ("sys_created_on", "2026-03-10 01:00:00"),
    ]);
    for _ in 0..20_000 {
        let len = (rng.next() % 12) as usize;
        let raw: String = (0..len)
            .map(|_| TOKENS[(rng.next() % TOKENS.len() as u64) as usize])
            .collect();
        exercise(&raw, &record);
    }
}

#[test]
fn keyword_prefixes_in_random_positions_do_not_panic() {
    for raw in [
        "NQ",
        "OR",
        "ORDERBY",
        "ORDERBYDESC",
        "GOTO",
        "EQ",
        "NQOR",
        "NQORDERBY",
        "ORGOTO",
        "^^^^",
        "^OR^NQ^",
    ] {
        let q = EncodedQuery::parse(raw);
        assert!(q.matches(&incident()), "{raw}");
    }
}
