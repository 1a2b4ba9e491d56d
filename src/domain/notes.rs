//! Work-note texts, correlation ids and anomaly hyperlinks (DESIGN §Formats).
//!
//! The note text carries its own timestamp; the sync worker finds a note again by its exact text
//! when a delivery's outcome is unknown, so these strings must be byte-for-byte stable.

use jiff::Timestamp;

use super::anomaly::Anomaly;
use super::status::Status;

/// `correlation_display` set on every incident snowlink creates.
pub const CORRELATION_DISPLAY: &str = "snowlink";

/// `YYYY-MM-DD HH:MM:SS UTC` (sub-seconds dropped).
pub fn format_timestamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `[2026-11-23 10:30:00 UTC] Anomaly A-1042 status: Acknowledged`
pub fn status_note(anomaly_id: &str, status: Status, at: Timestamp) -> String {
    format!(
        "[{}] Anomaly {anomaly_id} status: {status}",
        format_timestamp(at)
    )
}

/// `[2026-11-23 10:31:00 UTC] Comment on anomaly A-1042 from <user>: <text>`
/// The text is kept as written (multi-line comments stay multi-line in the work note).
pub fn comment_note(anomaly_id: &str, user: &str, text: &str, at: Timestamp) -> String {
    format!(
        "[{}] Comment on anomaly {anomaly_id} from {user}: {text}",
        format_timestamp(at)
    )
}

/// `[…] Linked to anomaly A-1042 (<type>, status <status>): <anomaly url>`.
/// A missing type reads `unknown`; with no URL the `: <url>` part is left out.
pub fn link_note(
    anomaly_id: &str,
    kind: Option<&str>,
    status: Status,
    url: Option<&str>,
    at: Timestamp,
) -> String {
    let kind = kind.filter(|k| !k.trim().is_empty()).unwrap_or("unknown");
    let mut note = format!(
        "[{}] Linked to anomaly {anomaly_id} ({kind}, status {status})",
        format_timestamp(at)
    );
    if let Some(url) = url {
        note.push_str(": ");
        note.push_str(url);
    }
    note
}

/// `snowlink:<source>/<anomaly id>#<create id>`: unique per create so a retried create finds its
/// own incident and nobody else's.
pub fn correlation_id(source: &str, anomaly_id: &str, create_id: &str) -> String {
    format!("snowlink:{source}/{anomaly_id}#{create_id}")
}

/// A fresh create id: 16 lower-case hex digits from the thread RNG (64 random bits, so two
/// stores creating for the same anomaly never collide in practice).
pub fn new_create_id() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// The anomaly's hyperlink: its own `url` when it has one, else `template` with every `{id}`
/// replaced by the percent-encoded id. `None` when neither is available.
pub fn anomaly_url(anomaly: &Anomaly, template: Option<&str>) -> Option<String> {
    if let Some(url) = anomaly.url.as_deref().filter(|u| !u.trim().is_empty()) {
        return Some(url.to_owned());
    }
    let template = template.filter(|t| !t.trim().is_empty())?;
    Some(template.replace("{id}", &percent_encode(&anomaly.id)))
}

/// Percent-encodes everything except RFC 3986 unreserved characters, so an id is safe as one
/// path segment or query value.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::domain::status::ArchiveReason;

    fn at() -> Timestamp {
        "2026-11-23T10:30:00.987Z".parse().unwrap()
    }

    #[test]
    fn timestamp_format() {
        assert_eq!(format_timestamp(at()), "2026-11-23 10:30:00 UTC");
        let offset: Timestamp = "2026-01-02T03:04:05+02:00".parse().unwrap();
        assert_eq!(format_timestamp(offset), "2026-01-02 01:04:05 UTC");
    }

    #[test]
    fn status_notes() {
        assert_eq!(
            status_note("A-1042", Status::Acknowledged, at()),
            "[2026-11-23 10:30:00 UTC] Anomaly A-1042 status: Acknowledged"
        );
        assert_eq!(
            status_note("A-1042", Status::Archived(ArchiveReason::Resolved), at()),
            "[2026-11-23 10:30:00 UTC] Anomaly A-1042 status: Archived (Resolved)"
        );
        assert_eq!(
            status_note("A-7", Status::Archived(ArchiveReason::Discarded), at()),
            "[2026-11-23 10:30:00 UTC] Anomaly A-7 status: Archived (Discarded)"
        );
        assert_eq!(
            status_note("A-7", Status::Active, at()),
            "[2026-11-23 10:30:00 UTC] Anomaly A-7 status: Active"
        );
    }

    #[test]
    fn comment_notes() {
        assert_eq!(
            comment_note("A-1042", "ann", "re-ran the load", at()),
            "[2026-11-23 10:30:00 UTC] Comment on anomaly A-1042 from ann: re-ran the load"
        );
        assert_eq!(
            comment_note("A-1", "José", "line one\nline two", at()),
            "[2026-11-23 10:30:00 UTC] Comment on anomaly A-1 from José: line one\nline two"
        );
    }

    #[test]
    fn link_notes() {
        assert_eq!(
            link_note(
                "A-1042",
                Some("record"),
                Status::Active,
                Some("https://dq.example.com/anomalies/A-1042"),
                at()
            ),
            "[2026-11-23 10:30:00 UTC] Linked to anomaly A-1042 (record, status Active): https://dq.example.com/anomalies/A-1042"
        );
        assert_eq!(
            link_note(
                "A-9",
                None,
                Status::Archived(ArchiveReason::Invalid),
                None,
                at()
            ),
            "[2026-11-23 10:30:00 UTC] Linked to anomaly A-9 (unknown, status Archived (Invalid))"
        );
    }

    #[test]
    fn correlation() {
        assert_eq!(
            correlation_id("warehouse-dq", "A-1042", "00ff00ff00ff00ff"),
            "snowlink:warehouse-dq/A-1042#00ff00ff00ff00ff"
        );
        assert_eq!(CORRELATION_DISPLAY, "snowlink");
        let a = new_create_id();
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_create_id());
    }

    #[test]
    fn url_prefers_own_then_template() {
        let mut a = Anomaly::new("A 1/é", "t");
        let tpl = Some("https://dq.example.com/anomalies/{id}?ref={id}");
        assert_eq!(
            anomaly_url(&a, tpl).unwrap(),
            "https://dq.example.com/anomalies/A%201%2F%C3%A9?ref=A%201%2F%C3%A9"
        );
        assert_eq!(anomaly_url(&a, None), None);
        assert_eq!(anomaly_url(&a, Some("  ")), None);
        a.url = Some("https://own.example/x".into());
        assert_eq!(anomaly_url(&a, tpl).unwrap(), "https://own.example/x");
        assert_eq!(percent_encode("A-1042_x.y~z"), "A-1042_x.y~z");
    }
}
