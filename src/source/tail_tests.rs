#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The NDJSON tail through real files in a temporary directory.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::*;
use crate::source::{FileChange, FileStamp, json_changed};

fn line(id: &str) -> String {
    format!("{{\"id\":\"{id}\",\"title\":\"t {id}\"}}\n")
}

fn lines(ids: std::ops::Range<usize>) -> String {
    ids.map(|i| line(&format!("A-{i}"))).collect()
}

fn append(path: &Path, text: &str) {
    let mut f = OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn ids(read: &TailRead) -> Vec<&str> {
    read.anomalies.iter().map(|a| a.id.as_str()).collect()
}

fn tail(path: &Path, cursor: Option<&TailCursor>) -> TailRead {
    tail_ndjson(path, cursor, &SourceLimits::default()).unwrap()
}

fn file_with(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.ndjson");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn appended_lines_alone_come_back_with_their_line_numbers() {
    let (_dir, path) = file_with(&lines(0..3));
    let first = tail(&path, None);
    assert_eq!(first.reset, Reset::FirstRead);
    assert_eq!(ids(&first), ["A-0", "A-1", "A-2"]);
    assert_eq!(first.cursor.line, 3);
    assert_eq!(first.cursor.offset, std::fs::metadata(&path).unwrap().len());

    let added = format!("{}not json\n{}", line("A-3"), line("A-4"));
    append(&path, &added);
    let second = tail(&path, Some(&first.cursor));
    assert_eq!(second.reset, Reset::None);
    assert_eq!(ids(&second), ["A-3", "A-4"]);
    assert_eq!(second.bytes_read, added.len() as u64);
    assert_eq!(second.problems.len(), 1, "{:?}", second.problems);
    assert_eq!(second.problems[0].line, Some(5), "absolute line number");
    assert!(
        second.problems[0]
            .to_string()
            .starts_with("line 5: invalid JSON")
    );
    assert_eq!(second.cursor.line, 6);
    assert!(second.caught_up);

    let idle = tail(&path, Some(&second.cursor));
    assert_eq!((idle.reset, idle.bytes_read), (Reset::None, 0));
    assert!(idle.anomalies.is_empty() && idle.problems.is_empty());
    assert_eq!(idle.cursor, second.cursor);
}

#[test]
fn a_partial_last_line_waits_for_its_newline() {
    let whole = line("A-2");
    let (cut, rest) = whole.split_at(10);
    let (_dir, path) = file_with(&format!("{}{cut}", line("A-1")));
    let first = tail(&path, None);
    assert_eq!(ids(&first), ["A-1"]);
    assert!(first.problems.is_empty(), "{:?}", first.problems);
    assert_eq!(first.cursor.offset, line("A-1").len() as u64);
    assert_eq!(
        first.cursor.len_at_read,
        (line("A-1").len() + cut.len()) as u64
    );

    let again = tail(&path, Some(&first.cursor));
    assert!(again.anomalies.is_empty() && again.problems.is_empty());
    assert_eq!(again.cursor.offset, first.cursor.offset);

    append(&path, rest);
    let done = tail(&path, Some(&again.cursor));
    assert_eq!(ids(&done), ["A-2"]);
    assert_eq!((done.reset, done.cursor.line), (Reset::None, 2));
}

#[test]
fn a_file_holding_only_a_partial_line_is_started_over_cleanly() {
    let (_dir, path) = file_with("{\"id\":\"A-1\",");
    let first = tail(&path, None);
    assert!(first.anomalies.is_empty() && first.problems.is_empty());
    assert_eq!((first.cursor.offset, first.cursor.line), (0, 0));
    append(&path, "\"title\":\"t\"}\r\n");
    let next = tail(&path, Some(&first.cursor));
    assert_eq!(ids(&next), ["A-1"], "CRLF is tolerated");
    assert_eq!(next.reset, Reset::None);
}

#[test]
fn truncation_starts_over_and_reads_everything() {
    let (_dir, path) = file_with(&lines(0..5));
    let first = tail(&path, None);
    std::fs::write(&path, lines(10..12)).unwrap();
    let next = tail(&path, Some(&first.cursor));
    assert_eq!(next.reset, Reset::Truncated);
    assert_eq!(ids(&next), ["A-10", "A-11"]);
    assert_eq!(next.cursor.line, 2);
}

#[test]
fn replacement_by_rename_is_a_new_file() {
    let (dir, path) = file_with(&lines(0..2));
    let first = tail(&path, None);
    let fresh = dir.path().join("next.ndjson");
    std::fs::write(&fresh, lines(0..4)).unwrap();
    std::fs::rename(&fresh, &path).unwrap();
    let next = tail(&path, Some(&first.cursor));
    assert_eq!(next.reset, Reset::Replaced);
    assert_eq!(ids(&next), ["A-0", "A-1", "A-2", "A-3"]);
    assert_ne!(next.cursor.ino, first.cursor.ino);
}

#[test]
fn a_rewrite_in_place_is_found_by_the_fingerprints() {
    let (_dir, path) = file_with(&lines(0..3));
    let first = tail(&path, None);
    let ino = first.cursor.ino;

    // Same inode, same size, one byte different.
    let same_size = lines(0..3).replace("t A-1", "T A-1");
    std::fs::write(&path, &same_size).unwrap();
    let next = tail(&path, Some(&first.cursor));
    assert_eq!((next.reset, next.cursor.ino), (Reset::Truncated, ino));
    assert_eq!(next.anomalies[1].title, "T A-1");
    assert_eq!(next.anomalies.len(), 3);

    // Same inode, larger, the old part changed.
    let larger = lines(5..10);
    std::fs::write(&path, &larger).unwrap();
    let next = tail(&path, Some(&next.cursor));
    assert_eq!(next.reset, Reset::Truncated);
    assert_eq!(ids(&next), ["A-5", "A-6", "A-7", "A-8", "A-9"]);
}

#[test]
fn a_change_at_the_head_of_a_long_file_is_found() {
    let (_dir, path) = file_with(&lines(0..400));
    let first = tail(&path, None);
    assert!(
        first.cursor.offset > 2 * WINDOW,
        "the windows do not overlap"
    );
    let edited = lines(0..400).replacen("t A-0", "x A-0", 1);
    std::fs::write(&path, edited).unwrap();
    let next = tail(&path, Some(&first.cursor));
    assert_eq!(next.reset, Reset::Truncated);
    assert_eq!(next.anomalies[0].title, "x A-0");
}

#[test]
fn the_record_cap_applies_per_line_and_the_file_cap_per_read() {
    let (_dir, path) = file_with(&line("A-0"));
    let limits = SourceLimits {
        max_file_bytes: 200,
        max_record_bytes: 64,
    };
    let first = tail_ndjson(&path, None, &limits).unwrap();
    let long = format!("{{\"id\":\"A-1\",\"title\":\"{}\"}}\n", "x".repeat(80));
    append(&path, &format!("{long}{}", lines(2..10)));
    let next = tail_ndjson(&path, Some(&first.cursor), &limits).unwrap();
    assert_eq!(next.problems.len(), 1);
    assert_eq!(next.problems[0].line, Some(2));
    assert!(matches!(
        next.problems[0].kind,
        ProblemKind::RecordTooLarge { cap: 64, .. }
    ));
    assert!(!next.caught_up, "at most 200 bytes are read at once");
    assert!(next.bytes_read <= 200);
    let mut cursor = next.cursor;
    let mut seen = ids(&next).iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for _ in 0..10 {
        let more = tail_ndjson(&path, Some(&cursor), &limits).unwrap();
        seen.extend(more.anomalies.iter().map(|a| a.id.clone()));
        cursor = more.cursor;
        if more.caught_up {
            break;
        }
    }
    let expected: Vec<String> = (2..10).map(|i| format!("A-{i}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(cursor.line, 10);

    // A single line longer than one whole read can never complete: refused with the cap's name.
    append(&path, &format!("{{\"id\":\"{}\"", "y".repeat(300)));
    let e = tail_ndjson(&path, Some(&cursor), &limits).unwrap_err();
    assert!(e.to_string().contains("raise max_file_bytes"), "{e}");
}

#[test]
fn a_restart_refuses_what_a_load_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let e = tail_ndjson(dir.path(), None, &SourceLimits::default()).unwrap_err();
    assert!(matches!(e, SourceError::NotRegular { .. }), "{e}");

    let utf16 = dir.path().join("w.ndjson");
    let text: Vec<u8> = line("A-1")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&utf16, text).unwrap();
    let e = tail_ndjson(&utf16, None, &SourceLimits::default()).unwrap_err();
    assert!(
        matches!(
            e,
            SourceError::Utf16 {
                encoding: "UTF-16LE",
                ..
            }
        ),
        "{e}"
    );

    let cr = dir.path().join("mac.ndjson");
    std::fs::write(&cr, line("A-1").replace('\n', "\r").repeat(2)).unwrap();
    let e = tail_ndjson(&cr, None, &SourceLimits::default()).unwrap_err();
    assert!(matches!(e, SourceError::CrOnly { .. }), "{e}");

    let big = dir.path().join("big.ndjson");
    std::fs::write(&big, lines(0..20)).unwrap();
    let small = SourceLimits {
        max_file_bytes: 100,
        ..SourceLimits::default()
    };
    let e = tail_ndjson(&big, None, &small).unwrap_err();
    assert!(matches!(e, SourceError::TooLarge { cap: 100, .. }), "{e}");

    let missing = tail_ndjson(&dir.path().join("nope"), None, &SourceLimits::default());
    assert!(matches!(missing, Err(SourceError::Read { .. })));
}

#[test]
fn a_json_array_is_not_tailed_and_says_so() {
    let (_dir, path) = file_with("\n[{\"id\":\"A-1\",\"title\":\"t\"}]\n");
    let read = tail(&path, None);
    assert!(read.anomalies.is_empty());
    assert_eq!(read.problems.len(), 1);
    assert_eq!(read.problems[0].line, Some(2));
    assert!(read.problems[0].to_string().contains("JSON array"));
    assert_eq!(read.cursor.offset, 0);
}

#[test]
fn bom_blank_lines_and_repeated_ids() {
    let text = format!(
        "\u{feff}{}\n\n{}",
        line("A-1"),
        line("A-1").replace("t A-1", "newer")
    );
    let (_dir, path) = file_with(&text);
    let read = tail(&path, None);
    assert_eq!(read.anomalies.len(), 1, "a repeated id is an update");
    assert_eq!(read.anomalies[0].title, "newer");
    assert_eq!(
        read.problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>(),
        ["line 1: id \"A-1\" appears again at line 4; the later record is used"],
        "reported as a whole-file load reports it"
    );
    assert_eq!(read.cursor.line, 4);
    assert_eq!(read.cursor.offset, text.len() as u64);
}

#[test]
fn the_cursor_round_trips_through_json() {
    let (_dir, path) = file_with(&lines(0..2));
    let cursor = tail(&path, None).cursor;
    let stored = serde_json::to_string(&cursor).unwrap();
    let back: TailCursor = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, cursor);
    append(&path, &line("A-2"));
    assert_eq!(ids(&tail(&path, Some(&back))), ["A-2"]);
}

