//! Anomaly status and severity: the closed vocabularies of the anomaly file format and of notes.

use std::fmt;

/// Why an anomaly was archived (the Qualytics archive statuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchiveReason {
    Resolved,
    Invalid,
    Duplicate,
    Discarded,
}

impl ArchiveReason {
    pub const ALL: [ArchiveReason; 4] = [
        ArchiveReason::Resolved,
        ArchiveReason::Invalid,
        ArchiveReason::Duplicate,
        ArchiveReason::Discarded,
    ];

    /// Lower-case code used on the command line and in the store (`resolved`, …).
    pub fn code(self) -> &'static str {
        match self {
            ArchiveReason::Resolved => "resolved",
            ArchiveReason::Invalid => "invalid",
            ArchiveReason::Duplicate => "duplicate",
            ArchiveReason::Discarded => "discarded",
        }
    }

    /// Parses a code case-insensitively (`Resolved`, `invalid`, …).
    pub fn parse(s: &str) -> Option<ArchiveReason> {
        Self::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for ArchiveReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArchiveReason::Resolved => "Resolved",
            ArchiveReason::Invalid => "Invalid",
            ArchiveReason::Duplicate => "Duplicate",
            ArchiveReason::Discarded => "Discarded",
        })
    }
}

/// Triage status of an anomaly. `Display` is the text used in notes:
/// `Active`, `Acknowledged`, `Archived (Resolved)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Status {
    #[default]
    Active,
    Acknowledged,
    Archived(ArchiveReason),
}

/// What the anomaly file accepts for `status`, for error messages.
pub const STATUS_EXPECTED: &str =
    "active|acknowledged|archived|resolved|invalid|duplicate|discarded";

impl Status {
    /// Stable machine code: `active`, `acknowledged`, `archived:resolved`, … (store, `--json`).
    pub fn code(self) -> String {
        match self {
            Status::Active => "active".to_owned(),
            Status::Acknowledged => "acknowledged".to_owned(),
            Status::Archived(r) => format!("archived:{}", r.code()),
        }
    }

    /// Inverse of [`Status::code`].
    pub fn from_code(code: &str) -> Option<Status> {
        match code {
            "active" => Some(Status::Active),
            "acknowledged" => Some(Status::Acknowledged),
            _ => code
                .strip_prefix("archived:")
                .and_then(ArchiveReason::parse)
                .map(Status::Archived),
        }
    }

    /// Parses the `status` field of the anomaly file, case-insensitively. `archived` alone means
    /// archived as resolved; the Qualytics archive statuses (`resolved`, `invalid`, `duplicate`,
    /// `discarded`) are accepted as archived with that reason, as is the code form `archived:invalid`.
    pub fn parse_file_value(s: &str) -> Option<Status> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "active" => Some(Status::Active),
            "acknowledged" => Some(Status::Acknowledged),
            "archived" => Some(Status::Archived(ArchiveReason::Resolved)),
            _ => ArchiveReason::parse(&lower)
                .or_else(|| {
                    lower
                        .strip_prefix("archived:")
                        .and_then(ArchiveReason::parse)
                })
                .map(Status::Archived),
        }
    }

    pub fn is_archived(self) -> bool {
        matches!(self, Status::Archived(_))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Active => f.write_str("Active"),
            Status::Acknowledged => f.write_str("Acknowledged"),
            Status::Archived(r) => write!(f, "Archived ({r})"),
        }
    }
}

/// Severity of an anomaly, most severe first (so `Ord` sorts critical before info).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// What the anomaly file accepts for `severity`, for error messages.
pub const SEVERITY_EXPECTED: &str = "critical|high|medium|low|info";

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// Lower-case name, as in the file format and in `[high] title` short descriptions.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }

    /// Parses case-insensitively.
    pub fn parse(s: &str) -> Option<Severity> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_display_is_the_note_text() {
        assert_eq!(Status::Active.to_string(), "Active");
        assert_eq!(Status::Acknowledged.to_string(), "Acknowledged");
        assert_eq!(
            Status::Archived(ArchiveReason::Resolved).to_string(),
            "Archived (Resolved)"
        );
        assert_eq!(
            Status::Archived(ArchiveReason::Invalid).to_string(),
            "Archived (Invalid)"
        );
        assert_eq!(
            Status::Archived(ArchiveReason::Duplicate).to_string(),
            "Archived (Duplicate)"
        );
        assert_eq!(
            Status::Archived(ArchiveReason::Discarded).to_string(),
            "Archived (Discarded)"
        );
    }

    #[test]
    fn status_codes_round_trip() {
        let mut all = vec![Status::Active, Status::Acknowledged];
        all.extend(ArchiveReason::ALL.map(Status::Archived));
        for s in all {
            assert_eq!(Status::from_code(&s.code()), Some(s));
        }
        assert_eq!(Status::from_code("archived"), None);
        assert_eq!(Status::from_code("Active"), None);
    }

    #[test]
    fn file_status_values() {
        assert_eq!(Status::parse_file_value("ACTIVE"), Some(Status::Active));
        assert_eq!(
            Status::parse_file_value("Acknowledged"),
            Some(Status::Acknowledged)
        );
        assert_eq!(
            Status::parse_file_value("archived"),
            Some(Status::Archived(ArchiveReason::Resolved))
        );
        assert_eq!(
            Status::parse_file_value("Duplicate"),
            Some(Status::Archived(ArchiveReason::Duplicate))
        );
        assert_eq!(
            Status::parse_file_value("archived:discarded"),
            Some(Status::Archived(ArchiveReason::Discarded))
        );
        assert_eq!(Status::parse_file_value("open"), None);
    }

    #[test]
    fn severity_parse_and_order() {
        assert_eq!(Severity::parse("High"), Some(Severity::High));
        assert_eq!(Severity::parse(" info "), Some(Severity::Info));
        assert_eq!(Severity::parse("urgent"), None);
        assert!(Severity::Critical < Severity::Info);
        assert_eq!(Severity::Medium.to_string(), "medium");
    }
}
