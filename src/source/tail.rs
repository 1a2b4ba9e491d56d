//! Incremental reading of anomaly files (docs/formats.md, "Tailing"): an NDJSON file is read from
//! a cursor — (device, inode, byte offset) plus fingerprints of the bytes before the offset — so
//! appended lines cost work proportional to the bytes appended, and a JSON array file is stamped
//! so it is re-read only when it changed. Both are pure functions of the file and the previous
//! cursor or stamp: the caller keeps those (durably, as JSON) and decides when to call again.
//! The array files' stamp, the file identity and the fingerprints are in `stamp.rs`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::domain::{Anomaly, anomaly_from_json};

use super::lines::{LineFit, read_bounded_line};
use super::sniff::{SNIFF_BYTES, cr_only_lines, utf16_encoding};
use super::stamp::{Identity, hash_range, last_byte, open_identified, read_error};
use super::{ProblemKind, RecordProblem, SourceError, SourceLimits};

/// How many bytes each fingerprint covers: the start of the file and the end of what was read.
const WINDOW: u64 = 4096;
const BOM: &[u8] = b"\xEF\xBB\xBF";
const READ_BUFFER: usize = 64 * 1024;

/// Where the last read of an NDJSON file stopped. Serializable so the store can keep it as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TailCursor {
    /// Device and inode of the file read: a different pair at the same path is a new file.
    pub dev: u64,
    pub ino: u64,
    /// Bytes consumed: the end of the last complete line (a partial last line is not consumed).
    pub offset: u64,
    /// Lines consumed; the next line read is line `line + 1`.
    pub line: u64,
    /// The file's size when it was read (may include a partial line past `offset`).
    pub len_at_read: u64,
    /// Modification time then, in nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
    /// FNV-1a of bytes `0..min(offset, 4 KiB)`.
    pub head_hash: u64,
    /// FNV-1a of the last ≤ 4 KiB before `offset`.
    pub tail_hash: u64,
}

/// Why a read started over from the beginning of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reset {
    /// No reset: only the bytes past the cursor were read.
    None,
    /// There was no cursor.
    FirstRead,
    /// The path now names another file (device or inode changed): rotated or replaced.
    Replaced,
    /// The file is shorter than the cursor's offset, or the bytes before the offset changed
    /// (rewritten in place, whatever its new size).
    Truncated,
}

/// What one call of [`tail_ndjson`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TailRead {
    /// Good records from the lines read, in file order. A record whose id appears again later in
    /// the same read is replaced by the later one (an appended record is an update).
    pub anomalies: Vec<Anomaly>,
    /// Skipped lines, with absolute (1-based, whole-file) line numbers.
    pub problems: Vec<RecordProblem>,
    /// Where to start next time.
    pub cursor: TailCursor,
    pub reset: Reset,
    /// Bytes read past the starting point (the whole file after a reset, else the appended
    /// bytes). Besides, at most four fingerprint windows of ≤ 4 KiB are read.
    pub bytes_read: u64,
    /// `false` when more was appended than one read may take (`max_file_bytes`): call again.
    pub caught_up: bool,
}

/// Reads the complete lines of the NDJSON file at `path` past `cursor` (all of them without a
/// cursor, or when the file was replaced, truncated or rewritten; see [`Reset`]). The file is
/// refused as [`super::FileSource`] refuses it: not a regular file, or (read from the start)
/// UTF-16, CR-only, or over `max_file_bytes`. Past a cursor, `max_file_bytes` bounds one read.
pub fn tail_ndjson(
    path: &Path,
    cursor: Option<&TailCursor>,
    limits: &SourceLimits,
) -> Result<TailRead, SourceError> {
    tail_ndjson_batch(path, cursor, limits, u64::MAX)
}

