//! Back-sync: what an incident's state in ServiceNow means for its anomaly (docs/sync.md
//! §Back-sync). Pure: the mapping, the target a record implies, and the decision for one anomaly.
//!
//! The default mapping follows Coralogix's outbound rules: assigned or In Progress →
//! Acknowledged; Resolved or Closed → Archived (Resolved); close code Duplicate → Archived
//! (Duplicate); close codes that say there was no problem → Archived (Invalid); Canceled →
//! Archived (Discarded). States never move backward and a reopen does not re-acknowledge.

use super::status::{ArchiveReason, Status};

/// What a record's state asks of its anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Acknowledge,
    Archive(ArchiveReason),
}

impl Target {
    /// Stable code kept per link in the store: `acknowledged`, `archived:<reason>`.
    pub fn code(self) -> String {
        match self {
            Target::Acknowledge => Status::Acknowledged.code(),
            Target::Archive(r) => Status::Archived(r).code(),
        }
    }

    pub fn from_code(code: &str) -> Option<Target> {
        match Status::from_code(code)? {
            Status::Acknowledged => Some(Target::Acknowledge),
            Status::Archived(r) => Some(Target::Archive(r)),
            Status::Active => None,
        }
    }

    /// Parses a mapping value: `acknowledged` or an archive reason (`resolved`, `invalid`, …,
    /// also as `archived:<reason>`).
    pub fn parse(s: &str) -> Option<Target> {
        let s = s.trim().to_ascii_lowercase();
        if s == "acknowledged" || s == "acknowledge" {
            return Some(Target::Acknowledge);
        }
        ArchiveReason::parse(s.strip_prefix("archived:").unwrap_or(&s)).map(Target::Archive)
    }

    pub fn is_archive(self) -> bool {
        matches!(self, Target::Archive(_))
    }
}

/// The fields of a record the mapping reads: raw value and display value of `state` and
/// `close_code` (a mapping may name either), and whether `assigned_to` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub state: String,
    pub state_label: String,
    pub close_code: String,
    pub close_code_label: String,
    pub assigned: bool,
}

/// The editable mapping (`[instances.<name>.back_sync_map]`, docs/config.md). Names match the
/// raw value or the display label, case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackSyncMap {
    /// What `assigned_to` being set means when the state itself maps to nothing.
    pub assigned: Option<Target>,
    /// State (value or label) → target.
    pub states: Vec<(String, Target)>,
    /// Close code (value or label) → the archive reason it gives an archiving state.
    pub close_codes: Vec<(String, ArchiveReason)>,
}

/// Close codes that say the incident was no problem at all: the current "User error", and the
/// legacy "Not Solved (Not Reproducible)" (servicenow-tables reference, incident close_code).
pub const DEFAULT_INVALID_CODES: &[&str] = &["User error", "Not Solved (Not Reproducible)"];

/// Work that ended without fixing anything: discarded rather than resolved. The incident's
/// legacy "Not Solved (Too Costly)"; a problem's `canceled` and `risk_accepted` (real, but the
/// risk is accepted instead of fixed); a change's `unsuccessful` (it did not go in, or was
/// backed out). A problem's `duplicate` is the Duplicate entry; `fix_applied` and a change's
/// `successful` / `successful_issues` keep the state's reason, Resolved (tables reference,
/// problem `resolution_code` and change `close_code`; docs/sync.md §Back-sync).
pub const DEFAULT_DISCARDED_CODES: &[&str] = &[
    "Not Solved (Too Costly)",
    "canceled",
    "risk_accepted",
    "unsuccessful",
];

/// The field that says how a record of `table` ended: a problem has `resolution_code`
/// (it has no `close_code`); incidents and change requests have `close_code`.
pub fn close_code_field(table: &str) -> &'static str {
    match table {
        "problem" => "resolution_code",
        _ => "close_code",
    }
}

/// The reference naming who moved a record of `table` into `state`, when the state has one:
/// an incident's Resolved (6) and a problem's Resolved (106) `resolved_by`, their Closed (7,
/// 107) `closed_by`; a change's Closed (3) and Canceled (4) both stamp `closed_by`.
pub fn archived_by_field(table: &str, state: &str) -> Option<&'static str> {
    match (table, state) {
        ("incident", "6") | ("problem", "106") => Some("resolved_by"),
        ("incident", "7") | ("problem", "107") | ("change_request", "3" | "4") => Some("closed_by"),
        _ => None,
    }
}

