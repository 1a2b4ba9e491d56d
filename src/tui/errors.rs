//! The error log: every error the dashboard showed, kept so it can be read in full (the status
//! bar and the toasts only have room for the start of it; docs/dashboard.md §Errors). Bounded,
//! newest last; an error repeated word for word is counted on its entry instead of added again
//! (a failing poll would otherwise fill the log with one message).

use std::collections::VecDeque;

use jiff::Timestamp;

/// How many distinct errors are kept (the oldest goes first).
pub const MAX_ERRORS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorEntry {
    /// When it was last seen.
    pub at: Timestamp,
    /// When it was first seen.
    pub first_at: Timestamp,
    /// The whole message, as shown.
    pub text: String,
    /// How many times it was seen.
    pub count: u32,
}

impl ErrorEntry {
    /// The cause and, when the message names one, the fix (see [`split_fix`]).
    pub fn parts(&self) -> (&str, Option<&str>) {
        split_fix(&self.text)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorLog {
    entries: VecDeque<ErrorEntry>,
}

impl ErrorLog {
    /// Records `text` seen at `at`. Returns whether it was new (not a repeat).
    pub fn push(&mut self, text: &str, at: Timestamp) -> bool {
        if let Some(pos) = self.entries.iter().position(|e| e.text == text) {
            // A repeat moves to the end: the log reads in the order errors were last seen.
            if let Some(mut e) = self.entries.remove(pos) {
                e.count = e.count.saturating_add(1);
                e.at = at;
                self.entries.push_back(e);
            }
            return false;
        }
        if self.entries.len() >= MAX_ERRORS {
            self.entries.pop_front();
        }
        self.entries.push_back(ErrorEntry {
            at,
            first_at: at,
            text: text.to_owned(),
            count: 1,
        });
        true
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &ErrorEntry> {
        self.entries.iter().rev()
    }
}

/// Words a fix starts with, after the `; ` that ends the cause. Every error in snowlink names the
/// cause, then the fix after a semicolon ("401 from …: User Not Authenticated (…); check
/// username/password …", DESIGN §CLI contract); a `; ` followed by anything else is part of the
/// cause.
const FIX_VERBS: [&str; 16] = [
    "check",
    "set",
    "use",
    "try",
    "add",
    "run",
    "see",
    "link",
    "fix",
    "remove",
    "ask",
    "wait",
    "retry",
    "configure",
    "install",
    "open",
];

/// Splits a message into its cause and its fix: the fix is what follows the first `; ` whose next
/// word is a fix verb (`check`, `set`, `use`, …). `None` when the message names no fix.
pub fn split_fix(text: &str) -> (&str, Option<&str>) {
    let mut from = 0;
    while let Some(i) = text[from..].find("; ") {
        let at = from + i;
        let rest = &text[at + 2..];
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_lowercase();
        if FIX_VERBS.contains(&word.as_str()) {
            return (&text[..at], Some(rest));
        }
        from = at + 2;
    }
    (text, None)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn repeats_are_counted_not_duplicated() {
        let mut log = ErrorLog::default();
        assert!(log.push("a", t(0)));
        assert!(log.push("b", t(1)));
        assert!(!log.push("a", t(2)));
        assert_eq!(log.len(), 2);
        let newest: Vec<_> = log.newest_first().collect();
        assert_eq!(newest[0].text, "a");
        assert_eq!(newest[0].count, 2);
        assert_eq!(newest[0].first_at, t(0));
        assert_eq!(newest[0].at, t(2));
        assert_eq!(newest[1].text, "b");
    }

    #[test]
    fn bounded_oldest_goes_first() {
        let mut log = ErrorLog::default();
        for i in 0..(MAX_ERRORS + 5) {
            log.push(&format!("e{i}"), t(i as i64));
        }
        assert_eq!(log.len(), MAX_ERRORS);
        assert_eq!(log.newest_first().last().unwrap().text, "e5");
    }

    #[test]
    fn the_fix_is_split_off_at_the_semicolon_before_a_fix_verb() {
        let msg = "create failed: 401 from http://x/api: User Not Authenticated (Required to \
                   provide Auth information); check username/password (or the OAuth user); \
                   account locked?";
        let (cause, fix) = split_fix(msg);
        assert!(
            cause.ends_with("(Required to provide Auth information)"),
            "{cause}"
        );
        assert!(fix.unwrap().starts_with("check username/password"));
        assert_eq!(
            split_fix("sources: 1 new; links: 2 refreshed"),
            ("sources: 1 new; links: 2 refreshed", None)
        );
        assert_eq!(split_fix("disk full"), ("disk full", None));
    }
}
