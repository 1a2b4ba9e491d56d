//! The little SQL and URL text the harness writes itself.

use std::io::Read;

use crate::error::{HarnessError, io};

/// 32 hex digits from the OS's random source.
pub(crate) fn random_secret() -> Result<String, HarnessError> {
    let mut bytes = [0_u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(io("reading /dev/urandom"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A string literal (`'it''s'`).
pub(crate) fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A database name that needs no quoting: lowercase ASCII letters, digits, `_`, at most 63.
pub(crate) fn checked_name(name: &str) -> Result<&str, HarnessError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(name)
    } else {
        Err(HarnessError::BadName(name.to_owned()))
    }
}

/// Percent-encodes everything but unreserved characters (a socket path as a URL's host).
pub(crate) fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_and_literals() {
        assert!(checked_name("t_outbox_2").is_ok());
        for bad in ["", "Upper", "1st", "a-b", "x\"; DROP", &"a".repeat(64)] {
            assert!(checked_name(bad).is_err(), "{bad}");
        }
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(percent_encode("/tmp/a b"), "%2Ftmp%2Fa%20b");
        assert_eq!(random_secret().unwrap().len(), 32);
    }
}
