//! The `/` filter as a query (docs/dashboard.md §Filter): plain words must each occur somewhere
//! in the row (id, title, source, store, severity, status); `field:value` terms match one field
//! (`sev:crit`, `status:ack`, `src:NAME`, `store:NAME`, `linked:no`, `id:…`, `title:…`); a
//! leading `-` excludes what the term matches. Terms are ANDed and case-insensitive.
//!
//! Rows are matched against their lower-cased haystack (`list.rs` builds it once per row), whose
//! fields are separated by `\u{1f}` in [`HAY_FIELDS`] order, so matching allocates nothing.

/// The order of the fields in a row's haystack.
pub const HAY_FIELDS: [Field; 6] = [
    Field::Id,
    Field::Title,
    Field::Source,
    Field::Store,
    Field::Severity,
    Field::Status,
];

/// A field a `name:value` term can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Title,
    Source,
    Store,
    Severity,
    Status,
    Linked,
}

impl Field {
    fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "id" => Field::Id,
            "title" => Field::Title,
            "src" | "source" => Field::Source,
            "store" | "ds" | "datastore" => Field::Store,
            "sev" | "severity" => Field::Severity,
            "status" | "st" => Field::Status,
            "linked" | "ln" | "links" => Field::Linked,
            _ => return None,
        })
    }
}

/// What one term looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anywhere in the row.
    Text,
    Field(Field),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negate: bool,
    pub kind: Kind,
    /// Lower-case.
    pub value: String,
}

impl Term {
    fn parse(word: &str) -> Term {
        let (negate, rest) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word),
        };
        if let Some((name, value)) = rest.split_once(':')
            && let Some(field) = Field::from_name(name)
        {
            return Term {
                negate,
                kind: Kind::Field(field),
                value: value.to_owned(),
            };
        }
        Term {
            negate,
            kind: Kind::Text,
            value: rest.to_owned(),
        }
    }

    /// An empty value (`sev:` or a bare `-` while typing) constrains nothing.
    fn is_blank(&self) -> bool {
        self.value.is_empty()
    }

    fn hits(&self, hay: &str, link_count: usize) -> bool {
        let field = |f: Field| hay_field(hay, f);
        match self.kind {
            Kind::Text => hay.contains(self.value.as_str()),
            Kind::Field(Field::Linked) => {
                let v = self.value.as_str();
                let yes = ["yes", "true", "1"].iter().any(|w| w.starts_with(v));
                let no = ["no", "false", "0"].iter().any(|w| w.starts_with(v));
                (yes && link_count > 0) || (no && link_count == 0)
            }
            Kind::Field(Field::Severity) => {
                let sev = field(Field::Severity);
                let sev = if sev.is_empty() { "none" } else { sev };
                sev.starts_with(self.value.as_str())
            }
            Kind::Field(Field::Status) => {
                // `active`, `acknowledged`, `archived:<reason>`: `ack`, `arc`, the reason
                // (`invalid`), and `open` (not archived) all work.
                let code = field(Field::Status);
                let v = self.value.as_str();
                let reason = code.strip_prefix("archived:");
                code.starts_with(v)
                    || reason.is_some_and(|r| r.starts_with(v))
                    || (reason.is_none() && "open".starts_with(v))
            }
            Kind::Field(f) => field(f).contains(self.value.as_str()),
        }
    }
}

/// The field `f` of a haystack (empty when the row has none).
fn hay_field(hay: &str, f: Field) -> &str {
    HAY_FIELDS
        .iter()
        .position(|x| *x == f)
        .and_then(|i| hay.split('\u{1f}').nth(i))
        .unwrap_or("")
}

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    terms: Vec<Term>,
    /// The text it was parsed from, lower-cased.
    text: String,
}

