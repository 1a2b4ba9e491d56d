//! Where anomalies come from. A source loads every anomaly it knows, plus a list of the records
//! it had to skip; one bad record never stops the rest. The file source (JSON array or NDJSON)
//! is the first; Qualytics and Alertmanager adapters come later behind the same trait.
//!
//! Reading is bounded (docs/formats.md, "Limits"): only regular files are opened, a file over
//! its cap stops with an error, and a record over its cap is skipped with its line.

pub mod alertmanager;
mod array;
mod file;
mod http;
mod limits;
mod lines;
mod open;
mod parse;
pub mod qualytics;
mod sniff;
mod stamp;
mod tail;

use std::fmt;
use std::path::PathBuf;

use crate::domain::{Anomaly, RecordError};

pub use file::{FileProbe, FileSource, probe_file};
pub use limits::{Bytes, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_RECORD_BYTES, SourceLimits};
pub use parse::parse_anomalies;
pub use stamp::{FileChange, FileStamp, json_changed};
pub use tail::{Reset, TailCursor, TailRead, tail_ndjson, tail_ndjson_batch};

/// A source of anomalies.
pub trait AnomalySource: Send + Sync {
    /// The configured source name (the `source` half of every `AnomalyKey` it produces).
    fn name(&self) -> &str;
    /// Reads everything. `Err` only when nothing could be read at all (missing file, I/O error);
    /// bad records are reported in [`LoadReport::problems`].
    fn load(&self) -> Result<LoadReport, SourceError>;
}

/// What one load produced.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LoadReport {
    /// Good records, in file order. A later record with an id already seen replaces the earlier
    /// (and the earlier is reported as [`ProblemKind::Duplicate`]).
    pub anomalies: Vec<Anomaly>,
    pub problems: Vec<RecordProblem>,
}

/// One skipped record, or a problem with the file's overall shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordProblem {
    /// 1-based line where the problem is (for a field error: where the record starts).
    pub line: Option<usize>,
    /// 0-based element index, for JSON arrays.
    pub index: Option<usize>,
    pub kind: ProblemKind,
}

/// What went wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The record is JSON but not a valid anomaly (or not JSON at all).
    Record(RecordError),
    /// The line is not valid UTF-8.
    Encoding,
    /// The file's overall structure is broken (an unterminated array, text after it, …).
    Structure(String),
    /// The record is longer than the record cap (`max_record_bytes`). `inner_cr`: the line holds
    /// CR characters, so the file probably uses CR-only line endings.
    RecordTooLarge { cap: u64, inner_cr: bool },
    /// This record's id appears again later in the same source; the later record is used.
    Duplicate {
        id: String,
        later_line: usize,
        later_index: Option<usize>,
    },
}

impl RecordProblem {
    /// The field at fault, if the problem is a field error.
    pub fn field(&self) -> Option<&str> {
        match &self.kind {
            ProblemKind::Record(e) => e.field(),
            _ => None,
        }
    }
}

impl fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.index) {
            (Some(l), Some(i)) => write!(f, "line {l} (element {i}): ")?,
            (Some(l), None) => write!(f, "line {l}: ")?,
            (None, Some(i)) => write!(f, "element {i}: ")?,
            (None, None) => {}
        }
        match &self.kind {
            ProblemKind::Record(e) => write!(f, "{e}"),
            ProblemKind::Encoding => f.write_str("not valid UTF-8"),
            ProblemKind::Structure(s) => f.write_str(s),
            ProblemKind::RecordTooLarge { cap, inner_cr } => {
                write!(
                    f,
                    "record is over the {} record cap; raise max_record_bytes in its [[sources]] table",
                    Bytes(*cap)
                )?;
                if *inner_cr {
                    f.write_str(
                        " (the line holds CR characters: if the file uses CR-only line endings, convert them with `tr '\\r' '\\n' < FILE > FILE.ndjson`)",
                    )?;
                }
                Ok(())
            }
            ProblemKind::Duplicate {
                id,
                later_line,
                later_index,
            } => {
                write!(f, "id {id:?} appears again at line {later_line}")?;
                if let Some(i) = later_index {
                    write!(f, " (element {i})")?;
                }
                f.write_str("; the later record is used")
            }
        }
    }
}

/// The source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "cannot read anomaly file {path}: {source}; check path in its [[sources]] table (and the file's permissions)"
    )]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("anomaly file {path} is not valid UTF-8 near line {line}; save it as UTF-8")]
    Encoding { path: PathBuf, line: usize },
    #[error(
        "anomaly file {path} is {what}, not a regular file; point path in its [[sources]] table at a JSON or NDJSON file (to read a pipe or device, copy its output to a file first)"
    )]
    NotRegular { path: PathBuf, what: &'static str },
    #[error("{}", too_large(path, *size, *cap))]
    TooLarge {
        path: PathBuf,
        /// The size when it was known before reading (`None`: it grew while being read).
        size: Option<u64>,
        cap: u64,
    },
    #[error(
        "anomaly file {path} is UTF-16; convert it to UTF-8 with `iconv -f {encoding} -t UTF-8 {path} > anomalies.ndjson` and point path at the result"
    )]
    Utf16 {
        path: PathBuf,
        /// As `iconv -f` names it: `UTF-16` (with a BOM), `UTF-16LE`, `UTF-16BE`.
        encoding: &'static str,
    },
    #[error(
        "anomaly file {path} uses CR-only (old Mac) line endings, so it reads as one line; convert them with `tr '\\r' '\\n' < {path} > anomalies.ndjson` and point path at the result"
    )]
    CrOnly { path: PathBuf },
}

fn too_large(path: &std::path::Path, size: Option<u64>, cap: u64) -> String {
    let how = match size {
        Some(s) => format!("is {}", Bytes(s)),
        None => "grew while being read".to_owned(),
    };
    format!(
        "anomaly file {} {how}, over the {} file cap; raise max_file_bytes in its [[sources]] table, or split the file",
        path.display(),
        Bytes(cap)
    )
}
