//! The anomaly block appended to an incident's description on create and on link.

use super::anomaly::Anomaly;
use super::notes::format_timestamp;

/// First line of the block for `anomaly_id`: `--- snowlink anomaly A-1042 ---`.
pub fn block_header(anomaly_id: &str) -> String {
    format!("--- snowlink anomaly {} ---", one_line(anomaly_id))
}

/// Renders the block. Every value sits on its own line; a value with line breaks is folded onto
/// one line so the block stays one field per line. Missing values read `-`.
///
/// ```text
/// --- snowlink anomaly A-1042 ---
/// Anomaly ID: A-1042
/// Type: record
/// Status at detection: Active
/// Severity: high
/// Datastore / container / field: snowflake-prod / ANALYTICS.ORDERS / CUSTOMER_ID
/// Failed checks:
/// - notNull: 37 records have a null CUSTOMER_ID
/// Detected: 2026-11-23 10:30:00 UTC
/// Link: https://dq.example.com/anomalies/A-1042
/// ```
pub fn description_block(anomaly: &Anomaly, url: Option<&str>) -> String {
    let dash = |v: Option<&str>| {
        v.filter(|s| !s.trim().is_empty())
            .map(one_line)
            .unwrap_or_else(|| "-".to_owned())
    };
    let mut lines = vec![
        block_header(&anomaly.id),
        format!("Anomaly ID: {}", one_line(&anomaly.id)),
        format!("Type: {}", dash(anomaly.kind.as_deref())),
        format!("Status at detection: {}", anomaly.status),
        format!("Severity: {}", anomaly.severity.map_or("-", |s| s.as_str())),
        format!(
            "Datastore / container / field: {} / {} / {}",
            dash(anomaly.datastore.as_deref()),
            dash(anomaly.container.as_deref()),
            dash(anomaly.field.as_deref())
        ),
    ];
    if anomaly.failed_checks.is_empty() {
        lines.push("Failed checks: none".to_owned());
    } else {
        lines.push("Failed checks:".to_owned());
        for check in &anomaly.failed_checks {
            if check.message.trim().is_empty() {
                lines.push(format!("- {}", one_line(&check.name)));
            } else {
                lines.push(format!(
                    "- {}: {}",
                    one_line(&check.name),
                    one_line(&check.message)
                ));
            }
        }
    }
    lines.push(format!(
        "Detected: {}",
        anomaly
            .detected_at
            .map_or_else(|| "-".to_owned(), format_timestamp)
    ));
    lines.push(format!("Link: {}", dash(url)));
    lines.join("\n")
}

/// Appends `block` to an existing description, keeping the existing text and separating the two
/// with one blank line. Trailing line breaks of the existing text are normalised; nothing else
/// changes. An empty description becomes just the block.
pub fn append_block(existing: &str, block: &str) -> String {
    let kept = existing.trim_end_matches(['\n', '\r']);
    if kept.trim().is_empty() {
        block.to_owned()
    } else {
        format!("{kept}\n\n{block}")
    }
}

/// Whether `description` already carries the block for `anomaly_id` (so a retried append, or a
/// second link of the same anomaly, does not add it twice).
pub fn has_block(description: &str, anomaly_id: &str) -> bool {
    let header = block_header(anomaly_id);
    description
        .lines()
        .any(|l| l.trim_end_matches('\r') == header)
}

/// Folds line breaks (and other control characters) to single spaces.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = false;
    for c in s.trim().chars() {
        if c.is_control() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = c == ' ';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::anomaly::FailedCheck;
    use crate::domain::status::{ArchiveReason, Severity, Status};

    fn full() -> Anomaly {
        let mut a = Anomaly::new("A-1042", "Null customer ids");
        a.kind = Some("record".into());
        a.severity = Some(Severity::High);
        a.datastore = Some("snowflake-prod".into());
        a.container = Some("ANALYTICS.ORDERS".into());
        a.field = Some("CUSTOMER_ID".into());
        a.detected_at = Some("2026-11-23T10:30:00Z".parse().unwrap());
        a.failed_checks = vec![
            FailedCheck {
                name: "notNull".into(),
                message: "37 records have a null CUSTOMER_ID".into(),
            },
            FailedCheck {
                name: "isUnique".into(),
                message: "2 duplicate\nORDER_ID values".into(),
            },
        ];
        a
    }

    #[test]
    fn full_block() {
        let got = description_block(&full(), Some("https://dq.example.com/anomalies/A-1042"));
        assert_eq!(
            got,
            "--- snowlink anomaly A-1042 ---\n\
             Anomaly ID: A-1042\n\
             Type: record\n\
             Status at detection: Active\n\
             Severity: high\n\
             Datastore / container / field: snowflake-prod / ANALYTICS.ORDERS / CUSTOMER_ID\n\
             Failed checks:\n\
             - notNull: 37 records have a null CUSTOMER_ID\n\
             - isUnique: 2 duplicate ORDER_ID values\n\
             Detected: 2026-11-23 10:30:00 UTC\n\
             Link: https://dq.example.com/anomalies/A-1042"
        );
    }

    #[test]
    fn sparse_block() {
        let mut a = Anomaly::new("A-7", "t");
        a.status = Status::Archived(ArchiveReason::Duplicate);
        a.failed_checks = vec![FailedCheck {
            name: "freshness".into(),
            message: String::new(),
        }];
        assert_eq!(
            description_block(&a, None),
            "--- snowlink anomaly A-7 ---\n\
             Anomaly ID: A-7\n\
             Type: -\n\
             Status at detection: Archived (Duplicate)\n\
             Severity: -\n\
             Datastore / container / field: - / - / -\n\
             Failed checks:\n\
             - freshness\n\
             Detected: -\n\
             Link: -"
        );
        a.failed_checks.clear();
        assert!(description_block(&a, None).contains("\nFailed checks: none\n"));
    }

    #[test]
    fn append_keeps_existing_text() {
        assert_eq!(append_block("", "B"), "B");
        assert_eq!(append_block("  \n", "B"), "B");
        assert_eq!(
            append_block("Users report errors.", "B"),
            "Users report errors.\n\nB"
        );
        assert_eq!(append_block("Line 1\r\n\r\n", "B"), "Line 1\n\nB");
        assert_eq!(append_block("  indented", "B"), "  indented\n\nB");
    }

    #[test]
    fn detects_existing_block() {
        let block = description_block(&full(), None);
        let d = append_block("Existing", &block);
        assert!(has_block(&d, "A-1042"));
        assert!(!has_block(&d, "A-104"));
        assert!(!has_block(
            "mentions --- snowlink anomaly A-1042 --- inline",
            "A-1042"
        ));
        assert!(has_block(&d.replace('\n', "\r\n"), "A-1042"));
    }
}
