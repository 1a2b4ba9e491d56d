//! `snowlink load FILE`: one file read whole into the store under a source name (configured
//! sources are read by the ingester, `src/ingest/`). A bad record is reported with its line and skipped;
//! the rest loads. Every read is bounded by the source's caps (docs/formats.md, "Limits").

use std::path::Path;

use jiff::Timestamp;
use serde::Serialize;

use crate::source::{AnomalySource, FileSource, SourceLimits};
use crate::store::{Store, UpsertReport};

use super::error::{OpsError, OpsResult};

/// What loading one source did.
#[derive(Debug, Clone, Serialize)]
pub struct SourceLoad {
    pub source: String,
    pub path: String,
    pub loaded: usize,
    #[serde(flatten)]
    pub upsert: UpsertReport,
    /// One line per skipped record: `line 7: field "severity": …`.
    pub problems: Vec<String>,
}

/// Loads one anomaly file under source name `source`, under the default caps (`snowlink load
/// FILE`, which has no `[[sources]]` table).
pub fn load_file(store: &mut Store, source: &str, path: &Path) -> OpsResult<SourceLoad> {
    load_with_limits(store, source, path, SourceLimits::default())
}

fn load_with_limits(
    store: &mut Store,
    source: &str,
    path: &Path,
    limits: SourceLimits,
) -> OpsResult<SourceLoad> {
    let file = FileSource::new(source, path).with_limits(limits);
    let report = file
        .load()
        .map_err(|e| OpsError::Invalid(format!("source {source}: {e}")))?;
    let upsert = store.upsert_anomalies(source, &report.anomalies, Timestamp::now())?;
    Ok(SourceLoad {
        source: source.to_string(),
        path: path.display().to_string(),
        loaded: report.anomalies.len(),
        upsert,
        problems: report.problems.iter().map(|p| p.to_string()).collect(),
    })
}
