//! Where anomalies come from. A source loads every anomaly it knows, plus a list of the records
//! it had to skip; one bad record never stops the rest. The file source (JSON array or NDJSON)
//! is the first; Qualytics and Alertmanager adapters come later behind the same trait.

mod file;
mod parse;

use std::fmt;
use std::path::PathBuf;

use crate::domain::{Anomaly, RecordError};

pub use file::FileSource;
pub use parse::parse_anomalies;

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
    /// Good records, in file order. A later record with an id already seen replaces the earlier.
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
        }
    }
}

/// The source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read anomaly file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("anomaly file {path} is not valid UTF-8 near line {line}")]
    Encoding { path: PathBuf, line: usize },
}
