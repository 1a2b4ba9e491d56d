//! The file source: a JSON array or NDJSON file on disk, read under its caps.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::limits::SourceLimits;
use super::open::{Capped, open_regular};
use super::parse::{Failure, parse_reader};
use super::sniff::{SNIFF_BYTES, cr_only_lines, utf16_encoding};
use super::{AnomalySource, LoadReport, SourceError};

/// Reads anomalies from one file (format auto-detected, see [`super::parse_anomalies`]).
#[derive(Debug, Clone)]
pub struct FileSource {
    name: String,
    path: PathBuf,
    limits: SourceLimits,
}

impl FileSource {
    /// A file source under the default caps.
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>) -> FileSource {
        FileSource {
            name: name.into(),
            path: path.into(),
            limits: SourceLimits::default(),
        }
    }

    /// The same source under other caps (from its `[[sources]]` table).
    pub fn with_limits(mut self, limits: SourceLimits) -> FileSource {
        self.limits = limits;
        self
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
        let (file, _) = open_regular(&self.path, &self.limits)?;
        parse_reader(Capped::new(file, self.limits.max_file_bytes), &self.limits)
            .map_err(|f| file_error(&self.path, &self.limits, f))
    }
}

/// What a quick look at a source file found (for `config check` and `doctor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileProbe {
    pub size: u64,
    /// The first character (after a BOM and blanks) is `[`: a JSON array file.
    pub is_array: bool,
}

/// Checks, without parsing it, that `path` can be loaded: a regular file under its cap, neither
/// UTF-16 nor CR-only. Reads at most the first 64 KiB.
pub fn probe_file(path: &Path, limits: &SourceLimits) -> Result<FileProbe, SourceError> {
    let (file, size) = open_regular(path, limits)?;
    let mut head = Vec::new();
    file.take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|source| SourceError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if let Some(encoding) = utf16_encoding(&head) {
        return Err(file_error(path, limits, Failure::Utf16(encoding)));
    }
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let is_array = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if !is_array && cr_only_lines(body) {
        return Err(file_error(path, limits, Failure::CrOnly));
    }
    Ok(FileProbe { size, is_array })
}

fn file_error(path: &Path, limits: &SourceLimits, f: Failure) -> SourceError {
    let path = path.to_path_buf();
    match f {
        Failure::Io(e) if e.kind() == io::ErrorKind::FileTooLarge => SourceError::TooLarge {
            path,
            size: None,
            cap: limits.max_file_bytes,
        },
        Failure::Io(source) => SourceError::Read { path, source },
        Failure::BadArrayEncoding { line } => SourceError::Encoding { path, line },
        Failure::Utf16(encoding) => SourceError::Utf16 { path, encoding },
        Failure::CrOnly => SourceError::CrOnly { path },
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
