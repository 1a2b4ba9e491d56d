//! The anomaly block appended to an incident's description on create and on link.
//!
//! The block has a size cap (docs/formats.md, "Description block"): ServiceNow's description
//! field is limited and a record may carry any number of failed checks, so a block never grows
//! past [`MAX_BLOCK_BYTES`]. The header (what `has_block` looks for) and the link are always there.

use super::anomaly::Anomaly;
use super::notes::format_timestamp;

/// The whole block never exceeds this many bytes (so never this many characters either).
pub const MAX_BLOCK_BYTES: usize = 32 * 1024;
/// At most this many failed checks are listed; the rest are counted on one line.
pub const MAX_CHECKS_LISTED: usize = 50;
/// Every line but the link is cut to this many bytes (ending in `…`).
pub const MAX_LINE_BYTES: usize = 1024;
/// A link longer than this is not shown (a cut link would lead nowhere).
pub const MAX_LINK_BYTES: usize = 4096;
/// An anomaly id is cut to this many bytes in the header, the same way wherever the header is
/// built, so `has_block` still finds the block of an absurdly long id.
const MAX_HEADER_ID_BYTES: usize = 256;

/// First line of the block for `anomaly_id`: `--- snowlink anomaly A-1042 ---`.
pub fn block_header(anomaly_id: &str) -> String {
    format!(
        "--- snowlink anomaly {} ---",
        cut(&one_line(anomaly_id), MAX_HEADER_ID_BYTES)
    )
}

/// Renders the block. Every value sits on its own line; a value with line breaks is folded onto
/// one line so the block stays one field per line. Missing values read `-`. Long lines are cut,
/// and failed checks beyond [`MAX_CHECKS_LISTED`] (or beyond what fits in [`MAX_BLOCK_BYTES`])
/// are counted on a last line: `… and 999,950 more failed checks`.
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
    let line = |s: String| cut(&s, MAX_LINE_BYTES);
    let mut head = vec![
        block_header(&anomaly.id),
        line(format!("Anomaly ID: {}", one_line(&anomaly.id))),
        line(format!("Type: {}", dash(anomaly.kind.as_deref()))),
        line(format!("Status at detection: {}", anomaly.status)),
        line(format!(
            "Severity: {}",
            anomaly.severity.map_or("-", |s| s.as_str())
        )),
        line(format!(
            "Datastore / container / field: {} / {} / {}",
            dash(anomaly.datastore.as_deref()),
            dash(anomaly.container.as_deref()),
            dash(anomaly.field.as_deref())
        )),
    ];
    let link = dash(url);
    let tail = [
        line(format!(
            "Detected: {}",
            anomaly
                .detected_at
                .map_or_else(|| "-".to_owned(), format_timestamp)
        )),
        if link.len() <= MAX_LINK_BYTES {
            format!("Link: {link}")
        } else {
            format!("Link: (longer than {MAX_LINK_BYTES} bytes, not shown)")
        },
    ];
    if anomaly.failed_checks.is_empty() {
        head.push("Failed checks: none".to_owned());
    } else {
        head.push("Failed checks:".to_owned());
        push_checks(&mut head, anomaly, &tail);
    }
    head.extend(tail);
    head.join("\n")
}

/// Lists failed checks while they fit: at most [`MAX_CHECKS_LISTED`], and always leaving room
/// for the tail and the "… and N more" line within [`MAX_BLOCK_BYTES`].
fn push_checks(lines: &mut Vec<String>, anomaly: &Anomaly, tail: &[String]) {
    let joined = |ls: &[String]| ls.iter().map(|l| l.len() + 1).sum::<usize>();
    // The longest "more" line there can be (usize::MAX checks), so it always fits.
    let more_room = more_line(usize::MAX).len() + 1;
    let mut used = joined(lines) + joined(tail) + more_room;
    let total = anomaly.failed_checks.len();
    let mut listed = 0;
    for check in anomaly.failed_checks.iter().take(MAX_CHECKS_LISTED) {
        let l = if check.message.trim().is_empty() {
            format!("- {}", one_line(&check.name))
        } else {
            format!("- {}: {}", one_line(&check.name), one_line(&check.message))
        };
        let l = cut(&l, MAX_LINE_BYTES);
        if used + l.len() + 1 > MAX_BLOCK_BYTES {
            break;
        }
        used += l.len() + 1;
        lines.push(l);
        listed += 1;
    }
    if listed < total {
        lines.push(more_line(total - listed));
    }
}

