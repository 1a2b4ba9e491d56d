//! A JSON array file, split into elements as it streams by: a small scanner that knows strings,
//! escapes and nesting finds where each element ends, so one malformed element is reported with
//! its line and skipped, and no element larger than the record cap is ever held in memory.

use std::io::{self, BufRead};

use crate::domain::anomaly_from_json;

use super::ProblemKind;
use super::parse::{Collector, Failure};

const UNTERMINATED: &str = "unterminated JSON array (missing `]`)";

/// Where the scanner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the opening `[`.
    Open,
    /// After `[` or `,`, before the next element.
    Between,
    /// Inside an element.
    Element,
    /// After the closing `]`.
    After,
}

struct Scanner<'c> {
    collector: &'c mut Collector,
    cap: usize,
    record_cap: u64,
    phase: Phase,
    line: usize,
    index: usize,
    element: Vec<u8>,
    element_line: usize,
    too_long: bool,
    depth: usize,
    in_str: bool,
    escaped: bool,
}

/// Reads the array that starts at the next byte of `r` (a `[`, found by the caller on line
/// `line`) into `collector`.
pub(crate) fn parse_array<R: BufRead>(
    r: &mut R,
    line: usize,
    record_cap: u64,
    collector: &mut Collector,
) -> Result<(), Failure> {
    let mut s = Scanner {
        collector,
        cap: usize::try_from(record_cap).unwrap_or(usize::MAX),
        record_cap,
        phase: Phase::Open,
        line,
        index: 0,
        element: Vec::new(),
        element_line: line,
        too_long: false,
        depth: 0,
        in_str: false,
        escaped: false,
    };
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::Io(e)),
        };
        if chunk.is_empty() {
            return s.at_end();
        }
        let n = chunk.len();
        for &b in chunk {
            if !s.byte(b)? {
                // Text after the array: reported; nothing further is read.
                return Ok(());
            }
        }
        r.consume(n);
    }
}

impl Scanner<'_> {
    /// Takes one byte; `false` when scanning is over.
    fn byte(&mut self, b: u8) -> Result<bool, Failure> {
        match self.phase {
            Phase::Open => {
                if b == b'[' {
                    self.phase = Phase::Between;
                }
            }
            Phase::Between => {
                if b.is_ascii_whitespace() {
                } else if b == b']' && self.index == 0 {
                    self.phase = Phase::After;
                } else {
                    self.start_element();
                    return self.element_byte(b);
                }
            }
            Phase::Element => return self.element_byte(b),
            Phase::After => {
                if !b.is_ascii_whitespace() {
                    let line = self.line;
                    self.collector.problem(
                        Some(line),
                        None,
                        ProblemKind::Structure("unexpected text after the JSON array".into()),
                    );
                    return Ok(false);
                }
            }
        }
        self.line += usize::from(b == b'\n');
        Ok(true)
    }

    fn start_element(&mut self) {
        self.phase = Phase::Element;
        self.element.clear();
        self.element_line = self.line;
        self.too_long = false;
        self.depth = 0;
        self.in_str = false;
        self.escaped = false;
    }

    fn element_byte(&mut self, b: u8) -> Result<bool, Failure> {
        if self.in_str {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => self.in_str = true,
                b'{' | b'[' => self.depth += 1,
                b',' | b']' if self.depth == 0 => {
                    self.finish_element()?;
                    self.phase = if b == b',' {
                        Phase::Between
                    } else {
                        Phase::After
                    };
                    return Ok(true);
                }
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        if !self.too_long {
            if self.element.len() < self.cap {
                self.element.push(b);
            } else {
                self.too_long = true;
                self.element.clear();
            }
        }
        self.line += usize::from(b == b'\n');
        Ok(true)
    }

    /// Records the element just scanned and moves to the next index.
    fn finish_element(&mut self) -> Result<(), Failure> {
        let (line, index) = (self.element_line, Some(self.index));
        self.index += 1;
        if self.too_long {
            self.collector.problem(
                Some(line),
                index,
                ProblemKind::RecordTooLarge {
                    cap: self.record_cap,
                    inner_cr: false,
                },
            );
            return Ok(());
        }
        let text = std::str::from_utf8(&self.element).map_err(|e| Failure::BadArrayEncoding {
            line: line
                + self.element[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count(),
        })?;
        let text = text.trim_end();
        if text.is_empty() {
            self.collector.problem(
                Some(line),
                index,
                ProblemKind::Structure("empty array element".into()),
            );
        } else {
            self.collector.record(anomaly_from_json(text), line, index);
        }
        Ok(())
    }

    fn at_end(&mut self) -> Result<(), Failure> {
        match self.phase {
            Phase::After => return Ok(()),
            Phase::Element => self.finish_element()?,
            Phase::Open | Phase::Between => {}
        }
        let line = self.line;
        self.collector.problem(
            Some(line),
            None,
            ProblemKind::Structure(UNTERMINATED.into()),
        );
        Ok(())
    }
}