impl Default for BackSyncMap {
    fn default() -> Self {
        let mut close_codes = vec![("Duplicate".to_owned(), ArchiveReason::Duplicate)];
        close_codes.extend(
            DEFAULT_INVALID_CODES
                .iter()
                .map(|c| (c.to_string(), ArchiveReason::Invalid)),
        );
        close_codes.extend(
            DEFAULT_DISCARDED_CODES
                .iter()
                .map(|c| (c.to_string(), ArchiveReason::Discarded)),
        );
        BackSyncMap {
            assigned: Some(Target::Acknowledge),
            states: vec![
                ("In Progress".into(), Target::Acknowledge),
                ("Resolved".into(), Target::Archive(ArchiveReason::Resolved)),
                ("Closed".into(), Target::Archive(ArchiveReason::Resolved)),
                ("Canceled".into(), Target::Archive(ArchiveReason::Discarded)),
            ],
            close_codes,
        }
    }
}

fn names(name: &str, value: &str, label: &str) -> bool {
    let n = name.trim();
    !n.is_empty() && (n.eq_ignore_ascii_case(value.trim()) || n.eq_ignore_ascii_case(label.trim()))
}

impl BackSyncMap {
    /// The target a record in this shape implies, if any. A state that archives takes its
    /// reason from the close code when the close code is mapped.
    pub fn target(&self, r: &Observed) -> Option<Target> {
        let by_state = self
            .states
            .iter()
            .find(|(n, _)| names(n, &r.state, &r.state_label))
            .map(|(_, t)| *t);
        match by_state {
            Some(Target::Archive(reason)) => {
                let by_code = self
                    .close_codes
                    .iter()
                    .find(|(n, _)| names(n, &r.close_code, &r.close_code_label))
                    .map(|(_, r)| *r);
                Some(Target::Archive(by_code.unwrap_or(reason)))
            }
            Some(t) => Some(t),
            None if r.assigned => self.assigned,
            None => None,
        }
    }
}

/// One archive reason for an anomaly whose incidents disagree: the most affirmative wins
/// (Resolved, then Duplicate, Invalid, Discarded), whatever order the incidents closed in.
pub fn pick_reason(reasons: impl IntoIterator<Item = ArchiveReason>) -> Option<ArchiveReason> {
    let rank = |r: &ArchiveReason| match r {
        ArchiveReason::Resolved => 0,
        ArchiveReason::Duplicate => 1,
        ArchiveReason::Invalid => 2,
        ArchiveReason::Discarded => 3,
    };
    reasons.into_iter().min_by_key(rank)
}

/// The status a change of one incident from `before` to `after` gives its anomaly, or `None`.
/// `others` are the current targets of the anomaly's other (non-broken) links; `None` there is
/// a record that is open, or never read.
///
/// - Only a change of target acts (a record that merely got a new note does not), so a person's
///   own move of the anomaly after an earlier back-sync is kept.
/// - Never backward: an archived anomaly is left alone; an acknowledged one is not acknowledged
///   again; nothing ever returns an anomaly to Active.
/// - A reopen (archiving target → acknowledge) does not re-acknowledge.
/// - Archived only when every link archives (M:N), with [`pick_reason`] over all of them.
pub fn decide(
    current: Status,
    before: Option<Target>,
    after: Option<Target>,
    others: &[Option<Target>],
) -> Option<Status> {
    let after = after?;
    if before == Some(after) || current.is_archived() {
        return None;
    }
    match after {
        Target::Acknowledge => {
            let reopened = before.is_some_and(Target::is_archive);
            (current == Status::Active && !reopened).then_some(Status::Acknowledged)
        }
        Target::Archive(reason) => {
            let mut reasons = vec![reason];
            for o in others {
                match o {
                    Some(Target::Archive(r)) => reasons.push(*r),
                    _ => return None,
                }
            }
            pick_reason(reasons).map(Status::Archived)
        }
    }
}

#[cfg(test)]
#[path = "back_sync_tests.rs"]
mod tests;
