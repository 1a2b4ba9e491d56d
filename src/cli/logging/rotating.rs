//! The log file itself: `snowlink.log`, mode 0600 whatever the umask, rotated by size with a
//! bounded number of old files (docs/config.md, "Logs").
//!
//! tracing-appender's rolling writer creates files with the process umask (0644, or 0666 under
//! umask 000) and offers no way to choose the mode, so the file is opened here. Several snowlink
//! processes may log into the same file (the dashboard and a CLI command); the size on disk, not
//! a per-process counter, decides a rotation, and a process that finds the file already rotated
//! by another reopens it instead of rotating again.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Owner read/write only: a log may hold instance URLs, user names and incident text.
pub const FILE_MODE: u32 = 0o600;

/// Appends to `<dir>/<name>`; once it reaches `max_bytes` it becomes `<name>.1` (older ones
/// shift to `.2` … `.<keep>`, the oldest is deleted) and a fresh file is started.
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: File,
    /// Bytes in the file as far as this process knows; only a hint for when to look at the disk.
    size: u64,
}

impl RotatingFile {
    pub fn open(dir: &Path, name: &str, max_bytes: u64, keep: usize) -> io::Result<Self> {
        let path = dir.join(name);
        let (file, size) = open_private(&path)?;
        Ok(Self {
            path,
            max_bytes,
            keep,
            file,
            size,
        })
    }

    /// `<name>.<n>`, the n-th newest rotated file.
    fn rotated(&self, n: usize) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// Called when this process thinks the file is full. Rotates if the file on disk is full;
    /// if another process already rotated it, only switches to the new file.
    fn roll_over(&mut self) -> io::Result<()> {
        let on_disk = fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if on_disk >= self.max_bytes {
            let _ = fs::remove_file(self.rotated(self.keep));
            for n in (1..self.keep).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    fs::rename(&from, self.rotated(n + 1))?;
                }
            }
            if self.keep == 0 {
                fs::remove_file(&self.path)?;
            } else {
                fs::rename(&self.path, self.rotated(1))?;
            }
        }
        let (file, size) = open_private(&self.path)?;
        self.file = file;
        self.size = size;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size >= self.max_bytes {
            self.roll_over()?;
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Opens `path` for appending, created 0600; an existing file (say from an older snowlink that
/// followed the umask) is set to 0600 too. Returns the file and its current length.
fn open_private(path: &Path) -> io::Result<(File, u64)> {
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)?;
    // `mode` is filtered through the umask; setting it afterwards makes it exact.
    file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    let size = file.metadata()?.len();
    Ok((file, size))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn rotates_at_the_size_and_keeps_a_bounded_number_of_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RotatingFile::open(dir.path(), "t.log", 100, 2).unwrap();
        for i in 0..10 {
            // 60 bytes a line: every second line starts a new file.
            log.write_all(format!("{i:<59}\n").as_bytes()).unwrap();
        }
        assert_eq!(names(dir.path()), ["t.log", "t.log.1", "t.log.2"]);
        let newest = fs::read_to_string(dir.path().join("t.log")).unwrap();
        assert!(newest.starts_with('8'), "{newest}");
        let older = fs::read_to_string(dir.path().join("t.log.1")).unwrap();
        assert!(older.starts_with('6'), "{older}");
        let oldest = fs::read_to_string(dir.path().join("t.log.2")).unwrap();
        assert!(oldest.starts_with('4'), "{oldest}");
        for name in names(dir.path()) {
            let mode = fs::metadata(dir.path().join(&name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, FILE_MODE, "{name}");
        }
    }

    #[test]
    fn a_file_rotated_by_another_process_is_reopened_not_rotated_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut ours = RotatingFile::open(dir.path(), "t.log", 100, 3).unwrap();
        let mut theirs = RotatingFile::open(dir.path(), "t.log", 100, 3).unwrap();
        ours.write_all(&[b'a'; 120]).unwrap();
        // Both now believe the file is full; the first to write rotates it.
        theirs.size = 120;
        theirs.write_all(b"theirs\n").unwrap();
        ours.write_all(b"ours\n").unwrap();
        assert_eq!(names(dir.path()), ["t.log", "t.log.1"]);
        assert_eq!(
            fs::read_to_string(dir.path().join("t.log")).unwrap(),
            "theirs\nours\n"
        );
    }

    #[test]
    fn an_existing_world_readable_file_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.log");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let log = RotatingFile::open(dir.path(), "t.log", 100, 1).unwrap();
        assert_eq!(log.size, 4);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, FILE_MODE);
    }
}