/// [`tail_ndjson`] that reads at most about `batch_bytes` past its starting point (whole lines;
/// at least 64 KiB), so a large file is ingested in bounded pieces: each piece's records and the
/// cursor after it can be stored together, and memory stays proportional to the piece. Call
/// again with the returned cursor until [`TailRead::caught_up`].
pub fn tail_ndjson_batch(
    path: &Path,
    cursor: Option<&TailCursor>,
    limits: &SourceLimits,
    batch_bytes: u64,
) -> Result<TailRead, SourceError> {
    let batch = batch_bytes.max(SNIFF_BYTES as u64);
    let io_err = read_error(path);
    let (mut file, id) = open_identified(path)?;
    let (from, reset) = match cursor {
        None => (None, Reset::FirstRead),
        Some(c) if (c.dev, c.ino) != (id.dev, id.ino) => (None, Reset::Replaced),
        Some(c) if id.len < c.offset => (None, Reset::Truncated),
        Some(c) if !unchanged_before(&mut file, c).map_err(&io_err)? => (None, Reset::Truncated),
        Some(c) => (Some(c), Reset::None),
    };
    let mut read = match from.filter(|c| c.offset > 0) {
        Some(c) => read_appended(&mut file, &id, c, path, limits, batch)?,
        None => read_from_start(&mut file, &id, path, limits, batch)?,
    };
    read.reset = reset;
    let offset = read.cursor.offset;
    read.cursor.head_hash = match from {
        Some(c) if c.offset >= WINDOW => c.head_hash,
        _ => hash_range(&mut file, 0, offset.min(WINDOW)).map_err(&io_err)?,
    };
    read.cursor.tail_hash = match from {
        Some(c) if c.offset == offset => c.tail_hash,
        _ => hash_range(&mut file, offset - offset.min(WINDOW), offset).map_err(&io_err)?,
    };
    Ok(read)
}

/// Whether the bytes the cursor covers are still those it fingerprinted.
fn unchanged_before(file: &mut File, c: &TailCursor) -> io::Result<bool> {
    let head = hash_range(file, 0, c.offset.min(WINDOW))?;
    let tail = hash_range(file, c.offset - c.offset.min(WINDOW), c.offset)?;
    Ok(head == c.head_hash && tail == c.tail_hash)
}

/// A (re)start: the whole file under the file cap, with the refused-file checks of a load.
fn read_from_start(
    file: &mut File,
    id: &Identity,
    path: &Path,
    limits: &SourceLimits,
    batch: u64,
) -> Result<TailRead, SourceError> {
    let io_err = read_error(path);
    if id.len > limits.max_file_bytes {
        return Err(too_large(path, id, limits));
    }
    let mut head = Vec::new();
    file.seek(SeekFrom::Start(0)).map_err(&io_err)?;
    (&mut *file)
        .take(id.len.min(SNIFF_BYTES as u64))
        .read_to_end(&mut head)
        .map_err(&io_err)?;
    if let Some(encoding) = utf16_encoding(&head) {
        let path = path.to_path_buf();
        return Err(SourceError::Utf16 { path, encoding });
    }
    let bom = if head.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &head[bom..];
    if let Some(at) = body.iter().position(|b| !b.is_ascii_whitespace())
        && body[at] == b'['
    {
        return Ok(json_array_refused(id, body, at, head.len() as u64));
    }
    if cr_only_lines(body) {
        let path = path.to_path_buf();
        return Err(SourceError::CrOnly { path });
    }
    let sniffed = head.len() as u64;
    // `batch` is at least the sniffed length, so the sniffed head is always inside the span.
    let end = id.len.min(batch.max(sniffed));
    let ends_with_newline = last_byte(file, end).map_err(&io_err)? == Some(b'\n');
    let mut start = Cursor::new(head);
    start.set_position(bom as u64);
    file.seek(SeekFrom::Start(sniffed)).map_err(&io_err)?;
    let rest = (&mut *file).take(end - sniffed);
    let span = Span {
        start: 0,
        first_byte: bom as u64,
        end,
        ends_with_newline,
        lines_before: 0,
    };
    read_lines(start.chain(rest), span, id, limits).map_err(&io_err)
}

/// An array file is not tailed: it is read whole when it changes ([`super::json_changed`]).
fn json_array_refused(id: &Identity, body: &[u8], at: usize, sniffed: u64) -> TailRead {
    let line = 1 + body[..at].iter().filter(|&&b| b == b'\n').count();
    let problem = RecordProblem {
        line: Some(line),
        index: None,
        kind: ProblemKind::Structure(
            "the file is a JSON array, not NDJSON, so it is not tailed: read it whole when json_changed says it changed".into(),
        ),
    };
    TailRead {
        anomalies: Vec::new(),
        problems: vec![problem],
        cursor: cursor_at(id, 0, 0),
        reset: Reset::None,
        bytes_read: sniffed,
        caught_up: true,
    }
}

/// Past a valid cursor: only the appended bytes, at most `max_file_bytes` of them.
fn read_appended(
    file: &mut File,
    id: &Identity,
    c: &TailCursor,
    path: &Path,
    limits: &SourceLimits,
    batch: u64,
) -> Result<TailRead, SourceError> {
    let io_err = read_error(path);
    let step = limits.max_file_bytes.min(batch);
    let end = id.len.min(c.offset.saturating_add(step));
    let ends_with_newline = last_byte(file, end).map_err(&io_err)? == Some(b'\n');
    file.seek(SeekFrom::Start(c.offset)).map_err(&io_err)?;
    let span = Span {
        start: c.offset,
        first_byte: c.offset,
        end,
        ends_with_newline,
        lines_before: c.line,
    };
    let read = read_lines((&mut *file).take(end - c.offset), span, id, limits).map_err(&io_err)?;
    if read.cursor.offset == c.offset && !read.caught_up {
        // One line longer than a whole read can never complete under this cap.
        return Err(too_large(path, id, limits));
    }
    Ok(read)
}

