#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

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
    let ParseOutcome::Report(r) = parse_bytes(&bytes) else {
        panic!("ndjson never fails as a whole")
    };
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
fn later_duplicate_replaces_earlier_in_place() {
    let text = "{\"id\":\"A-1\",\"title\":\"old\"}\n{\"id\":\"A-2\",\"title\":\"x\"}\n{\"id\":\"A-1\",\"title\":\"new\"}\n";
    let r = parse_anomalies(text);
    assert_eq!(ids(&r), ["A-1", "A-2"]);
    assert_eq!(r.anomalies[0].title, "new");
}
