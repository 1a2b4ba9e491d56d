use super::*;

fn rec(state: &str, label: &str, code: &str, assigned: bool) -> Observed {
    Observed {
        state: state.into(),
        state_label: label.into(),
        close_code: code.into(),
        close_code_label: code.into(),
        assigned,
    }
}

const ACK: Option<Target> = Some(Target::Acknowledge);
fn arch(r: ArchiveReason) -> Option<Target> {
    Some(Target::Archive(r))
}

#[test]
fn default_mapping_follows_coralogix() {
    let m = BackSyncMap::default();
    assert_eq!(m.target(&rec("1", "New", "", false)), None);
    assert_eq!(m.target(&rec("1", "New", "", true)), ACK);
    assert_eq!(m.target(&rec("3", "On Hold", "", true)), ACK);
    assert_eq!(m.target(&rec("2", "In Progress", "", false)), ACK);
    assert_eq!(
        m.target(&rec("6", "Resolved", "Solution provided", true)),
        arch(ArchiveReason::Resolved)
    );
    assert_eq!(
        m.target(&rec("7", "Closed", "Solution provided", false)),
        arch(ArchiveReason::Resolved)
    );
    assert_eq!(
        m.target(&rec("6", "Resolved", "Duplicate", false)),
        arch(ArchiveReason::Duplicate)
    );
    assert_eq!(
        m.target(&rec("7", "Closed", "User error", false)),
        arch(ArchiveReason::Invalid)
    );
    assert_eq!(
        m.target(&rec(
            "6",
            "Resolved",
            "Not Solved (Not Reproducible)",
            false
        )),
        arch(ArchiveReason::Invalid)
    );
    assert_eq!(
        m.target(&rec("8", "Canceled", "", true)),
        arch(ArchiveReason::Discarded)
    );
}

#[test]
fn names_match_value_or_label_case_insensitively() {
    let m = BackSyncMap {
        assigned: None,
        states: vec![("6".into(), Target::Archive(ArchiveReason::Resolved))],
        close_codes: vec![("duplicate".into(), ArchiveReason::Duplicate)],
    };
    assert_eq!(
        m.target(&rec("6", "Resolved", "Duplicate", false)),
        arch(ArchiveReason::Duplicate)
    );
    assert_eq!(m.target(&rec("2", "In Progress", "", true)), None);
}

#[test]
fn target_codes_round_trip_and_parse() {
    for t in [Target::Acknowledge, Target::Archive(ArchiveReason::Invalid)] {
        assert_eq!(Target::from_code(&t.code()), Some(t));
    }
    assert_eq!(Target::parse("Acknowledged"), ACK);
    assert_eq!(
        Target::parse("archived:duplicate"),
        arch(ArchiveReason::Duplicate)
    );
    assert_eq!(Target::parse("resolved"), arch(ArchiveReason::Resolved));
    assert_eq!(Target::parse("active"), None);
}

#[test]
fn assign_acknowledges_an_active_anomaly_only() {
    assert_eq!(
        decide(Status::Active, None, ACK, &[]),
        Some(Status::Acknowledged)
    );
    assert_eq!(decide(Status::Acknowledged, None, ACK, &[]), None);
    assert_eq!(
        decide(Status::Archived(ArchiveReason::Resolved), None, ACK, &[]),
        None
    );
}

#[test]
fn only_a_change_of_target_acts() {
    // The person un-acknowledged after the back-sync; a new note on the incident keeps it so.
    assert_eq!(decide(Status::Active, ACK, ACK, &[]), None);
    assert_eq!(decide(Status::Active, ACK, None, &[]), None);
}

#[test]
fn never_backward_and_a_reopen_does_not_re_acknowledge() {
    let resolved = arch(ArchiveReason::Resolved);
    // Archived stays archived whatever the incident does.
    assert_eq!(
        decide(
            Status::Archived(ArchiveReason::Resolved),
            resolved,
            ACK,
            &[]
        ),
        None
    );
    // The person reopened the anomaly locally; the incident's reopen does not acknowledge it.
    assert_eq!(decide(Status::Active, resolved, ACK, &[]), None);
    // Resolving again archives again.
    assert_eq!(
        decide(Status::Active, ACK, resolved, &[]),
        Some(Status::Archived(ArchiveReason::Resolved))
    );
}

#[test]
fn archived_only_when_every_link_archives_with_a_fixed_reason() {
    let dup = arch(ArchiveReason::Duplicate);
    let inv = arch(ArchiveReason::Invalid);
    assert_eq!(decide(Status::Acknowledged, ACK, inv, &[None]), None);
    assert_eq!(decide(Status::Acknowledged, ACK, inv, &[ACK]), None);
    assert_eq!(
        decide(Status::Acknowledged, ACK, inv, &[dup]),
        Some(Status::Archived(ArchiveReason::Duplicate))
    );
    assert_eq!(
        decide(Status::Acknowledged, ACK, dup, &[inv]),
        Some(Status::Archived(ArchiveReason::Duplicate)),
        "the same reason whichever incident closes last"
    );
    assert_eq!(
        pick_reason([
            ArchiveReason::Discarded,
            ArchiveReason::Resolved,
            ArchiveReason::Invalid
        ]),
        Some(ArchiveReason::Resolved)
    );
}

#[test]
fn problem_and_change_codes_give_their_reasons() {
    let m = BackSyncMap::default();
    let code = |state: &str, label: &str, value: &str, shown: &str| Observed {
        state: state.into(),
        state_label: label.into(),
        close_code: value.into(),
        close_code_label: shown.into(),
        assigned: true,
    };
    let cases = [
        // Problems (resolution_code): raw value and label as ServiceNow returns them.
        (
            code("107", "Closed", "duplicate", "Duplicate"),
            ArchiveReason::Duplicate,
        ),
        (
            code("107", "Closed", "canceled", "Canceled"),
            ArchiveReason::Discarded,
        ),
        (
            code("106", "Resolved", "risk_accepted", "Risk Accepted"),
            ArchiveReason::Discarded,
        ),
        (
            code("106", "Resolved", "fix_applied", "Fix Applied"),
            ArchiveReason::Resolved,
        ),
        // Change requests (close_code).
        (
            code("3", "Closed", "successful", "Successful"),
            ArchiveReason::Resolved,
        ),
        (
            code("3", "Closed", "successful_issues", "Successful with issues"),
            ArchiveReason::Resolved,
        ),
        (
            code("3", "Closed", "unsuccessful", "Unsuccessful"),
            ArchiveReason::Discarded,
        ),
    ];
    for (r, want) in cases {
        assert_eq!(m.target(&r), arch(want), "{r:?}");
    }
    // An open problem with an assignee is acknowledged, whatever its code says.
    assert_eq!(m.target(&code("103", "Root Cause Analysis", "", "")), ACK);
}

#[test]
fn each_table_names_its_code_field_and_who_ended_it() {
    assert_eq!(close_code_field("problem"), "resolution_code");
    assert_eq!(close_code_field("incident"), "close_code");
    assert_eq!(close_code_field("change_request"), "close_code");
    assert_eq!(archived_by_field("problem", "106"), Some("resolved_by"));
    assert_eq!(archived_by_field("problem", "107"), Some("closed_by"));
    assert_eq!(archived_by_field("incident", "6"), Some("resolved_by"));
    assert_eq!(archived_by_field("change_request", "4"), Some("closed_by"));
    // A problem's 6 is no state of its model; an incident's 3 is not an end.
    assert_eq!(archived_by_field("problem", "6"), None);
    assert_eq!(archived_by_field("incident", "3"), None);
}
