//! Reading a file source incrementally (docs/sources.md §Files): an NDJSON file is tailed from
//! its stored cursor in bounded pieces, each piece committed with the cursor after it; a JSON
//! array file is re-read whole, and only when its stamp says it changed. Blocking: run it on a
//! blocking thread.

use std::path::Path;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::SourceConfig;
use crate::source::{
    AnomalySource, FileChange, FileSource, FileStamp, RecordProblem, SourceError, TailCursor,
    json_changed, tail_ndjson_batch,
};
use crate::store::{RawForm, SourceBatch, Store, UpsertReport};

use super::error::IngestError;

/// How much of an NDJSON file one piece reads: ~4,500 typical records, ~10 MB in memory (two
/// pieces are in memory at once: one being parsed, one being stored).
pub const BATCH_BYTES: u64 = 2 * 1024 * 1024;

/// What the store keeps between reads of a file source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum FileCursor {
    Ndjson { tail: TailCursor },
    Array { stamp: FileStamp },
}

/// What one read of a file did.
#[derive(Debug, Default, Clone)]
pub struct FileRead {
    pub report: UpsertReport,
    pub problems: Vec<RecordProblem>,
    /// Bytes parsed (appended bytes for a tail that did not start over).
    pub bytes_read: u64,
    /// Whether the read started over (first read, file replaced or truncated).
    pub reset: bool,
}

/// Reads what is new in the file source `src` into the store.
/// `committed` is called after each piece that wrote rows.
pub fn read_file_source(
    store: &mut Store,
    src: &SourceConfig,
    next_poll_at: Timestamp,
    committed: &dyn Fn(),
) -> Result<FileRead, IngestError> {
    let state = store.source_state(&src.name)?;
    // A healthy source checked recently is not written to when nothing changed: a quiet file
    // costs one `stat` and two 4 KiB fingerprints per check, and no store write.
    let quiet_ok = state.as_ref().is_some_and(|s| {
        s.last_error.is_none()
            && s.last_success_at
                .is_some_and(|t| Timestamp::now().duration_since(t).as_secs() < HEALTH_REFRESH_SECS)
    });
    let previous: Option<FileCursor> = state
        .and_then(|s| s.cursor)
        .and_then(|c| serde_json::from_str(&c).ok());
    match previous {
        Some(FileCursor::Array { stamp }) => {
            if quiet_ok
                && matches!(
                    json_changed(&src.path, Some(&stamp), &src.limits()),
                    Ok(FileChange::Unchanged)
                )
            {
                return Ok(FileRead::default());
            }
            read_array(store, src, Some(&stamp), next_poll_at, committed)
        }
        Some(FileCursor::Ndjson { tail }) => {
            read_ndjson(store, src, Some(tail), quiet_ok, next_poll_at, committed)
        }
        None if looks_like_array(&src.path, src)? => {
            read_array(store, src, None, next_poll_at, committed)
        }
        None => read_ndjson(store, src, None, false, next_poll_at, committed),
    }
}

/// How old a healthy source's recorded success may get before a quiet check records it again.
const HEALTH_REFRESH_SECS: i64 = 30;

/// Whether the file starts (after a BOM and blanks) with `[`. Refused files are refused here
/// with the error a load gives.
fn looks_like_array(path: &Path, src: &SourceConfig) -> Result<bool, IngestError> {
    let probe = crate::source::probe_file(path, &src.limits()).map_err(source_error(src))?;
    Ok(probe.is_array)
}

fn source_error(src: &SourceConfig) -> impl Fn(SourceError) -> IngestError + '_ {
    move |e| IngestError::Source {
        source_name: src.name.clone(),
        message: e.to_string(),
    }
}

