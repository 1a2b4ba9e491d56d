//! Format detection and record splitting for anomaly files, reading as a stream.
//!
//! The first bytes are checked for UTF-16 and CR-only line endings (see `sniff.rs`). After an
//! optional UTF-8 BOM and leading whitespace, `[` means a JSON array (`array.rs`); anything else
//! is NDJSON. NDJSON tolerates CRLF and skips blank lines. No record longer than the record cap
//! is held in memory: it is reported with its line and skipped.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor, Read};

use crate::domain::{Anomaly, RecordError, anomaly_from_json};

use super::array::parse_array;
use super::lines::{LineFit, read_bounded_line};
use super::sniff::{SNIFF_BYTES, cr_only_lines, utf16_encoding};
use super::{LoadReport, ProblemKind, RecordProblem, SourceLimits};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a whole file could not be read.
#[derive(Debug)]
pub(crate) enum Failure {
    Io(io::Error),
    /// A JSON array file that is not UTF-8: it cannot be split into records safely.
    BadArrayEncoding {
        line: usize,
    },
    /// The file is UTF-16; the value is the encoding as `iconv -f` names it.
    Utf16(&'static str),
    /// NDJSON with CR-only line endings.
    CrOnly,
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Io(e) => write!(f, "read error: {e}"),
            Failure::BadArrayEncoding { line } => write!(f, "not valid UTF-8 near line {line}"),
            Failure::Utf16(enc) => write!(f, "the text is {enc}, not UTF-8"),
            Failure::CrOnly => f.write_str("the text uses CR-only line endings"),
        }
    }
}

/// Parses text (JSON array or NDJSON, auto-detected) under the default caps. A problem with the
/// text as a whole (UTF-16, CR-only line endings) is the one problem of the report.
pub fn parse_anomalies(text: &str) -> LoadReport {
    match parse_reader(text.as_bytes(), &SourceLimits::default()) {
        Ok(r) => r,
        Err(f) => LoadReport {
            anomalies: Vec::new(),
            problems: vec![RecordProblem {
                line: None,
                index: None,
                kind: ProblemKind::Structure(f.to_string()),
            }],
        },
    }
}

/// Parses a stream under `limits` (the file cap is the caller's: see `open.rs`).
pub(crate) fn parse_reader<R: Read>(
    mut r: R,
    limits: &SourceLimits,
) -> Result<LoadReport, Failure> {
    let mut head = Vec::new();
    (&mut r).take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
    if let Some(enc) = utf16_encoding(&head) {
        return Err(Failure::Utf16(enc));
    }
    let bom = if head.starts_with(BOM) { BOM.len() } else { 0 };
    let first = head[bom..].iter().find(|b| !b.is_ascii_whitespace());
    // CR is plain whitespace to JSON, so only NDJSON depends on line ends.
    if first != Some(&b'[') && cr_only_lines(&head[bom..]) {
        return Err(Failure::CrOnly);
    }
    let mut start = Cursor::new(head);
    start.set_position(bom as u64);
    let mut reader = BufReader::new(start.chain(r));
    let (newlines, next) = skip_whitespace(&mut reader)?;
    let mut c = Collector::default();
    if next == Some(b'[') {
        parse_array(&mut reader, newlines + 1, limits.max_record_bytes, &mut c)?;
    } else {
        parse_ndjson(&mut reader, newlines, limits, &mut c)?;
    }
    Ok(c.finish())
}

/// Consumes leading ASCII whitespace; returns how many line breaks it held and the next byte.
fn skip_whitespace<R: BufRead>(r: &mut R) -> io::Result<(usize, Option<u8>)> {
    let mut newlines = 0;
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((newlines, None));
        }
        let blank = chunk.iter().take_while(|b| b.is_ascii_whitespace()).count();
        newlines += chunk[..blank].iter().filter(|&&b| b == b'\n').count();
        let next = chunk.get(blank).copied();
        r.consume(blank);
        if next.is_some() {
            return Ok((newlines, next));
        }
    }
}

fn parse_ndjson<R: BufRead>(
    r: &mut R,
    lines_before: usize,
    limits: &SourceLimits,
    c: &mut Collector,
) -> io::Result<()> {
    let mut buf = Vec::new();
    let mut line_no = lines_before;
    while let Some(fit) = read_bounded_line(r, &mut buf, limits.record_cap())? {
        line_no += 1;
        if let LineFit::TooLong { inner_cr } = fit {
            let cap = limits.max_record_bytes;
            c.problem(
                Some(line_no),
                None,
                ProblemKind::RecordTooLarge { cap, inner_cr },
            );
            continue;
        }
        let raw = buf.strip_suffix(b"\r").unwrap_or(&buf);
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match std::str::from_utf8(raw) {
            Ok(text) => c.record(anomaly_from_json(text.trim()), line_no, None),
            Err(_) => c.problem(Some(line_no), None, ProblemKind::Encoding),
        }
    }
    Ok(())
}

/// Where a kept record came from, to report a later duplicate against it.
struct Seen {
    slot: usize,
    line: usize,
    index: Option<usize>,
}

/// Collects records. A later record with an id already seen replaces the earlier one in place
/// (a source that appends updates lists the newest last), and the earlier one is reported.
#[derive(Default)]
pub(crate) struct Collector {
    report: LoadReport,
    seen: HashMap<String, Seen>,
}

impl Collector {
    pub(crate) fn record(
        &mut self,
        result: Result<Anomaly, RecordError>,
        line: usize,
        index: Option<usize>,
    ) {
        match result {
            Ok(a) => self.keep(a, line, index),
            Err(e) => {
                // A syntax error's line is relative to the record; make it absolute.
                let line = match &e {
                    RecordError::Syntax { line: rel, .. } => line + rel.saturating_sub(1),
                    _ => line,
                };
                self.problem(Some(line), index, ProblemKind::Record(e));
            }
        }
    }

    fn keep(&mut self, a: Anomaly, line: usize, index: Option<usize>) {
        if let Some(seen) = self.seen.get_mut(&a.id) {
            let (earlier_line, earlier_index) = (seen.line, seen.index);
            seen.line = line;
            seen.index = index;
            let slot = seen.slot;
            let kind = ProblemKind::Duplicate {
                id: a.id.clone(),
                later_line: line,
                later_index: index,
            };
            self.report.anomalies[slot] = a;
            self.problem(Some(earlier_line), earlier_index, kind);
            return;
        }
        let slot = self.report.anomalies.len();
        self.seen.insert(a.id.clone(), Seen { slot, line, index });
        self.report.anomalies.push(a);
    }

    pub(crate) fn problem(&mut self, line: Option<usize>, index: Option<usize>, kind: ProblemKind) {
        self.report
            .problems
            .push(RecordProblem { line, index, kind });
    }

    /// The report, problems in line order (a duplicate is found at the later line but reported
    /// at the earlier).
    fn finish(mut self) -> LoadReport {
        self.report
            .problems
            .sort_by_key(|p| p.line.unwrap_or(usize::MAX));
        self.report
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