fn more_line(n: usize) -> String {
    let noun = if n == 1 { "check" } else { "checks" };
    format!("… and {} more failed {noun}", thousands(n))
}

/// `999950` → `999,950`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `s` cut to at most `max` bytes on a character boundary, ending in `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    const ELLIPSIS: &str = "…";
    let mut end = max.saturating_sub(ELLIPSIS.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &s[..end])
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

    fn with_checks(n: usize, message: &str) -> Anomaly {
        let mut a = full();
        a.failed_checks = (0..n)
            .map(|i| FailedCheck {
                name: format!("check{i}"),
                message: message.to_owned(),
            })
            .collect();
        a
    }

    #[test]
    fn a_million_failed_checks_make_a_small_block() {
        let link = "https://dq.example.com/anomalies/A-1042";
        let got = description_block(
            &with_checks(1_000_000, "33 bytes of explanation here!!"),
            Some(link),
        );
        assert!(got.len() <= MAX_BLOCK_BYTES, "{} bytes", got.len());
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines[0], "--- snowlink anomaly A-1042 ---");
        assert_eq!(lines[7], "- check0: 33 bytes of explanation here!!");
        assert_eq!(
            lines[7 + MAX_CHECKS_LISTED - 1],
            "- check49: 33 bytes of explanation here!!"
        );
        assert_eq!(
            lines[7 + MAX_CHECKS_LISTED],
            "… and 999,950 more failed checks"
        );
        assert_eq!(lines[lines.len() - 1], format!("Link: {link}"));
        assert!(has_block(&append_block("text", &got), "A-1042"));
    }

    #[test]
    fn long_checks_stop_at_the_block_cap_and_keep_the_link() {
        let long = "é".repeat(10_000);
        let link = format!("https://dq.example.com/{}", "p".repeat(3000));
        let got = description_block(&with_checks(200, &long), Some(&link));
        assert!(got.len() <= MAX_BLOCK_BYTES, "{} bytes", got.len());
        assert!(got.lines().all(|l| l.len() <= MAX_LINK_BYTES + 6));
        let checks: Vec<&str> = got.lines().filter(|l| l.starts_with("- check")).collect();
        assert!(
            !checks.is_empty() && checks.len() < MAX_CHECKS_LISTED,
            "{}",
            checks.len()
        );
        assert!(
            checks
                .iter()
                .all(|l| l.len() <= MAX_LINE_BYTES && l.ends_with('…'))
        );
        let more = format!("… and {} more failed checks", 200 - checks.len());
        assert!(got.contains(&more), "{got}");
        assert!(got.ends_with(&format!("\nLink: {link}")));
    }

    #[test]
    fn one_more_check_is_singular_and_huge_values_are_cut() {
        let mut a = with_checks(MAX_CHECKS_LISTED + 1, "");
        a.datastore = Some("d".repeat(100_000));
        a.id = "I".repeat(1000);
        let got = description_block(&a, Some(&"u".repeat(MAX_LINK_BYTES + 1)));
        assert!(got.contains("\n… and 1 more failed check\n"), "{got}");
        assert!(got.ends_with(&format!(
            "\nLink: (longer than {MAX_LINK_BYTES} bytes, not shown)"
        )));
        assert!(got.lines().all(|l| l.len() <= MAX_LINE_BYTES));
        assert!(has_block(&got, &a.id));
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
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