impl Query {
    pub fn parse(text: &str) -> Query {
        let text = text.to_lowercase();
        Query {
            terms: text.split_whitespace().map(Term::parse).collect(),
            text,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Constrains nothing.
    pub fn is_empty(&self) -> bool {
        self.terms.iter().all(Term::is_blank)
    }

    /// Whether a row with this haystack and link count is shown.
    pub fn matches(&self, hay: &str, link_count: usize) -> bool {
        self.terms
            .iter()
            .filter(|t| !t.is_blank())
            .all(|t| t.hits(hay, link_count) != t.negate)
    }

    /// Whether everything this query shows was shown by `old` too, so only `old`'s matches need
    /// checking again: `old`'s text is a prefix of this one and the only term it extends is a
    /// positive one of the same kind (`nul` → `null`; not `sev` → `sev:crit`, not `-a` → `-ab`).
    pub fn narrows(&self, old: &Query) -> bool {
        if old.is_empty() || !self.text.starts_with(&old.text) {
            return false;
        }
        if old.text.ends_with(char::is_whitespace) {
            return true;
        }
        match (
            old.terms.last(),
            self.terms.get(old.terms.len().wrapping_sub(1)),
        ) {
            (Some(was), Some(now)) => !was.negate && !now.negate && was.kind == now.kind,
            _ => false,
        }
    }

    /// The words to highlight in a field's text: the positive terms that look at it.
    pub fn highlights(&self, field: Field) -> impl Iterator<Item = &str> {
        self.terms
            .iter()
            .filter(move |t| {
                !t.negate
                    && !t.is_blank()
                    && match t.kind {
                        Kind::Text => true,
                        Kind::Field(f) => {
                            f == field
                                && matches!(
                                    f,
                                    Field::Id | Field::Title | Field::Source | Field::Store
                                )
                        }
                    }
            })
            .map(|t| t.value.as_str())
    }
}

/// Byte ranges of `text` where any of `words` (lower-case) occurs, case-insensitively, merged
/// and in order. Works on chars, so a word never splits a character.
pub fn find_ranges<'a>(
    text: &str,
    words: impl Iterator<Item = &'a str>,
) -> Vec<std::ops::Range<usize>> {
    let words: Vec<Vec<char>> = words.map(|w| w.chars().collect()).collect();
    if words.is_empty() {
        return Vec::new();
    }
    // One lower-case char per char of `text` (a char whose lower case is several chars keeps
    // its first: good enough to place a highlight).
    let chars: Vec<(usize, char)> = text
        .char_indices()
        .map(|(i, c)| (i, c.to_lowercase().next().unwrap_or(c)))
        .collect();
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for start in 0..chars.len() {
        for w in &words {
            if w.is_empty() || start + w.len() > chars.len() {
                continue;
            }
            if chars[start..start + w.len()]
                .iter()
                .zip(w)
                .all(|((_, c), wc)| c == wc)
            {
                let from = chars[start].0;
                let to = chars.get(start + w.len()).map_or(text.len(), |(i, _)| *i);
                match out.last_mut() {
                    Some(last) if last.end >= from => last.end = last.end.max(to),
                    _ => out.push(from..to),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hay(id: &str, title: &str, src: &str, store: &str, sev: &str, status: &str) -> String {
        [id, title, src, store, sev, status]
            .iter()
            .map(|p| format!("{}\u{1f}", p.to_lowercase()))
            .collect()
    }

    #[test]
    fn field_terms_match_their_field_only() {
        let h = hay("A-1", "Null ids", "dq", "snowflake", "critical", "active");
        let q = |s: &str| Query::parse(s).matches(&h, 0);
        assert!(q("sev:crit"));
        assert!(!q("sev:high"));
        assert!(q("status:act") && q("status:open") && !q("status:ack"));
        assert!(q("src:dq") && !q("src:snow"));
        assert!(q("store:snow"));
        assert!(q("linked:no") && !q("linked:yes"));
        assert!(q("null sev:c linked:n"));
        assert!(!q("-null") && q("-sev:low"));
        // An unknown field is plain text; a blank value constrains nothing.
        assert!(!q("foo:bar"));
        assert!(q("sev:") && q("-"));
        let archived = hay("A-2", "x", "dq", "", "", "archived:invalid");
        let a = |s: &str| Query::parse(s).matches(&archived, 2);
        assert!(a("status:arc") && a("status:invalid") && !a("status:open"));
        assert!(a("sev:none") && a("linked:y") && a("ln:yes"));
    }

    #[test]
    fn narrowing_is_only_claimed_when_it_holds() {
        let n = |old: &str, new: &str| Query::parse(new).narrows(&Query::parse(old));
        assert!(n("nul", "null"));
        assert!(n("null ", "null sev:c"));
        assert!(n("null ", "null -x"));
        assert!(n("sev:c", "sev:cr"));
        assert!(!n("sev", "sev:crit"));
        assert!(!n("-a", "-ab"));
        assert!(!n("", "a"));
        assert!(!n("abc", "ab"));
    }

    #[test]
    fn ranges_are_case_insensitive_and_merged() {
        assert_eq!(
            find_ranges("Null NULL ids", ["null"].into_iter()),
            vec![0..4, 5..9]
        );
        assert_eq!(find_ranges("abcd", ["ab", "bc"].into_iter()), vec![0..3]);
        assert_eq!(find_ranges("Größe", ["öß"].into_iter()), vec![2..6]);
        assert!(find_ranges("abc", std::iter::empty()).is_empty());
    }
}
