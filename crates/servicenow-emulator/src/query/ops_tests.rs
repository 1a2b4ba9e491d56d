#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Condition, Op, Operand, TermError, parse_condition};
use crate::query::script::Unit;

fn field(term: &str) -> (String, Op, Operand) {
    match parse_condition(term) {
        Ok(Condition::Field { field, op, operand }) => (field, op, operand),
        other => panic!("{term}: expected a field condition, got {other:?}"),
    }
}

fn text(s: &str) -> Operand {
    Operand::Text(s.to_string())
}

#[test]
fn symbolic_operators_prefer_longest_match() {
    assert_eq!(field("priority<=2"), ("priority".into(), Op::Le, text("2")));
    assert_eq!(field("priority>=2"), ("priority".into(), Op::Ge, text("2")));
    assert_eq!(field("priority<2"), ("priority".into(), Op::Lt, text("2")));
    assert_eq!(field("priority>2"), ("priority".into(), Op::Gt, text("2")));
    assert_eq!(field("state!=6"), ("state".into(), Op::Ne, text("6")));
}

#[test]
fn value_may_contain_equals_and_operator_words() {
    assert_eq!(
        field("short_description=a=b"),
        ("short_description".into(), Op::Eq, text("a=b"))
    );
    assert_eq!(
        field("descriptionLIKEx!=y"),
        ("description".into(), Op::Like, text("x!=y"))
    );
    assert_eq!(
        field("short_descriptionSTARTSWITHNOT"),
        ("short_description".into(), Op::StartsWith, text("NOT"))
    );
}

#[test]
fn field_names_containing_operator_words_are_not_split() {
    assert_eq!(
        field("descriptionLIKEfoo"),
        ("description".into(), Op::Like, text("foo"))
    );
    assert_eq!(
        field("active=true"),
        ("active".into(), Op::Eq, text("true"))
    );
    assert_eq!(
        field("u_notlike_inSTARTSWITHx"),
        ("u_notlike_in".into(), Op::StartsWith, text("x"))
    );
    assert_eq!(
        field("contains_on=1"),
        ("contains_on".into(), Op::Eq, text("1"))
    );
}

#[test]
fn word_operators_with_spaces() {
    assert_eq!(
        field("descriptionNOT LIKEfoo"),
        ("description".into(), Op::NotLike, text("foo"))
    );
    assert_eq!(
        field("descriptionNOTLIKEfoo"),
        ("description".into(), Op::NotLike, text("foo"))
    );
    assert_eq!(
        field("stateNOT IN1,2"),
        (
            "state".into(),
            Op::NotIn,
            Operand::List(vec!["1".into(), "2".into()])
        )
    );
}

#[test]
fn in_and_its_longer_relatives() {
    assert_eq!(
        field("stateIN1,2,3"),
        (
            "state".into(),
            Op::In,
            Operand::List(vec!["1".into(), "2".into(), "3".into()])
        )
    );
    assert_eq!(
        field("cmdb_ciIN_HIERARCHYabc"),
        ("cmdb_ci".into(), Op::InHierarchy, text("abc"))
    );
    assert_eq!(
        parse_condition("sys_class_nameINSTANCEOFtask"),
        Err(TermError::Unsupported)
    );
    // A value that merely starts like a longer operator stays a value.
    assert_eq!(
        field("categoryINSTANCE_A"),
        (
            "category".into(),
            Op::In,
            Operand::List(vec!["STANCE_A".into()])
        )
    );
}

#[test]
fn unary_operators_ignore_trailing_text() {
    assert_eq!(
        field("assigned_toISEMPTY"),
        ("assigned_to".into(), Op::IsEmpty, Operand::None)
    );
    assert_eq!(
        field("assigned_toISNOTEMPTY"),
        ("assigned_to".into(), Op::IsNotEmpty, Operand::None)
    );
    assert_eq!(
        field("descriptionANYTHING"),
        ("description".into(), Op::Anything, Operand::None)
    );
    assert_eq!(
        field("descriptionEMPTYSTRINGjunk"),
        ("description".into(), Op::EmptyString, Operand::None)
    );
}

#[test]
fn between_needs_an_at_sign() {
    assert_eq!(
        field("priorityBETWEEN1@3"),
        (
            "priority".into(),
            Op::Between,
            Operand::Range("1".into(), "3".into())
        )
    );
    assert_eq!(
        parse_condition("priorityBETWEEN13"),
        Err(TermError::Malformed)
    );
}

#[test]
fn sameas_names_another_field() {
    assert_eq!(
        field("opened_bySAMEAScaller_id"),
        (
            "opened_by".into(),
            Op::SameAs,
            Operand::Field("caller_id".into(), None)
        )
    );
    assert_eq!(
        field("opened_byNSAMEAScaller_id"),
        (
            "opened_by".into(),
            Op::NSameAs,
            Operand::Field("caller_id".into(), None)
        )
    );
    assert_eq!(
        parse_condition("opened_bySAMEAS"),
        Err(TermError::Malformed)
    );
}

#[test]
fn dynamic_is_recognised() {
    assert_eq!(
        field("assigned_toDYNAMIC90d1921e5f510100a9ad2572f2b477fe").1,
        Op::Dynamic
    );
}

#[test]
fn dot_walk_paths_are_fields() {
    assert_eq!(
        field("assignment_group.name=Service Desk"),
        ("assignment_group.name".into(), Op::Eq, text("Service Desk"))
    );
}

