//! Recognising files that are not what we read, from their first bytes, so the user gets one
//! clear message instead of a wall of "invalid JSON": UTF-16 text (Windows tools write it) and
//! CR-only line endings (classic Mac), which make a whole NDJSON file read as one line.

/// How many leading bytes are examined.
pub(crate) const SNIFF_BYTES: usize = 64 * 1024;

/// How many bytes the NUL-pattern test for BOM-less UTF-16 looks at.
const NUL_WINDOW: usize = 1024;

/// The UTF-16 flavour of a file, as `iconv -f` names it (with a BOM `UTF-16` lets iconv read the
/// byte order itself; without one the order must be named).
pub(crate) fn utf16_encoding(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Some("UTF-16");
    }
    // JSON text is mostly ASCII, which UTF-16 stores as one NUL and one ASCII byte. A NUL can
    // never appear in UTF-8 JSON, so half of one byte lane being NUL is a safe tell.
    let n = head.len().min(NUL_WINDOW) & !1;
    if n < 4 {
        return None;
    }
    let lane = n / 2;
    let nuls = |start: usize| {
        head[start..n]
            .iter()
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    if nuls(1) * 2 >= lane {
        Some("UTF-16LE")
    } else if nuls(0) * 2 >= lane {
        Some("UTF-16BE")
    } else {
        None
    }
}

/// Whether `head` (the start of an NDJSON file) separates records with CR alone: no LF at all,
/// and a CR followed by more text (a single record ending in CR is fine).
pub(crate) fn cr_only_lines(head: &[u8]) -> bool {
    !head.contains(&b'\n')
        && head
            .windows(2)
            .any(|w| w[0] == b'\r' && !w[1].is_ascii_whitespace())
}

/// Tracks, across the chunks of one line, whether it holds a CR that is not its last byte (a
/// CRLF line's CR is its last byte), the sign of a CR-only file read as one line.
#[derive(Debug, Default)]
pub(crate) struct InnerCr {
    last_was_cr: bool,
    found: bool,
}

impl InnerCr {
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        if self.found {
            return;
        }
        for &b in bytes {
            if self.last_was_cr {
                self.found = true;
                return;
            }
            self.last_was_cr = b == b'\r';
        }
    }

    pub(crate) fn found(&self) -> bool {
        self.found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    fn utf16be(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_be_bytes).collect()
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "{\"id\":\"A-1\",\"title\":\"t\"}\n";
        let mut bom = vec![0xFF, 0xFE];
        bom.extend(utf16le(text));
        assert_eq!(utf16_encoding(&bom), Some("UTF-16"));
        assert_eq!(utf16_encoding(&utf16le(text)), Some("UTF-16LE"));
        assert_eq!(utf16_encoding(&utf16be(text)), Some("UTF-16BE"));
        assert_eq!(utf16_encoding(text.as_bytes()), None);
        assert_eq!(utf16_encoding("déjà vu ✓".as_bytes()), None);
        assert_eq!(utf16_encoding(b"\xEF\xBB\xBF{}"), None);
        assert_eq!(utf16_encoding(b""), None);
    }

    #[test]
    fn cr_only_is_told_from_crlf_and_a_lone_trailing_cr() {
        assert!(cr_only_lines(b"{\"id\":1}\r{\"id\":2}\r"));
        assert!(!cr_only_lines(b"{\"id\":1}\r\n{\"id\":2}\r\n"));
        assert!(!cr_only_lines(b"{\"id\":1}\r"));
        assert!(!cr_only_lines(b"{\"id\":1}\n"));
    }

    #[test]
    fn inner_cr_ignores_the_crlf_ending() {
        let mut t = InnerCr::default();
        t.feed(b"abc\r");
        assert!(!t.found());
        let mut t = InnerCr::default();
        t.feed(b"abc\r");
        t.feed(b"def");
        assert!(t.found());
    }
}