fn too_large(path: &Path, id: &Identity, limits: &SourceLimits) -> SourceError {
    SourceError::TooLarge {
        path: path.to_path_buf(),
        size: Some(id.len),
        cap: limits.max_file_bytes,
    }
}

/// The part of the file one read covers.
#[derive(Debug, Clone, Copy)]
struct Span {
    /// Where reading starts (the cursor stays here if no line completes).
    start: u64,
    /// Where the first line starts (after a BOM).
    first_byte: u64,
    /// Where reading stops (the file's size, or the per-read cap).
    end: u64,
    /// Whether the byte before `end` is a newline; if not, the last line is partial.
    ends_with_newline: bool,
    lines_before: u64,
}

/// Parses the complete lines of `span` from `reader` (which yields the bytes from
/// `span.first_byte`), under the record cap.
fn read_lines<R: Read>(
    reader: R,
    span: Span,
    id: &Identity,
    limits: &SourceLimits,
) -> io::Result<TailRead> {
    let mut r = Counted {
        inner: BufReader::with_capacity(READ_BUFFER, reader),
        pos: span.first_byte,
    };
    let mut buf = Vec::new();
    let (mut line, mut consumed) = (span.lines_before, span.start);
    let mut records = Records::default();
    while let Some(fit) = read_bounded_line(&mut r, &mut buf, limits.record_cap())? {
        if r.pos >= span.end && !span.ends_with_newline {
            break; // A partial last line: read again once its newline arrives.
        }
        line += 1;
        consumed = r.pos;
        let line_no = usize::try_from(line).unwrap_or(usize::MAX);
        if let LineFit::TooLong { inner_cr } = fit {
            let cap = limits.max_record_bytes;
            records.problem(line_no, ProblemKind::RecordTooLarge { cap, inner_cr });
            continue;
        }
        let raw = buf.strip_suffix(b"\r").unwrap_or(&buf);
        if raw.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        match std::str::from_utf8(raw) {
            Ok(text) => match anomaly_from_json(text.trim()) {
                Ok(a) => records.keep(a, line_no),
                Err(e) => records.problem(line_no, ProblemKind::Record(e)),
            },
            Err(_) => records.problem(line_no, ProblemKind::Encoding),
        }
    }
    Ok(TailRead {
        anomalies: records.anomalies,
        problems: records.problems,
        cursor: cursor_at(id, consumed, line),
        reset: Reset::None,
        bytes_read: r.pos - span.start,
        caught_up: span.end == id.len,
    })
}

/// The records of one read; a repeated id replaces the earlier record in place, and the
/// earlier line is reported as a duplicate (as a whole-file load reports it).
#[derive(Default)]
struct Records {
    anomalies: Vec<Anomaly>,
    problems: Vec<RecordProblem>,
    /// Id → (slot in `anomalies`, line it was read from).
    slots: HashMap<String, (usize, usize)>,
}

impl Records {
    fn keep(&mut self, a: Anomaly, line: usize) {
        match self.slots.get_mut(&a.id) {
            Some((slot, earlier)) => {
                let kind = ProblemKind::Duplicate {
                    id: a.id.clone(),
                    later_line: line,
                    later_index: None,
                };
                let at = *earlier;
                *earlier = line;
                self.anomalies[*slot] = a;
                self.problem(at, kind);
            }
            None => {
                self.slots
                    .insert(a.id.clone(), (self.anomalies.len(), line));
                self.anomalies.push(a);
            }
        }
    }

    fn problem(&mut self, line: usize, kind: ProblemKind) {
        self.problems.push(RecordProblem {
            line: Some(line),
            index: None,
            kind,
        });
    }
}

/// A cursor at `offset` (fingerprints filled in by the caller).
fn cursor_at(id: &Identity, offset: u64, line: u64) -> TailCursor {
    TailCursor {
        dev: id.dev,
        ino: id.ino,
        offset,
        line,
        len_at_read: id.len,
        mtime_ns: id.mtime_ns,
        head_hash: 0,
        tail_hash: 0,
    }
}

/// A buffered reader that knows its absolute position in the file.
struct Counted<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.pos += amount as u64;
    }
}

#[cfg(test)]
#[path = "tail_tests.rs"]
mod tests;
