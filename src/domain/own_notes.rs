//! Recognising snowlink's own journal entries by their text (DESIGN §Formats): the status,
//! comment and link notes of `notes.rs` and the rules engine's consolidated notes
//! (`rules/engine/notes.rs`). The incident view marks them, and back-sync's loop guard skips
//! them, so nothing snowlink wrote is ever read back as someone else's work.

/// True when `text` has the shape of a note snowlink writes:
/// `[YYYY-MM-DD HH:MM:SS UTC] ` followed by `Anomaly … status: `, `Comment on anomaly … from `,
/// `Linked to anomaly … (` or `snowlink rule …: `. Leading and trailing whitespace (which
/// ServiceNow may add or drop) is ignored.
pub fn is_snowlink_note(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix('[') else {
        return false;
    };
    let Some((stamp, rest)) = rest.split_once("] ") else {
        return false;
    };
    if !is_note_timestamp(stamp) {
        return false;
    }
    let first_line = rest.lines().next().unwrap_or("");
    if let Some(r) = rest.strip_prefix("Anomaly ") {
        return first_line.contains(" status: ") && !r.starts_with(' ');
    }
    if let Some(r) = rest.strip_prefix("Comment on anomaly ") {
        return first_line.contains(" from ") && r.contains(": ");
    }
    if rest.strip_prefix("Linked to anomaly ").is_some() {
        return first_line.contains(" (") && first_line.contains(", status ");
    }
    if let Some(r) = rest.strip_prefix("snowlink rule ") {
        return first_line.contains(": ") && !r.starts_with(' ');
    }
    false
}

/// `YYYY-MM-DD HH:MM:SS UTC`, digit for digit (what `format_timestamp` writes).
fn is_note_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 23 || !s.ends_with(" UTC") {
        return false;
    }
    b[..19].iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b' ',
        13 | 16 => *c == b':',
        _ => c.is_ascii_digit(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::notes::{comment_note, link_note, status_note};
    use crate::domain::status::{ArchiveReason, Status};
    use jiff::Timestamp;

    fn at() -> Timestamp {
        "2026-11-23T10:30:00Z".parse().unwrap()
    }

    #[test]
    fn every_note_snowlink_writes_is_recognised() {
        for text in [
            status_note("A-1042", Status::Acknowledged, at()),
            status_note("A-7", Status::Archived(ArchiveReason::Invalid), at()),
            comment_note("A-1042", "ann", "re-ran the load", at()),
            comment_note("A-1", "José", "line one\nline two", at()),
            link_note("A-9", None, Status::Active, Some("https://dq/x"), at()),
            link_note("A-9", Some("record"), Status::Active, None, at()),
            "[2026-11-23 10:30:00 UTC] snowlink rule nulls: 3 more anomalies with the same key (k):\n- a\n- b".to_string(),
        ] {
            assert!(is_snowlink_note(&text), "{text}");
            assert!(is_snowlink_note(&format!("  {text}\n")), "whitespace: {text}");
        }
    }

    #[test]
    fn notes_by_people_are_not() {
        for text in [
            "",
            "checked the loader, looks fine",
            "Anomaly A-1 status: Acknowledged",
            "[2026-11-23 10:30] Anomaly A-1 status: Acknowledged",
            "[2026-11-23 10:30:00] Anomaly A-1 status: Acknowledged",
            "[yesterday] Comment on anomaly A-1 from bob: hi",
            "[2026-11-23 10:30:00 UTC] I looked at it",
            "[2026-11-23 10:30:00 UTC] Anomaly A-1 was fine",
            "[2026-11-23 10:30:00 UTC] Comment on anomaly A-1",
            "[2026-11-23 10:30:00 UTC] Linked to anomaly A-1",
            "quoting: [2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged",
            "[２０２６-11-23 10:30:00 UTC] Anomaly A-1 status: Active",
        ] {
            assert!(!is_snowlink_note(text), "{text}");
        }
    }
}
