//! Opening a source file without ever blocking: only regular files are read. A FIFO would block
//! `open` until a writer appears (and then stream forever), a device like `/dev/zero` never ends,
//! and a directory is a mistake; all three are refused by name before any byte is read.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

use super::SourceError;
use super::limits::SourceLimits;

/// `O_NONBLOCK` for `open(2)`, so a FIFO swapped in between our `stat` and our `open` cannot
/// block the open (the re-check of the opened file then refuses it). On a regular file the flag
/// changes nothing. Spelled out here because the value is all we need from libc: Linux uses the
/// generic value except on MIPS and SPARC; Solaris/illumos share MIPS's; macOS and the BSDs use 4.
#[cfg(any(target_os = "linux", target_os = "android"))]
const O_NONBLOCK: i32 = if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
    0x80
} else if cfg!(any(target_arch = "sparc", target_arch = "sparc64")) {
    0x4000
} else {
    0o4000
};
#[cfg(any(target_os = "solaris", target_os = "illumos"))]
const O_NONBLOCK: i32 = 0x80;
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "solaris",
    target_os = "illumos"
)))]
const O_NONBLOCK: i32 = 0x0004;

/// Opens `path` for reading if, and only if, it is a regular file (a symlink to one is fine) no
/// larger than the file cap. Returns the file and its size.
pub(crate) fn open_regular(path: &Path, limits: &SourceLimits) -> Result<(File, u64), SourceError> {
    let read_err = |source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    };
    let before = std::fs::metadata(path).map_err(read_err)?;
    refuse_non_regular(path, &before)?;
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let file = options.open(path).map_err(read_err)?;
    // What we opened may not be what we looked at: check the open file itself.
    let opened = file.metadata().map_err(read_err)?;
    refuse_non_regular(path, &opened)?;
    if opened.len() > limits.max_file_bytes {
        return Err(SourceError::TooLarge {
            path: path.to_path_buf(),
            size: Some(opened.len()),
            cap: limits.max_file_bytes,
        });
    }
    Ok((file, opened.len()))
}

fn refuse_non_regular(path: &Path, meta: &Metadata) -> Result<(), SourceError> {
    if meta.is_file() {
        return Ok(());
    }
    Err(SourceError::NotRegular {
        path: path.to_path_buf(),
        what: describe(meta),
    })
}

/// What a non-regular file is, in words.
fn describe(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// A reader that fails with [`io::ErrorKind::FileTooLarge`] once more than `cap` bytes come out
/// of `inner`, so a file that grows while it is read still stops at the cap.
pub(crate) struct Capped<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Capped<R> {
    pub(crate) fn new(inner: R, cap: u64) -> Self {
        Capped { inner, left: cap }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // At the cap: one more byte means the file is over it.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::FileTooLarge,
                    "file is over its size cap",
                )),
            };
        }
        let room = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..room])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn capped_reader_allows_exactly_the_cap() {
        let mut out = Vec::new();
        Capped::new(&b"12345"[..], 5).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"12345");
        let e = Capped::new(&b"123456"[..], 5)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn directory_and_fifo_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let e = open_regular(dir.path(), &SourceLimits::default()).unwrap_err();
        assert!(
            matches!(
                e,
                SourceError::NotRegular {
                    what: "a directory",
                    ..
                }
            ),
            "{e}"
        );
        let fifo = dir.path().join("pipe");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo (coreutils) is installed; scripts/test installs the test tools");
        assert!(status.success());
        // Nobody ever opens the write end: a blocking open would hang this test.
        let e = open_regular(&fifo, &SourceLimits::default()).unwrap_err();
        assert!(e.to_string().contains("is a FIFO (named pipe)"), "{e}");
        let e = open_regular(Path::new("/dev/zero"), &SourceLimits::default()).unwrap_err();
        assert!(e.to_string().contains("is a character device"), "{e}");
    }

    #[test]
    fn file_over_the_cap_is_refused_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.ndjson");
        std::fs::write(&path, vec![b' '; 2048]).unwrap();
        let limits = SourceLimits {
            max_file_bytes: 1024,
            ..SourceLimits::default()
        };
        let e = open_regular(&path, &limits).unwrap_err();
        assert!(
            matches!(
                e,
                SourceError::TooLarge {
                    size: Some(2048),
                    cap: 1024,
                    ..
                }
            ),
            "{e}"
        );
        let (_, size) = open_regular(&path, &SourceLimits::default()).unwrap();
        assert_eq!(size, 2048);
    }
}
