//! Format detection and record splitting for anomaly files.
//!
//! After an optional UTF-8 BOM and leading whitespace, `[` means a JSON array; anything else is
//! NDJSON. NDJSON tolerates CRLF and skips blank lines. A JSON array is split into elements by a
//! small scanner (strings, escapes and nesting aware) so that one malformed element is reported
//! with its line and skipped instead of failing the whole file.

use std::collections::HashMap;

use crate::domain::{Anomaly, RecordError, anomaly_from_json};

use super::{LoadReport, ProblemKind, RecordProblem};

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) enum ParseOutcome {
    Report(LoadReport),
    /// A JSON array file that is not UTF-8: it cannot be split into records safely.
    BadArrayEncoding {
        line: usize,
    },
}

/// Parses file contents (JSON array or NDJSON, auto-detected).
pub fn parse_anomalies(text: &str) -> LoadReport {
    match parse_bytes(text.as_bytes()) {
        ParseOutcome::Report(r) => r,
        // A &str is UTF-8, so the array path cannot fail to decode.
        ParseOutcome::BadArrayEncoding { .. } => LoadReport::default(),
    }
}

pub(crate) fn parse_bytes(bytes: &[u8]) -> ParseOutcome {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        match std::str::from_utf8(body) {
            Ok(text) => ParseOutcome::Report(parse_array(text)),
            Err(e) => ParseOutcome::BadArrayEncoding {
                line: line_at(body, e.valid_up_to()),
            },
        }
    } else {
        ParseOutcome::Report(parse_ndjson(body))
    }
}

/// 1-based line number of byte offset `pos`.
fn line_at(bytes: &[u8], pos: usize) -> usize {
    1 + bytes[..pos.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Collects records, letting a later record with the same id replace the earlier one in place.
#[derive(Default)]
struct Collector {
    report: LoadReport,
    seen: HashMap<String, usize>,
}

impl Collector {
    fn record(&mut self, result: Result<Anomaly, RecordError>, line: usize, index: Option<usize>) {
        match result {
            Ok(a) => match self.seen.get(&a.id) {
                Some(&i) => self.report.anomalies[i] = a,
                None => {
                    self.seen.insert(a.id.clone(), self.report.anomalies.len());
                    self.report.anomalies.push(a);
                }
            },
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

    fn problem(&mut self, line: Option<usize>, index: Option<usize>, kind: ProblemKind) {
        self.report
            .problems
            .push(RecordProblem { line, index, kind });
    }
}

fn parse_ndjson(body: &[u8]) -> LoadReport {
    let mut c = Collector::default();
    for (i, raw_line) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if raw_line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match std::str::from_utf8(raw_line) {
            Ok(text) => c.record(anomaly_from_json(text.trim()), line_no, None),
            Err(_) => c.problem(Some(line_no), None, ProblemKind::Encoding),
        }
    }
    c.report
}

fn parse_array(text: &str) -> LoadReport {
    let bytes = text.as_bytes();
    let mut c = Collector::default();
    let mut line = 1usize;
    // Skip to just after the opening bracket (the caller saw it is the first non-blank byte).
    let mut pos = 0;
    while pos < bytes.len() && bytes[pos] != b'[' {
        line += usize::from(bytes[pos] == b'\n');
        pos += 1;
    }
    pos += 1;
    let mut index = 0usize;
    loop {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            line += usize::from(bytes[pos] == b'\n');
            pos += 1;
        }
        if pos >= bytes.len() {
            c.problem(
                Some(line),
                None,
                ProblemKind::Structure("unterminated JSON array (missing `]`)".into()),
            );
            return c.report;
        }
        if bytes[pos] == b']' && index == 0 {
            pos += 1;
            break;
        }
        let (start, start_line) = (pos, line);
        let mut depth = 0usize;
        let (mut in_str, mut escaped) = (false, false);
        while pos < bytes.len() {
            let b = bytes[pos];
            if in_str {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b',' | b']' if depth == 0 => break,
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
            line += usize::from(b == b'\n');
            pos += 1;
        }
        let element = text[start..pos].trim_end();
        if element.is_empty() {
            c.problem(
                Some(start_line),
                Some(index),
                ProblemKind::Structure("empty array element".into()),
            );
        } else {
            c.record(anomaly_from_json(element), start_line, Some(index));
        }
        index += 1;
        match bytes.get(pos) {
            Some(b',') => pos += 1,
            Some(_) => {
                pos += 1;
                break;
            }
            None => {
                c.problem(
                    Some(line),
                    None,
                    ProblemKind::Structure("unterminated JSON array (missing `]`)".into()),
                );
                return c.report;
            }
        }
    }
    let rest = &text[pos..];
    if let Some(off) = rest.find(|ch: char| !ch.is_whitespace()) {
        let l = line + rest[..off].matches('\n').count();
        c.problem(
            Some(l),
            None,
            ProblemKind::Structure("unexpected text after the JSON array".into()),
        );
    }
    c.report
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
