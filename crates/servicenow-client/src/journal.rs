//! Work notes: read back from `sys_journal_field`, or parsed from the display-value history when
//! the journal table is empty or unreadable (reference §9). The outbox uses
//! [`Client::contains_work_note`] to reconcile a delivery whose outcome is unknown.

use crate::client::Client;
use crate::error::Error;
use crate::incident::INCIDENT_TABLE;
use crate::query::Query;
use crate::table::{DisplayValue, GetParams, ListParams};

/// Where an entry was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalSource {
    /// `sys_journal_field` (`created_by` is a user_name, `created_on` raw UTC).
    JournalTable,
    /// The field's display value (`created_by` is the full name, `created_on` in the user's TZ).
    DisplayValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub created_on: String,
    pub created_by: String,
    pub text: String,
    pub source: JournalSource,
}

/// Compares note texts the way the server may hand them back: CRLF → LF, outer whitespace off.
pub fn normalize_note(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_string()
}

/// A history header: `<date> - <Full Name> (<label>)`; returns (date, name).
fn parse_header<'a>(line: &'a str, label: &str) -> Option<(&'a str, &'a str)> {
    let rest = line
        .trim_end()
        .strip_suffix(')')?
        .strip_suffix(label)?
        .strip_suffix(" (")?;
    let (date, name) = rest.split_once(" - ")?;
    // Dates come in the user's format, but always start with a digit and carry a time.
    let starts_with_digit = date.chars().next().is_some_and(|c| c.is_ascii_digit());
    (starts_with_digit && date.contains(':')).then_some((date.trim(), name.trim()))
}

const LABELS: [&str; 2] = ["Work notes", "Additional comments"];

/// Parses `"<date> - <Full Name> (Work notes)\n<text>\n\n"` entries (newest first, as sent).
/// `label` is `Work notes` or `Additional comments`; entries of the other kind are skipped.
/// A header is only recognised at the start or after a blank line, so note text may contain
/// blank lines.
pub fn parse_journal_display(history: &str, label: &str) -> Vec<JournalEntry> {
    let history = history.replace("\r\n", "\n");
    let mut entries = Vec::new();
    // (date, name, wanted, body lines)
    let mut current: Option<(&str, &str, bool, Vec<&str>)> = None;
    let mut prev_blank = true;
    for line in history.split('\n') {
        match (prev_blank, header(line, label)) {
            (true, Some((d, n, wanted))) => {
                if let Some((d, n, true, body)) = current.take() {
                    entries.push(finish(d, n, &body));
                }
                current = Some((d, n, wanted, Vec::new()));
            }
            _ => {
                if let Some((_, _, _, body)) = current.as_mut() {
                    body.push(line);
                }
            }
        }
        prev_blank = line.trim().is_empty();
    }
    if let Some((d, n, true, body)) = current {
        entries.push(finish(d, n, &body));
    }
    entries
}

fn header<'a>(line: &'a str, label: &str) -> Option<(&'a str, &'a str, bool)> {
    LABELS
        .iter()
        .find_map(|lb| parse_header(line, lb).map(|(d, n)| (d, n, *lb == label)))
}

fn finish(created_on: &str, created_by: &str, body: &[&str]) -> JournalEntry {
    JournalEntry {
        created_on: created_on.to_string(),
        created_by: created_by.to_string(),
        text: body.join("\n").trim_end().to_string(),
        source: JournalSource::DisplayValue,
    }
}

/// Errors that mean "this user cannot read the journal table", not "ServiceNow is down".
fn journal_unreadable(e: &Error) -> bool {
    matches!(
        e,
        Error::Permission { .. } | Error::NotFound { .. } | Error::InvalidRequest { .. }
    )
}

impl Client {
    /// Work notes of an incident, newest first: `sys_journal_field` when readable and non-empty,
    /// else parsed from the `work_notes` display value.
    pub async fn work_notes(&self, sys_id: &str) -> Result<Vec<JournalEntry>, Error> {
        self.work_notes_in(INCIDENT_TABLE, sys_id).await
    }

    /// [`Client::work_notes`] of a record of any task table (`problem`, `change_request`, …).
    pub async fn work_notes_in(
        &self,
        table: &str,
        sys_id: &str,
    ) -> Result<Vec<JournalEntry>, Error> {
        let from_table = self.work_notes_from_journal(sys_id).await?;
        if !from_table.is_empty() {
            return Ok(from_table);
        }
        self.work_notes_from_display(table, sys_id).await
    }

