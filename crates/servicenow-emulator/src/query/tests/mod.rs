//! End-to-end tests: parse + match against an in-memory record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use super::{EncodedQuery, FieldLookup};

mod dates;
mod operators;
mod structure;

/// A record as a map of field paths (dot-walks included as flat keys) to raw values.
pub(super) struct Rec(HashMap<String, String>);

impl FieldLookup for Rec {
    fn raw(&self, path: &str) -> Option<String> {
        self.0.get(path).cloned()
    }
    fn text_index(&self) -> String {
        ["number", "short_description", "description"]
            .iter()
            .filter_map(|f| self.0.get(*f).cloned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub(super) fn rec(pairs: &[(&str, &str)]) -> Rec {
    Rec(pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// A typical incident.
pub(super) fn incident() -> Rec {
    rec(&[
        ("number", "INC0010001"),
        ("short_description", "Disk full on Web-01"),
        ("description", "The /var partition is at 100%"),
        ("priority", "2"),
        ("impact", "10"),
        ("state", "1"),
        ("active", "true"),
        ("assigned_to", ""),
        ("opened_by", "6816f79cc0a8016401c5a33be04be441"),
        ("caller_id", "6816f79cc0a8016401c5a33be04be441"),
        ("resolved_by", ""),
        ("assignment_group", "8a4dde73c6112278017a6a4baf547aa7"),
        ("assignment_group.name", "Service Desk"),
        ("sys_created_on", "2026-01-15 08:30:00"),
        ("correlation_id", "snowlink:a^b"),
    ])
}

pub(super) fn m(query: &str) -> bool {
    EncodedQuery::parse(query).matches(&incident())
}
