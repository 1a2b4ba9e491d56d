//! A line reader that never holds more than the record cap of one line, however long the line
//! is (`BufRead::read_line` would grow without bound on a file with no line breaks).

use std::io::{self, BufRead};

use super::sniff::InnerCr;

/// How a line fitted the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineFit {
    /// The whole line is in the buffer (without its `\n`).
    Whole,
    /// The line was longer than the cap; it was read past and dropped. `inner_cr` says it holds
    /// a CR before its end, the sign of CR-only line endings.
    TooLong { inner_cr: bool },
}

/// Reads the next line into `buf` (cleared first; the `\n` is not kept), storing at most `cap`
/// bytes. `Ok(None)` at the end of input.
pub(crate) fn read_bounded_line<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
    cap: usize,
) -> io::Result<Option<LineFit>> {
    buf.clear();
    let mut started = false;
    let mut too_long = false;
    let mut cr = InnerCr::default();
    loop {
        let chunk = match r.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            break;
        }
        started = true;
        let newline = chunk.iter().position(|&b| b == b'\n');
        let part = &chunk[..newline.unwrap_or(chunk.len())];
        cr.feed(part);
        if !too_long {
            if buf.len() + part.len() <= cap {
                buf.extend_from_slice(part);
            } else {
                too_long = true;
                buf.clear();
            }
        }
        let used = part.len() + usize::from(newline.is_some());
        r.consume(used);
        if newline.is_some() {
            break;
        }
    }
    Ok(match (started, too_long) {
        (false, _) => None,
        (true, false) => Some(LineFit::Whole),
        (true, true) => Some(LineFit::TooLong {
            inner_cr: cr.found(),
        }),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn all_lines(input: &[u8], cap: usize, buf_size: usize) -> Vec<(LineFit, Vec<u8>)> {
        let mut r = io::BufReader::with_capacity(buf_size, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(fit) = read_bounded_line(&mut r, &mut buf, cap).unwrap() {
            assert!(
                buf.capacity() <= cap.max(buf_size) * 2,
                "buffer stays bounded"
            );
            out.push((fit, buf.clone()));
        }
        out
    }

    #[test]
    fn splits_lines_and_drops_the_long_one() {
        for buf_size in [1, 3, 64] {
            let got = all_lines(b"abc\n0123456789\n\nde\r\nxyz", 5, buf_size);
            assert_eq!(
                got,
                [
                    (LineFit::Whole, b"abc".to_vec()),
                    (LineFit::TooLong { inner_cr: false }, Vec::new()),
                    (LineFit::Whole, Vec::new()),
                    (LineFit::Whole, b"de\r".to_vec()),
                    (LineFit::Whole, b"xyz".to_vec()),
                ],
                "buffer {buf_size}"
            );
        }
    }

    #[test]
    fn a_long_line_with_inner_crs_says_so() {
        let got = all_lines(b"{\"a\":1}\r{\"b\":2}\r{\"c\":3}\r", 8, 4);
        assert_eq!(got, [(LineFit::TooLong { inner_cr: true }, Vec::new())]);
        let got = all_lines(b"0123456789\r\n", 4, 4);
        assert_eq!(got, [(LineFit::TooLong { inner_cr: false }, Vec::new())]);
    }

    #[test]
    fn empty_input_has_no_lines() {
        assert!(all_lines(b"", 4, 4).is_empty());
        assert_eq!(all_lines(b"\n", 4, 4), [(LineFit::Whole, Vec::new())]);
    }
}
