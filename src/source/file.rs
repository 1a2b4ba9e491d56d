//! The file source: a JSON array or NDJSON file on disk.

use std::path::{Path, PathBuf};

use super::parse::{ParseOutcome, parse_bytes};
use super::{AnomalySource, LoadReport, SourceError};

/// Reads anomalies from one file (format auto-detected, see [`super::parse_anomalies`]).
#[derive(Debug, Clone)]
pub struct FileSource {
    name: String,
    path: PathBuf,
}

impl FileSource {
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>) -> FileSource {
        FileSource {
            name: name.into(),
            path: path.into(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl AnomalySource for FileSource {
    fn name(&self) -> &str {
        &self.name
    }

    fn load(&self) -> Result<LoadReport, SourceError> {
        let bytes = std::fs::read(&self.path).map_err(|source| SourceError::Read {
            path: self.path.clone(),
            source,
        })?;
        match parse_bytes(&bytes) {
            ParseOutcome::Report(r) => Ok(r),
            ParseOutcome::BadArrayEncoding { line } => Err(SourceError::Encoding {
                path: self.path.clone(),
                line,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn loads_from_disk_and_reports_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ndjson");
        std::fs::write(
            &path,
            "{\"id\":\"A-1\",\"title\":\"t\"}\n{\"id\":\"A-2\",\"title\":\"u\",\"severity\":\"urgent\"}\n",
        )
        .unwrap();
        let src = FileSource::new("wh", &path);
        assert_eq!(src.name(), "wh");
        let r = src.load().unwrap();
        assert_eq!(r.anomalies.len(), 1);
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].line, Some(2));

        let missing = FileSource::new("wh", dir.path().join("nope.json"));
        let e = missing.load().unwrap_err();
        assert!(
            e.to_string().starts_with("cannot read anomaly file "),
            "{e}"
        );
    }

    #[test]
    fn array_with_bad_utf8_is_an_error_with_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"[\n{\"id\":\"A-1\",\n\"title\":\"\xff\"}]").unwrap();
        let e = FileSource::new("wh", &path).load().unwrap_err();
        assert!(matches!(e, SourceError::Encoding { line: 3, .. }), "{e}");
    }

    #[test]
    fn bundled_sample_loads_cleanly() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/anomalies.ndjson");
        let r = FileSource::new("sample", path).load().unwrap();
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert!(r.anomalies.len() >= 40);
    }
}
