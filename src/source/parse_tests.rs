#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::source::SourceLimits;

fn ids(r: &LoadReport) -> Vec<&str> {
    r.anomalies.iter().map(|a| a.id.as_str()).collect()
}

fn problems(r: &LoadReport) -> Vec<String> {
    r.problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn ndjson_with_bad_lines_loads_the_rest() {
    let text = concat!(
        "{\"id\":\"A-1\",\"title\":\"one\"}\n",
        "\n",
        "{\"id\":\"A-2\",\"title\":\"two\",\"severity\":\"urgent\"}\n",
        "{\"id\":\"A-3\",\"title\":\"three\"\n",
        "   \n",
        "[1]\n",
        "{\"title\":\"no id\"}\n",
        "{\"id\":\"A-4\",\"title\":\"four\",\"severity\":\"low\"}\n",
    );
    let r = parse_anomalies(text);
    assert_eq!(ids(&r), ["A-1", "A-4"]);
    assert_eq!(
        problems(&r),
        [
            "line 3: field \"severity\": unknown value \"urgent\" (expected critical|high|medium|low|info)",
            "line 4: invalid JSON (line 1, column 27): EOF while parsing an object",
            "line 6: expected a JSON object, found an array",
            "line 7: field \"id\": missing (required)",
        ]
    );
    assert_eq!(r.problems[0].field(), Some("severity"));
    assert_eq!(r.problems[0].line, Some(3));
}

#[test]
fn crlf_bom_and_trailing_blank_lines() {
    let text = "\u{feff}{\"id\":\"A-1\",\"title\":\"one\"}\r\n\r\n{\"id\":\"A-2\",\"title\":\"déjà vu\"}\r\n\r\n";
    let r = parse_anomalies(text);
    assert_eq!(ids(&r), ["A-1", "A-2"]);
    assert!(r.problems.is_empty(), "{:?}", problems(&r));
    assert_eq!(r.anomalies[1].raw, "{\"id\":\"A-2\",\"title\":\"déjà vu\"}");
}

#[test]
fn ndjson_invalid_utf8_line_is_skipped() {
    let mut bytes = b"{\"id\":\"A-1\",\"title\":\"one\"}\n".to_vec();
    bytes.extend_from_slice(b"{\"id\":\"A-2\",\"title\":\"\xff\"}\n");
    bytes.extend_from_slice(b"{\"id\":\"A-3\",\"title\":\"three\"}");
    let r = parse_reader(&bytes[..], &SourceLimits::default()).unwrap();
    assert_eq!(ids(&r), ["A-1", "A-3"]);
    assert_eq!(problems(&r), ["line 2: not valid UTF-8"]);
}

#[test]
fn empty_inputs() {
    for t in ["", "\n\n", "\u{feff}", "[]", "  [ \n ]  \n"] {
        let r = parse_anomalies(t);
        assert!(r.anomalies.is_empty() && r.problems.is_empty(), "{t:?}");
    }
}

#[test]
fn array_elements_report_index_and_line() {
    let text = "\u{feff}[\r\n  {\"id\":\"A-1\",\"title\":\"one, [two] {three}\"},\r\n  {\"id\":\"A-2\",\r\n   \"title\":\"t\",\"severity\":\"urgent\"},\n  {\"id\":\"A-3\",\"title\":\"q\\\"uote\\\\\"},\n  {\"id\":\"A-4\", \"title\": }\n, 42\n]\n";
    let r = parse_anomalies(text);
    assert_eq!(ids(&r), ["A-1", "A-3"]);
    assert_eq!(r.anomalies[1].title, "q\"uote\\");
    assert_eq!(
        problems(&r),
        [
            "line 3 (element 1): field \"severity\": unknown value \"urgent\" (expected critical|high|medium|low|info)",
            "line 6 (element 3): invalid JSON (line 1, column 23): expected value",
            "line 7 (element 4): expected a JSON object, found a number",
        ]
    );
    assert_eq!(r.problems[0].index, Some(1));
}

#[test]
fn multi_line_element_syntax_error_points_at_its_line() {
    let text = "[{\"id\":\"A-1\",\n\"title\":\"t\",\n\"severity\": high}]";
    let r = parse_anomalies(text);
    assert!(r.anomalies.is_empty());
    assert_eq!(
        problems(&r),
        ["line 3 (element 0): invalid JSON (line 3, column 13): expected value"]
    );
}

#[test]
fn broken_array_structure() {
    let r = parse_anomalies("[{\"id\":\"A-1\",\"title\":\"t\"},\n{\"id\":\"A-2\",\"title\":\"u\"}");
    assert_eq!(ids(&r), ["A-1", "A-2"]);
    assert_eq!(
        problems(&r),
        ["line 2: unterminated JSON array (missing `]`)"]
    );
    let r = parse_anomalies("[{\"id\":\"A-1\",\"title\":\"t\"},\n{\"id\":\"A-2\",\"title\":\"u\"");
    assert_eq!(ids(&r), ["A-1"]);
    assert_eq!(
        problems(&r),
        [
            "line 2 (element 1): invalid JSON (line 1, column 23): EOF while parsing an object",
            "line 2: unterminated JSON array (missing `]`)"
        ]
    );
    let r = parse_anomalies("[{\"id\":\"A-1\",\"title\":\"t\"},]\n\nxyz");
    assert_eq!(ids(&r), ["A-1"]);
    assert_eq!(
        problems(&r),
        [
            "line 1 (element 1): empty array element",
            "line 3: unexpected text after the JSON array"
        ]
    );
}

#[test]
fn later_duplicate_replaces_earlier_in_place_and_is_reported() {
    let text = "{\"id\":\"A-1\",\"title\":\"old\"}\n{\"id\":\"A-2\",\"title\":\"x\"}\n{\"id\":\"A-1\",\"title\":\"new\"}\nbad\n{\"id\":\"A-1\",\"title\":\"newest\"}\n";
    let r = parse_anomalies(text);
    assert_eq!(ids(&r), ["A-1", "A-2"]);
    assert_eq!(r.anomalies[0].title, "newest");
    assert_eq!(
        problems(&r),
        [
            "line 1: id \"A-1\" appears again at line 3; the later record is used",
            "line 3: id \"A-1\" appears again at line 5; the later record is used",
            "line 4: invalid JSON (line 1, column 1): expected value",
        ]
    );
    let r = parse_anomalies("[{\"id\":7,\"title\":\"a\"},\n{\"id\":\"7\",\"title\":\"b\"}]");
    assert_eq!(ids(&r), ["7"]);
    assert_eq!(
        problems(&r),
        [
            "line 1 (element 0): id \"7\" appears again at line 2 (element 1); the later record is used"
        ]
    );
}

fn capped(record: u64) -> SourceLimits {
    SourceLimits {
        max_record_bytes: record,
        ..SourceLimits::default()
    }
}

#[test]
fn ndjson_record_over_the_cap_is_skipped_with_its_line() {
    let long = format!("{{\"id\":\"A-2\",\"title\":\"{}\"}}", "x".repeat(100_000));
    let text = format!(
        "{{\"id\":\"A-1\",\"title\":\"t\"}}\r\n{long}\r\n{{\"id\":\"A-3\",\"title\":\"u\"}}\n"
    );
    let r = parse_reader(text.as_bytes(), &capped(1024)).unwrap();
    assert_eq!(ids(&r), ["A-1", "A-3"]);
    assert_eq!(
        problems(&r),
        [
            "line 2: record is over the 1 KiB record cap; raise max_record_bytes in its [[sources]] table"
        ]
    );
    assert!(matches!(
        r.problems[0].kind,
        ProblemKind::RecordTooLarge {
            cap: 1024,
            inner_cr: false
        }
    ));
    // Under the default cap the same record loads.
    let r = parse_reader(text.as_bytes(), &SourceLimits::default()).unwrap();
    assert_eq!(ids(&r), ["A-1", "A-2", "A-3"]);
}

#[test]
fn array_element_over_the_cap_is_skipped_with_its_line_and_index() {
    let long = format!(
        "{{\"id\":\"A-2\",\"title\":\"{}\"}}",
        "[{,]}".repeat(20_000)
    );
    let text = format!(
        "[\n{{\"id\":\"A-1\",\"title\":\"t\"}},\n{long},\n{{\"id\":\"A-3\",\"title\":\"u\"}}\n]\n"
    );
    let r = parse_reader(text.as_bytes(), &capped(1000)).unwrap();
    assert_eq!(ids(&r), ["A-1", "A-3"]);
    assert_eq!(
        problems(&r),
        [
            "line 3 (element 1): record is over the 1000 bytes record cap; raise max_record_bytes in its [[sources]] table"
        ]
    );
}

#[test]
fn one_giant_cr_only_line_names_the_line_endings() {
    // Past the first 64 KiB there is no telling it from a long record, but the hint is given.
    let mut text = format!("{{\"id\":\"A-0\",\"title\":\"{}\"}}", "y".repeat(70_000));
    for i in 1..50 {
        text.push_str(&format!("\r{{\"id\":\"A-{i}\",\"title\":\"t\"}}"));
    }
    let r = parse_reader(text.as_bytes(), &capped(70_500)).unwrap();
    assert!(r.anomalies.is_empty());
    assert_eq!(r.problems.len(), 1);
    assert!(
        r.problems[0].to_string().contains("CR-only line endings"),
        "{}",
        r.problems[0]
    );
}

#[test]
fn cr_only_file_is_refused_as_a_whole() {
    let text = "{\"id\":\"A-1\",\"title\":\"t\"}\r{\"id\":\"A-2\",\"title\":\"u\"}\r";
    let e = parse_reader(text.as_bytes(), &SourceLimits::default()).unwrap_err();
    assert!(matches!(e, Failure::CrOnly), "{e}");
    // A JSON array does not care about line ends.
    let r =
        parse_anomalies("[{\"id\":\"A-1\",\"title\":\"t\"},\r{\"id\":\"A-2\",\"title\":\"u\"}]\r");
    assert_eq!(ids(&r), ["A-1", "A-2"]);
    // One record ending in a CR is fine.
    let r = parse_anomalies("{\"id\":\"A-1\",\"title\":\"t\"}\r");
    assert_eq!(ids(&r), ["A-1"]);
}

#[test]
fn utf16_file_is_refused_as_a_whole() {
    let text = "{\"id\":\"A-1\",\"title\":\"t\"}\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let e = parse_reader(&bytes[..], &SourceLimits::default()).unwrap_err();
    assert!(matches!(e, Failure::Utf16("UTF-16")), "{e}");
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let e = parse_reader(&bytes[..], &SourceLimits::default()).unwrap_err();
    assert!(matches!(e, Failure::Utf16("UTF-16BE")), "{e}");
}

#[test]
fn leading_blank_lines_keep_line_numbers() {
    let r = parse_anomalies("\n\n  \n  {\"id\":\"A-1\"}\n");
    assert_eq!(
        problems(&r),
        ["line 4: field \"title\": missing (required)"]
    );
    let r = parse_anomalies("\u{feff}\n\n[\n{\"id\":\"A-1\"}]");
    assert_eq!(
        problems(&r),
        ["line 4 (element 0): field \"title\": missing (required)"]
    );
}

/// An endless stream with no line break stops at the file cap; the reader never holds more
/// than a record's worth.
#[test]
fn endless_input_stops_at_the_file_cap() {
    let endless = std::io::repeat(b'x');
    let reader = super::super::open::Capped::new(endless, 4 * 1024 * 1024);
    let e = parse_reader(reader, &capped(1024)).unwrap_err();
    assert!(
        matches!(&e, Failure::Io(io) if io.kind() == std::io::ErrorKind::FileTooLarge),
        "{e}"
    );
}