#[test]
fn a_large_file_then_an_append_reads_only_the_appended_bytes() {
    let (_dir, path) = file_with(&lines(0..100_000));
    let first = tail(&path, None);
    assert_eq!(first.anomalies.len(), 100_000);
    assert_eq!(first.bytes_read, std::fs::metadata(&path).unwrap().len());
    let added = lines(100_000..101_000);
    append(&path, &added);
    let next = tail(&path, Some(&first.cursor));
    assert_eq!(next.reset, Reset::None);
    assert_eq!(next.bytes_read, added.len() as u64);
    assert_eq!(next.anomalies.len(), 1_000);
    assert_eq!(next.anomalies[0].id, "A-100000");
    assert_eq!(next.cursor.line, 101_000);
}

#[test]
fn a_json_file_is_hashed_only_when_it_looks_changed() {
    let (_dir, path) = file_with("[{\"id\":\"A-1\",\"title\":\"t\"}]");
    let limits = SourceLimits::default();
    let FileChange::Changed(stamp) = json_changed(&path, None, &limits).unwrap() else {
        panic!("no stamp means changed");
    };
    assert_eq!(
        json_changed(&path, Some(&stamp), &limits).unwrap(),
        FileChange::Unchanged
    );

    // Touched: new times, same bytes.
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    file.set_modified(later).unwrap();
    let FileChange::Touched(touched) = json_changed(&path, Some(&stamp), &limits).unwrap() else {
        panic!("same content after a touch");
    };
    assert_eq!(touched.hash, stamp.hash);
    assert_ne!(touched.mtime_ns, stamp.mtime_ns);

    // Same size, other bytes: the hash tells it from a touch.
    std::fs::write(&path, "[{\"id\":\"A-2\",\"title\":\"t\"}]").unwrap();
    file.set_modified(later + std::time::Duration::from_secs(60))
        .unwrap();
    let FileChange::Changed(changed) = json_changed(&path, Some(&touched), &limits).unwrap() else {
        panic!("new content");
    };
    assert_ne!(changed.hash, touched.hash);
    let stored: FileStamp =
        serde_json::from_str(&serde_json::to_string(&changed).unwrap()).unwrap();
    assert_eq!(stored, changed);
}

#[test]
fn a_batched_read_covers_the_file_in_pieces_with_the_same_records_and_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.ndjson");
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!(
            "{{\"id\":\"A-{i}\",\"title\":\"anomaly number {i} with some words\"}}\n"
        ));
    }
    std::fs::write(&path, &text).unwrap();
    let whole = tail_ndjson(&path, None, &SourceLimits::default()).unwrap();
    let (mut cursor, mut ids, mut reads) = (None, Vec::new(), 0);
    loop {
        let r =
            tail_ndjson_batch(&path, cursor.as_ref(), &SourceLimits::default(), 64 * 1024).unwrap();
        reads += 1;
        assert!(r.bytes_read <= 64 * 1024, "a piece stays near its bound");
        ids.extend(r.anomalies.into_iter().map(|a| a.id));
        cursor = Some(r.cursor);
        if r.caught_up {
            break;
        }
    }
    assert!(reads > 3, "read in {reads} pieces");
    assert_eq!(
        ids,
        whole
            .anomalies
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(cursor.unwrap(), whole.cursor);
}