fn read_ndjson(
    store: &mut Store,
    src: &SourceConfig,
    cursor: Option<TailCursor>,
    quiet_ok: bool,
    next_poll_at: Timestamp,
    committed: &dyn Fn(),
) -> Result<FileRead, IngestError> {
    // Parsing and storing overlap: a reader thread parses piece N+1 while this thread commits
    // piece N (one piece in between at most, so memory stays bounded).
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Piece, SourceError>>(1);
        scope.spawn(move || parse_pieces(src, cursor, &tx));
        let mut out = FileRead::default();
        for piece in rx {
            let Piece { read, no_progress } = piece.map_err(source_error(src))?;
            if read.problems.iter().any(is_array_notice) {
                // The file was replaced by a JSON array: read it as one from now on.
                return read_array(store, src, None, next_poll_at, committed);
            }
            if no_progress && read.caught_up && read.problems.is_empty() && quiet_ok {
                return Ok(out); // Nothing new (at most a partial line): nothing to write.
            }
            out.reset |= read.reset != crate::source::Reset::None;
            out.bytes_read += read.bytes_read;
            let next = FileCursor::Ndjson { tail: read.cursor };
            let text =
                serde_json::to_string(&next).map_err(|e| IngestError::Internal(e.to_string()))?;
            // Without waiting for the disk: a piece lost to a power cut takes its cursor with
            // it (one transaction), so it is simply read again.
            let report = store.with_relaxed_sync(|store| {
                store.apply_source_batch(
                    &SourceBatch {
                        source: &src.name,
                        kind: "file",
                        anomalies: &read.anomalies,
                        form: RawForm::Record,
                        resolved: &[],
                        cursor: Some(&text),
                        capabilities: &[],
                        problems: read.problems.len(),
                        last: read.caught_up,
                        next_poll_at: Some(next_poll_at),
                    },
                    Timestamp::now(),
                )
            })?;
            if report.changed() > 0 {
                committed();
            }
            out.report.add(report);
            out.problems.extend(read.problems);
            if read.caught_up {
                return Ok(out);
            }
        }
        Err(IngestError::Internal(format!(
            "source {}: the file reader stopped before the end of the file",
            src.name
        )))
    })
}

/// One parsed piece of an NDJSON file, in file order.
struct Piece {
    read: crate::source::TailRead,
    /// The piece did not move the cursor (nothing new, or one line longer than a piece).
    no_progress: bool,
}

/// Parses the file from `cursor` piece by piece until it is caught up (or the receiver is gone:
/// the writer stopped).
fn parse_pieces(
    src: &SourceConfig,
    mut cursor: Option<TailCursor>,
    tx: &std::sync::mpsc::SyncSender<Result<Piece, SourceError>>,
) {
    let mut batch = BATCH_BYTES;
    loop {
        let read = match tail_ndjson_batch(&src.path, cursor.as_ref(), &src.limits(), batch) {
            Ok(read) => read,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let no_progress = Some(read.cursor.offset) == cursor.map(|c| c.offset)
            && read.reset == crate::source::Reset::None;
        let last = read.caught_up || read.problems.iter().any(is_array_notice);
        let stalled = no_progress && !read.caught_up;
        cursor = Some(read.cursor);
        if tx.send(Ok(Piece { read, no_progress })).is_err() || last {
            return;
        }
        if stalled {
            // One line longer than a piece: read it in one go (still under the file cap).
            batch = u64::MAX;
        }
    }
}

fn is_array_notice(p: &RecordProblem) -> bool {
    matches!(&p.kind, crate::source::ProblemKind::Structure(s) if s.contains("is a JSON array"))
}

fn read_array(
    store: &mut Store,
    src: &SourceConfig,
    stamp: Option<&FileStamp>,
    next_poll_at: Timestamp,
    committed: &dyn Fn(),
) -> Result<FileRead, IngestError> {
    // The stamp is taken before reading, so a change made meanwhile shows next time.
    let change = json_changed(&src.path, stamp, &src.limits()).map_err(source_error(src))?;
    let (stamp, load) = match change {
        FileChange::Unchanged => (stamp.copied(), None),
        FileChange::Touched(s) => (Some(s), None),
        FileChange::Changed(s) => {
            let file = FileSource::new(&src.name, &src.path).with_limits(src.limits());
            (Some(s), Some(file.load().map_err(source_error(src))?))
        }
    };
    let cursor = stamp
        .map(|stamp| serde_json::to_string(&FileCursor::Array { stamp }))
        .transpose()
        .map_err(|e| IngestError::Internal(e.to_string()))?;
    let (anomalies, problems) = load.map(|l| (l.anomalies, l.problems)).unwrap_or_default();
    let report = store.apply_source_batch(
        &SourceBatch {
            source: &src.name,
            kind: "file",
            anomalies: &anomalies,
            form: RawForm::Record,
            resolved: &[],
            cursor: cursor.as_deref(),
            capabilities: &[],
            problems: problems.len(),
            last: true,
            next_poll_at: Some(next_poll_at),
        },
        Timestamp::now(),
    )?;
    if report.changed() > 0 {
        committed();
    }
    Ok(FileRead {
        report,
        bytes_read: if anomalies.is_empty() {
            0
        } else {
            src.path.metadata().map(|m| m.len()).unwrap_or(0)
        },
        reset: !anomalies.is_empty(),
        problems,
    })
}