#[test]
fn on_keeps_start_and_end() {
    assert_eq!(
        field("sla_dueONToday@javascript:gs.daysAgoStart(0)@javascript:gs.daysAgoEnd(0)"),
        (
            "sla_due".into(),
            Op::On,
            Operand::Range(
                "javascript:gs.daysAgoStart(0)".into(),
                "javascript:gs.daysAgoEnd(0)".into()
            )
        )
    );
    assert_eq!(field("sla_dueNOTONToday@a@b").1, Op::NotOn);
    assert_eq!(
        parse_condition("sla_dueONToday@a"),
        Err(TermError::Malformed)
    );
}

#[test]
fn relative_operators() {
    assert_eq!(
        field("sla_dueRELATIVEGT@hour@ago@1"),
        (
            "sla_due".into(),
            Op::RelativeGt,
            Operand::Relative(Unit::Hour, -1)
        )
    );
    assert_eq!(
        field("sla_dueRELATIVELE@day@ahead@3").2,
        Operand::Relative(Unit::Day, 3)
    );
    assert_eq!(field("sla_dueRELATIVEGE@week@ago@2").1, Op::RelativeGe);
    assert_eq!(field("sla_dueRELATIVELT@month@ago@2").1, Op::RelativeLt);
    assert_eq!(field("sla_dueRELATIVEEE@day@ago@2").1, Op::RelativeEe);
    // EE needs a unit that is a prefix of the raw value.
    assert_eq!(
        parse_condition("sla_dueRELATIVEEE@week@ago@2"),
        Err(TermError::Malformed)
    );
    assert_eq!(
        parse_condition("sla_dueRELATIVEGT@hour@sideways@1"),
        Err(TermError::Malformed)
    );
    assert_eq!(
        parse_condition("sla_dueRELATIVEGT@fortnight@ago@1"),
        Err(TermError::Malformed)
    );
    assert_eq!(
        parse_condition("sla_dueRELATIVEGT@hour@ago@x"),
        Err(TermError::Malformed)
    );
    assert_eq!(
        parse_condition("sla_dueRELATIVEGT@hour@ago@1@2"),
        Err(TermError::Malformed)
    );
    assert_eq!(
        parse_condition("sla_dueRELATIVEGThour@ago@1"),
        Err(TermError::Malformed)
    );
}

#[test]
fn other_real_operators_are_unsupported_not_misread() {
    assert_eq!(
        parse_condition("sla_dueDATEPARTMonday@javascript:gs.datePart('dayofweek','monday','GE')"),
        Err(TermError::Unsupported)
    );
    assert_eq!(
        parse_condition("sla_dueMORETHANactivity_due@day@before@1"),
        Err(TermError::Unsupported)
    );
    assert_eq!(
        parse_condition("stateVALCHANGES"),
        Err(TermError::Unsupported)
    );
}

#[test]
fn malformed_terms() {
    assert_eq!(parse_condition("justafield"), Err(TermError::Malformed));
    assert_eq!(parse_condition("=value"), Err(TermError::Malformed));
    assert_eq!(parse_condition("LIKEfoo"), Err(TermError::Malformed));
    assert_eq!(parse_condition(""), Err(TermError::Malformed));
}

#[test]
fn miscased_field_falls_back_to_symbolic_operator() {
    assert_eq!(
        field("Number=INC1"),
        ("Number".into(), Op::Eq, text("INC1"))
    );
    assert_eq!(field("u_Field!=x"), ("u_Field".into(), Op::Ne, text("x")));
}

#[test]
fn whitespace_in_values_is_preserved() {
    assert_eq!(
        field("short_description=  two  spaces "),
        ("short_description".into(), Op::Eq, text("  two  spaces "))
    );
}

#[test]
fn text_query_terms_and_phrases() {
    assert_eq!(
        parse_condition("123TEXTQUERY321=Disk  FULL \"web server\" x"),
        Ok(Condition::Text(vec![
            "disk".into(),
            "full".into(),
            "web server".into(),
            "x".into()
        ]))
    );
    assert_eq!(
        parse_condition("123TEXTQUERY321="),
        Ok(Condition::Text(vec![]))
    );
    assert_eq!(
        parse_condition("123TEXTQUERY321LIKEx"),
        Err(TermError::Unsupported)
    );
}

#[test]
fn symbolic_aliases() {
    assert_eq!(
        field("short_description*SAP"),
        ("short_description".into(), Op::Like, text("SAP"))
    );
    assert_eq!(
        field("short_description!*SAP"),
        ("short_description".into(), Op::NotLike, text("SAP"))
    );
    assert_eq!(
        field("short_description%outage"),
        ("short_description".into(), Op::EndsWith, text("outage"))
    );
}

#[test]
fn field_comparison_operators() {
    assert_eq!(
        field("reassignment_countGT_FIELDreopen_count"),
        (
            "reassignment_count".into(),
            Op::GtField,
            Operand::Field("reopen_count".into(), None)
        )
    );
    assert_eq!(
        field("reassignment_countLT_FIELDreopen_count").1,
        Op::LtField
    );
    assert_eq!(
        field("reassignment_countGT_OR_EQUALS_FIELDreopen_count").1,
        Op::GeField
    );
    assert_eq!(
        field("reassignment_countLT_OR_EQUALS_FIELDreopen_count").1,
        Op::LeField
    );
}

#[test]
fn sameas_with_date_unit() {
    assert_eq!(
        field("sla_dueSAMEASactivity_due@day"),
        (
            "sla_due".into(),
            Op::SameAs,
            Operand::Field("activity_due".into(), Some(10))
        )
    );
    assert_eq!(
        field("sla_dueNSAMEASactivity_due@fortnight"),
        (
            "sla_due".into(),
            Op::NSameAs,
            Operand::Field("activity_due".into(), None)
        )
    );
}

#[test]
fn in_hierarchy_dynamic_is_dynamic() {
    assert_eq!(field("managerIN_HIERARCHY_DYNAMICfdd0@90d1").1, Op::Dynamic);
}
