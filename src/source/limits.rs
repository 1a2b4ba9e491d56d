//! How much one source may make snowlink read. Every command reads every source, so a source
//! that is huge (or endless) must stop with a clear error instead of eating memory. The caps are
//! per source (`max_file_bytes`, `max_record_bytes` in `[[sources]]`, docs/config.md).

use std::fmt;

/// Default per-file cap: 256 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * MIB;
/// Default per-record cap (one NDJSON line or one array element): 1 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = MIB;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// The caps one source is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimits {
    /// Reading stops with [`super::SourceError::TooLarge`] beyond this many bytes.
    pub max_file_bytes: u64,
    /// A record longer than this is reported with its line and skipped; the rest loads.
    pub max_record_bytes: u64,
}

impl Default for SourceLimits {
    fn default() -> Self {
        SourceLimits {
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

impl SourceLimits {
    /// The record cap as a buffer length (a cap above the address space cannot be reached).
    pub(crate) fn record_cap(&self) -> usize {
        usize::try_from(self.max_record_bytes).unwrap_or(usize::MAX)
    }
}

/// A byte count for messages: `256 MiB`, `1.5 KiB`, `100 bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, name) in [(GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")] {
            if n >= unit {
                return if n.is_multiple_of(unit) {
                    write!(f, "{} {name}", n / unit)
                } else {
                    // Lossy on purpose: a message needs the magnitude, the exact value is in
                    // the config.
                    let v = n as f64 / unit as f64;
                    write!(f, "{v:.1} {name}")
                };
            }
        }
        write!(f, "{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(Bytes(DEFAULT_MAX_FILE_BYTES).to_string(), "256 MiB");
        assert_eq!(Bytes(DEFAULT_MAX_RECORD_BYTES).to_string(), "1 MiB");
        assert_eq!(Bytes(1536).to_string(), "1.5 KiB");
        assert_eq!(Bytes(100).to_string(), "100 bytes");
        assert_eq!(Bytes(3 * GIB).to_string(), "3 GiB");
    }
}
