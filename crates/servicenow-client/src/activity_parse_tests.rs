use super::*;

const HISTORY: &str = "2026-11-23 10:31:00 - Beth Anglin (Additional comments)\n\
customer visible\n\n\
2026-11-23 10:30:30 - System Administrator (Work notes)\n\
[2026-11-23 10:30:30 UTC] Comment on anomaly A-1 from bob: two\n\nparagraphs\n\n\
2026-11-23 10:30:00 - Beth Anglin (Work notes)\nchecked the loader\n\n";

#[test]
fn parses_both_kinds_newest_first() {
    let (e, cut) = parse_journal_history(HISTORY);
    assert!(!cut);
    assert_eq!(e.len(), 3, "{e:#?}");
    assert_eq!(e[0].kind, JournalKind::Comment);
    assert_eq!(e[0].author, "Beth Anglin");
    assert_eq!(e[0].created_on, "2026-11-23 10:31:00");
    assert_eq!(e[0].text, "customer visible");
    assert_eq!(e[1].kind, JournalKind::WorkNote);
    assert_eq!(
        e[1].text,
        "[2026-11-23 10:30:30 UTC] Comment on anomaly A-1 from bob: two\n\nparagraphs"
    );
    assert_eq!(e[2].text, "checked the loader");
}

#[test]
fn multi_line_notes_keep_inner_lines_and_header_lookalikes() {
    // A line that looks like a header but follows a non-blank line is text.
    let h = "2026-01-01 00:00:02 - A B (Work notes)\nline one\n\
2026-01-01 00:00:01 - Not A Header (Work notes)\nline three\n\n\n\
2026-01-01 00:00:00 - C D (Additional comments)\nbye\n\n";
    let (e, _) = parse_journal_history(h);
    assert_eq!(e.len(), 2, "{e:#?}");
    assert_eq!(
        e[0].text,
        "line one\n2026-01-01 00:00:01 - Not A Header (Work notes)\nline three"
    );
    assert_eq!(e[1].author, "C D");
}

#[test]
fn crlf_empty_and_garbage() {
    assert!(parse_journal_history("").0.is_empty());
    assert!(
        parse_journal_history("no header at all\n\njust text")
            .0
            .is_empty()
    );
    let (e, _) =
        parse_journal_history("2026-01-01 00:00:00 - A B (Work notes)\r\nhello\r\nworld\r\n\r\n");
    assert_eq!(e[0].text, "hello\nworld");
    // Not a date: not a header.
    assert!(
        parse_journal_history("yesterday - A (Work notes)\nx\n")
            .0
            .is_empty()
    );
    // Unknown label.
    assert!(
        parse_journal_history("2026-01-01 00:00:00 - A (Close notes)\nx\n")
            .0
            .is_empty()
    );
}

#[test]
fn names_with_dashes_and_parens() {
    let h = "2026-01-01 00:00:00 - Mary-Jane O'Neil (Ops) - EU (Additional comments)\nhi\n\n";
    let (e, _) = parse_journal_history(h);
    assert_eq!(e[0].author, "Mary-Jane O'Neil (Ops) - EU");
    assert_eq!(e[0].kind, JournalKind::Comment);
}

#[test]
fn hostile_many_entries_are_capped() {
    let one = "2026-01-01 00:00:00 - A B (Work notes)\nx\n\n";
    let h = one.repeat(MAX_ACTIVITY_ENTRIES * 50);
    let (e, cut) = parse_journal_history(&h);
    assert_eq!(e.len(), MAX_ACTIVITY_ENTRIES);
    assert!(cut);
}

#[test]
fn hostile_huge_texts_are_cut_and_bounded() {
    let big = "é".repeat(MAX_ENTRY_BYTES); // 2 bytes each: twice the cap
    let mut h = String::new();
    for _ in 0..100 {
        h.push_str("2026-01-01 00:00:00 - A B (Work notes)\n");
        h.push_str(&big);
        h.push_str("\n\n");
    }
    let (e, cut) = parse_journal_history(&h);
    assert!(
        e.iter().all(|x| x.text.len() <= MAX_ENTRY_BYTES),
        "texts cut"
    );
    assert!(e[0].text.ends_with('…'));
    let total: usize = e.iter().map(|x| x.text.len()).sum();
    assert!(total <= MAX_ACTIVITY_BYTES, "{total}");
    assert!(cut, "100 × 16 KiB is over the 1 MiB total");
    // A huge author name is cut too.
    let h = format!(
        "2026-01-01 00:00:00 - {} (Work notes)\nx\n",
        "n".repeat(100_000)
    );
    let (e, _) = parse_journal_history(&h);
    assert!(e[0].author.len() <= 256);
}

#[test]
fn merge_orders_by_date_and_keeps_ties_stable() {
    let mk = |on: &str, text: &str| ParsedEntry {
        kind: JournalKind::WorkNote,
        created_on: on.into(),
        author: "a".into(),
        text: text.into(),
    };
    let a = vec![
        mk("2026-01-01 00:00:03", "a3"),
        mk("2026-01-01 00:00:01", "a1"),
    ];
    let b = vec![
        mk("2026-01-01 00:00:03", "b3"),
        mk("2026-01-01 00:00:02", "b2"),
    ];
    let m: Vec<String> = merge_newest_first(a, b)
        .into_iter()
        .map(|e| e.text)
        .collect();
    assert_eq!(m, ["a3", "b3", "b2", "a1"]);
}

#[test]
fn cut_respects_char_boundaries() {
    assert_eq!(cut("abc", 3), "abc");
    let c = cut("ééé", 4);
    assert!(c.len() <= 4 && c.ends_with('…'), "{c}");
}
