//! Knowing whether a file changed without reading it all: its identity (device, inode, size,
//! times) from `stat`, and cheap FNV-1a fingerprints of its bytes. A JSON array file cannot be
//! read in parts, so it is re-read whole, but only when [`json_changed`] says it changed; the
//! NDJSON tail (`tail.rs`) fingerprints the bytes before its cursor with the same hash.
//!
//! FNV-1a rather than `DefaultHasher`: stamps and cursors are stored, and std's hasher may change
//! between Rust releases (every stored fingerprint would then look changed).

use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SourceError;
use super::limits::SourceLimits;
use super::open::open_regular;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const HASH_BUFFER: usize = 64 * 1024;

/// What a JSON array file was when it was last read. Serializable so the store can keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub dev: u64,
    pub ino: u64,
    pub len: u64,
    /// Modification and status-change times, nanoseconds since the Unix epoch. The status-change
    /// time cannot be set back by tools that keep the modification time (`cp -p`, `rsync -t`).
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    /// FNV-1a of the whole file.
    pub hash: u64,
}

/// What [`json_changed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileChange {
    /// Same file, size and times as the stamp: nothing was read.
    Unchanged,
    /// The size or times (or the inode) changed but the content hashes the same: keep the new
    /// stamp, there is nothing to re-read.
    Touched(FileStamp),
    /// The content changed (or there was no stamp): re-read the file, then keep this stamp.
    Changed(FileStamp),
}

/// Whether the file at `path` changed since `previous` was taken. The content is hashed (streamed,
/// in 64 KiB pieces) only when the size, times or inode differ. The file is refused as a load
/// refuses it (not a regular file, over `max_file_bytes`). Take the stamp before reading the file:
/// a change made in between then shows as a change next time.
pub fn json_changed(
    path: &Path,
    previous: Option<&FileStamp>,
    limits: &SourceLimits,
) -> Result<FileChange, SourceError> {
    let (mut file, id) = open_identified(path)?;
    if id.len > limits.max_file_bytes {
        return Err(SourceError::TooLarge {
            path: path.to_path_buf(),
            size: Some(id.len),
            cap: limits.max_file_bytes,
        });
    }
    if let Some(p) = previous
        && (p.dev, p.ino, p.len, p.mtime_ns, p.ctime_ns)
            == (id.dev, id.ino, id.len, id.mtime_ns, id.ctime_ns)
    {
        return Ok(FileChange::Unchanged);
    }
    let hash = hash_range(&mut file, 0, id.len).map_err(read_error(path))?;
    let stamp = FileStamp {
        dev: id.dev,
        ino: id.ino,
        len: id.len,
        mtime_ns: id.mtime_ns,
        ctime_ns: id.ctime_ns,
        hash,
    };
    Ok(match previous {
        Some(p) if p.hash == hash && p.len == id.len => FileChange::Touched(stamp),
        _ => FileChange::Changed(stamp),
    })
}

/// The size, identity and times of an open file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Identity {
    pub(super) dev: u64,
    pub(super) ino: u64,
    pub(super) len: u64,
    pub(super) mtime_ns: i64,
    pub(super) ctime_ns: i64,
}

/// Opens `path` with the refused-file checks of `open.rs` (the size cap is the caller's: a tail
/// reads only part of the file) and tells what the opened file is.
pub(super) fn open_identified(path: &Path) -> Result<(File, Identity), SourceError> {
    let uncapped = SourceLimits {
        max_file_bytes: u64::MAX,
        ..SourceLimits::default()
    };
    let (file, _) = open_regular(path, &uncapped)?;
    let meta = file.metadata().map_err(read_error(path))?;
    Ok((file, identity(&meta)))
}

pub(super) fn read_error(path: &Path) -> impl Fn(io::Error) -> SourceError + '_ {
    move |source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(unix)]
fn identity(meta: &Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Identity {
        dev: meta.dev(),
        ino: meta.ino(),
        len: meta.len(),
        mtime_ns: nanos(meta.mtime(), meta.mtime_nsec()),
        ctime_ns: nanos(meta.ctime(), meta.ctime_nsec()),
    }
}

/// Without inodes a replaced file is found by its fingerprints alone.
#[cfg(not(unix))]
fn identity(meta: &Metadata) -> Identity {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Identity {
        dev: 0,
        ino: 0,
        len: meta.len(),
        mtime_ns: mtime,
        ctime_ns: mtime,
    }
}

/// Seconds and nanoseconds as one count (saturating: past the year 2262 is not our problem).
#[cfg(unix)]
fn nanos(secs: i64, nsec: i64) -> i64 {
    secs.saturating_mul(1_000_000_000).saturating_add(nsec)
}

/// The byte before `end` (`None` for an empty range).
pub(super) fn last_byte(file: &mut File, end: u64) -> io::Result<Option<u8>> {
    if end == 0 {
        return Ok(None);
    }
    file.seek(SeekFrom::Start(end - 1))?;
    let mut byte = [0u8; 1];
    file.read_exact(&mut byte)?;
    Ok(Some(byte[0]))
}

/// FNV-1a of bytes `from..to` of `file` (streamed; a file that shrank fails as `UnexpectedEof`).
pub(super) fn hash_range(file: &mut File, from: u64, to: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(from))?;
    let mut left = to.saturating_sub(from);
    let mut buf = vec![0u8; HASH_BUFFER.min(usize::try_from(left).unwrap_or(HASH_BUFFER))];
    let mut hash = FNV_OFFSET;
    while left > 0 {
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        file.read_exact(&mut buf[..n])?;
        hash = fnv1a(hash, &buf[..n]);
        left -= n as u64;
    }
    Ok(hash)
}

fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_values() {
        // From the FNV reference test suite (64-bit FNV-1a).
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(
            fnv1a(fnv1a(FNV_OFFSET, b"foo"), b"bar"),
            fnv1a(FNV_OFFSET, b"foobar")
        );
    }
}
