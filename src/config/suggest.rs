//! "did you mean …?" for unknown keys and values, from serde's own list of what it expected.

/// Pulls the backquoted names that follow "expected" in a serde message, e.g.
/// "unknown field `pasword`, expected one of `url`, `password`" → (`pasword`, [url, password]).
pub(crate) fn parse_unknown(message: &str) -> Option<(String, Vec<String>)> {
    let is_unknown = message.starts_with("unknown field") || message.starts_with("unknown variant");
    if !is_unknown {
        return None;
    }
    let offending = backquoted(message).into_iter().next()?;
    let expected = match message.find("expected") {
        Some(at) => backquoted(&message[at..]),
        None => Vec::new(),
    };
    Some((offending, expected))
}

/// The candidate closest to `word`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    let word_lc = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&word_lc, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| {
            // A third of the longer name, at least 2: catches `pasword`, `max_inflight`,
            // `timeout` → `timeout_secs` via the prefix rule below, but not unrelated keys.
            let limit = (word.len().max(c.len()) / 3).max(2);
            *d <= limit || c.starts_with(word) || word.starts_with(c.as_str())
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

fn backquoted(s: &str) -> Vec<String> {
    s.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_serde_messages() {
        let (bad, exp) =
            parse_unknown("unknown field `pasword`, expected one of `url`, `password`").unwrap();
        assert_eq!(bad, "pasword");
        assert_eq!(exp, names(&["url", "password"]));
        let (bad, exp) =
            parse_unknown("unknown variant `oaut`, expected `basic` or `oauth`").unwrap();
        assert_eq!(bad, "oaut");
        assert_eq!(exp, names(&["basic", "oauth"]));
        assert!(parse_unknown("invalid type: integer `3`, expected a string").is_none());
    }

    #[test]
    fn suggests_only_plausible_typos() {
        let keys = names(&[
            "url",
            "username",
            "password",
            "max_in_flight",
            "timeout_secs",
        ]);
        assert_eq!(closest("pasword", &keys), Some("password"));
        assert_eq!(closest("max_inflight", &keys), Some("max_in_flight"));
        assert_eq!(closest("timeout", &keys), Some("timeout_secs"));
        assert_eq!(closest("URL", &keys), Some("url"));
        assert_eq!(closest("colour_scheme", &keys), None);
    }
}