    /// True when the incident already has a work note with exactly this text (after
    /// [`normalize_note`]). Checks the journal table and, when it lacks the note, the display
    /// history too, so an unreadable or lagging journal table cannot cause a duplicate.
    pub async fn contains_work_note(&self, sys_id: &str, exact_text: &str) -> Result<bool, Error> {
        self.contains_work_note_in(INCIDENT_TABLE, sys_id, exact_text)
            .await
    }

    /// [`Client::contains_work_note`] for a record of any task table.
    pub async fn contains_work_note_in(
        &self,
        table: &str,
        sys_id: &str,
        exact_text: &str,
    ) -> Result<bool, Error> {
        let wanted = normalize_note(exact_text);
        let from_table = self.work_notes_from_journal(sys_id).await?;
        if from_table.iter().any(|e| normalize_note(&e.text) == wanted) {
            return Ok(true);
        }
        let from_display = self.work_notes_from_display(table, sys_id).await?;
        Ok(from_display
            .iter()
            .any(|e| normalize_note(&e.text) == wanted))
    }

    async fn work_notes_from_journal(&self, sys_id: &str) -> Result<Vec<JournalEntry>, Error> {
        let params = ListParams::new()
            .query(
                Query::new()
                    .eq("element_id", sys_id)
                    .eq("element", "work_notes")
                    .order_by_desc("sys_created_on"),
            )
            .fields(&["value", "sys_created_on", "sys_created_by", "element"])
            .display(DisplayValue::False)
            .exclude_reference_link(true);
        match self.list_all("sys_journal_field", &params).await {
            Ok(rows) => Ok(rows
                .iter()
                .map(|r| JournalEntry {
                    created_on: r.str("sys_created_on").to_string(),
                    created_by: r.str("sys_created_by").to_string(),
                    text: r.str("value").to_string(),
                    source: JournalSource::JournalTable,
                })
                .collect()),
            Err(e) if journal_unreadable(&e) => {
                tracing::debug!(error = %e, "sys_journal_field unreadable; using display values");
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }

    async fn work_notes_from_display(
        &self,
        table: &str,
        sys_id: &str,
    ) -> Result<Vec<JournalEntry>, Error> {
        let params = GetParams::new()
            .fields(&["sys_id", "work_notes"])
            .display(DisplayValue::True)
            .exclude_reference_link(true);
        let rec = self.get(table, sys_id, &params).await?;
        Ok(parse_journal_display(
            rec.display("work_notes").unwrap_or(""),
            "Work notes",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HISTORY: &str = "2026-11-23 10:31:00 - System Administrator (Work notes)\n\
[2026-11-23 10:31:00 UTC] Comment on anomaly A-1 from bob: two\n\nparagraphs\n\n\
2026-11-23 10:30:30 - Joe Caller (Additional comments)\ncustomer visible\n\n\
2026-11-23 10:30:00 - System Administrator (Work notes)\n\
[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged\n\n";

    #[test]
    fn parses_newest_first_and_skips_comments() {
        let e = parse_journal_display(HISTORY, "Work notes");
        assert_eq!(e.len(), 2, "{e:#?}");
        assert_eq!(e[0].created_on, "2026-11-23 10:31:00");
        assert_eq!(e[0].created_by, "System Administrator");
        assert_eq!(
            e[0].text,
            "[2026-11-23 10:31:00 UTC] Comment on anomaly A-1 from bob: two\n\nparagraphs"
        );
        assert_eq!(
            e[1].text,
            "[2026-11-23 10:30:00 UTC] Anomaly A-1 status: Acknowledged"
        );
        let c = parse_journal_display(HISTORY, "Additional comments");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].created_by, "Joe Caller");
        assert_eq!(c[0].text, "customer visible");
    }

    #[test]
    fn empty_and_crlf_histories() {
        assert!(parse_journal_display("", "Work notes").is_empty());
        let crlf = "2026-01-01 00:00:00 - A B (Work notes)\r\nhello\r\n\r\n";
        let e = parse_journal_display(crlf, "Work notes");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].text, "hello");
        assert_eq!(normalize_note(" x\r\ny \n"), "x\ny");
    }

    #[test]
    fn names_with_dashes_and_parens() {
        let h = "2026-01-01 00:00:00 - Mary-Jane O'Neil (Ops) - EU (Work notes)\nhi\n\n";
        let e = parse_journal_display(h, "Work notes");
        assert_eq!(e[0].created_by, "Mary-Jane O'Neil (Ops) - EU");
    }
}
