//! The journal text format of display values (reference §9), parsed into entries of both kinds,
//! under caps so a hostile or huge history cannot exhaust memory (`docs/servicenow-client.md`
//! §Activity).
//!
//! Each entry is `"<date, user TZ> - <Full Name> (Work notes)\n<text>\n\n"` (comments:
//! `(Additional comments)`), newest first. A header is only recognised at the start or after a
//! blank line, so note text may itself contain blank lines.

/// Which journal an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JournalKind {
    /// `work_notes`: internal, "Work notes".
    WorkNote,
    /// `comments`: customer-visible, "Additional comments".
    Comment,
}

impl JournalKind {
    /// The journal field's name (`sys_journal_field.element`).
    pub fn element(self) -> &'static str {
        match self {
            JournalKind::WorkNote => "work_notes",
            JournalKind::Comment => "comments",
        }
    }

    /// The label in a display-value header.
    pub fn label(self) -> &'static str {
        match self {
            JournalKind::WorkNote => "Work notes",
            JournalKind::Comment => "Additional comments",
        }
    }

    pub fn from_element(element: &str) -> Option<JournalKind> {
        match element {
            "work_notes" => Some(JournalKind::WorkNote),
            "comments" => Some(JournalKind::Comment),
            _ => None,
        }
    }
}

/// At most this many entries are kept from one read (newest first; the rest are counted as cut).
pub const MAX_ACTIVITY_ENTRIES: usize = 200;
/// One entry's text is cut to this many bytes (ending in `…`).
pub const MAX_ENTRY_BYTES: usize = 16 * 1024;
/// All kept texts together stay under this many bytes; entries past it are cut off.
pub const MAX_ACTIVITY_BYTES: usize = 1024 * 1024;
/// Author names and dates longer than this are cut (a header is one short line on a real instance).
const MAX_HEADER_PART_BYTES: usize = 256;

/// One entry as parsed: the date as the server wrote it, the author's display name, the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEntry {
    pub kind: JournalKind,
    pub created_on: String,
    pub author: String,
    pub text: String,
}

/// A header line: `<date> - <Full Name> (<label>)`, returning (kind, date, name).
fn header(line: &str) -> Option<(JournalKind, &str, &str)> {
    let rest = line.trim_end().strip_suffix(')')?;
    let (kind, rest) = [JournalKind::WorkNote, JournalKind::Comment]
        .into_iter()
        .find_map(|k| Some((k, rest.strip_suffix(k.label())?.strip_suffix(" (")?)))?;
    let (date, name) = rest.split_once(" - ")?;
    // Dates come in the user's format, but always start with a digit and carry a time.
    let starts_with_digit = date.chars().next().is_some_and(|c| c.is_ascii_digit());
    (starts_with_digit && date.contains(':')).then_some((kind, date.trim(), name.trim()))
}

/// `s` cut to at most `max` bytes on a character boundary, with `…` when cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Collects entries while they fit the caps; `cut` counts what was left out.
#[derive(Debug, Default)]
pub(crate) struct Bounded {
    pub entries: Vec<ParsedEntry>,
    pub bytes: usize,
    pub cut: bool,
}

impl Bounded {
    /// Keeps `e` (its text cut to [`MAX_ENTRY_BYTES`]) if the caps allow; false once full.
    pub fn push(&mut self, mut e: ParsedEntry) -> bool {
        if self.entries.len() >= MAX_ACTIVITY_ENTRIES {
            self.cut = true;
            return false;
        }
        e.text = cut(&e.text, MAX_ENTRY_BYTES);
        e.author = cut(&e.author, MAX_HEADER_PART_BYTES);
        e.created_on = cut(&e.created_on, MAX_HEADER_PART_BYTES);
        let size = e.text.len() + e.author.len() + e.created_on.len();
        if self.bytes + size > MAX_ACTIVITY_BYTES {
            self.cut = true;
            return false;
        }
        self.bytes += size;
        self.entries.push(e);
        true
    }
}

/// Parses one display-value history (any mix of both kinds) into `out`, newest first as sent.
/// Stops as soon as `out` is full; one pass, no copy of the history.
pub(crate) fn parse_history_into(history: &str, out: &mut Bounded) {
    // (kind, date, name, start byte of the body, end byte of the body so far)
    let mut current: Option<(JournalKind, &str, &str, usize, usize)> = None;
    let mut prev_blank = true;
    let mut pos = 0;
    for raw in history.split_inclusive('\n') {
        pos += raw.len();
        let line = raw.trim_end_matches('\n').trim_end_matches('\r');
        if prev_blank && let Some((kind, date, name)) = header(line) {
            if let Some(c) = current.take()
                && !out.push(finish(history, c))
            {
                return;
            }
            current = Some((kind, date, name, pos, pos));
        } else if let Some(c) = current.as_mut() {
            c.4 = pos;
        }
        prev_blank = line.trim().is_empty();
    }
    if let Some(c) = current {
        out.push(finish(history, c));
    }
}

fn finish(
    history: &str,
    (kind, date, name, from, to): (JournalKind, &str, &str, usize, usize),
) -> ParsedEntry {
    let body = history.get(from..to).unwrap_or("");
    ParsedEntry {
        kind,
        created_on: date.to_string(),
        author: name.to_string(),
        text: body.replace("\r\n", "\n").trim_end().to_string(),
    }
}

/// Parses one history, bounded: the entries and whether some were cut off.
pub fn parse_journal_history(history: &str) -> (Vec<ParsedEntry>, bool) {
    let mut out = Bounded::default();
    parse_history_into(history, &mut out);
    (out.entries, out.cut)
}

/// Merges two newest-first lists into one, newest first, by `created_on`. Dates in
/// ServiceNow's default `yyyy-MM-dd HH:mm:ss` compare correctly as text; for other user date
/// formats the order within one list is kept and the two lists interleave by text order, which
/// is the best that can be done without knowing the format. Ties keep `a` first.
pub(crate) fn merge_newest_first(a: Vec<ParsedEntry>, b: Vec<ParsedEntry>) -> Vec<ParsedEntry> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.created_on >= y.created_on,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let next = if take_a { a.next() } else { b.next() };
        out.extend(next);
    }
    out
}

#[cfg(test)]
#[path = "activity_parse_tests.rs"]
mod tests;
