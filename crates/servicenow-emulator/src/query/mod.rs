//! ServiceNow encoded queries (`sysparm_query`): parsing, matching and ORDERBY.
//!
//! Grammar (reference §5): terms are separated by `^`; `^OR` joins a term to the previous one and
//! binds tighter than `^` (`a^b^ORc` = `a AND (b OR c)`); `^NQ` starts a new group OR'ed with the
//! previous ones; `ORDERBY<f>` / `ORDERBYDESC<f>` terms may appear anywhere (also inside NQ groups)
//! and are collected in order; `EQ` terms are ignored; `^^` is a literal `^`; a `GOTO` prefix is
//! stripped; `123TEXTQUERY321=<terms>` is a keyword search over [`FieldLookup::text_index`].
//!
//! Choices where the grammar is ambiguous:
//! - `^^` is always an escape, read left to right, so an empty term cannot sit between two
//!   separators and `^^^` is an escaped `^` followed by a separator.
//! - Empty terms (leading, trailing, `^NQ` at either end) are skipped silently.
//! - An `OR` term with no earlier term in its group starts the group's first chain.
//! - Malformed terms, and real operators the emulator does not evaluate (`DATEPART`, `MORETHAN`,
//!   `LESSTHAN`, `INSTANCEOF`, `VALCHANGES`, `CHANGESFROM`, `CHANGESTO`), are ignored like an
//!   instance ignores invalid parts; they are listed in [`EncodedQuery::ignored_terms`].
//! - Operator recognition relies on ServiceNow column names being lower case: the operator starts at
//!   the first character that is not `[a-z0-9_.]`, and the longest operator spelled there wins.
//!
//! Evaluation semantics (case, empty values, `DYNAMIC`, `IN_HIERARCHY`) are documented in `eval.rs`.

mod eval;
mod lexer;
mod ops;
mod order;
mod parse;
mod script;

#[cfg(test)]
mod tests;

pub use order::{OrderBy, compare_values};

use ops::{Condition, Operand};

/// A parsed ServiceNow encoded query (the value of sysparm_query). Parsing never fails: like a real
/// instance, malformed terms are ignored (recorded in `ignored_terms()` for diagnostics).
#[derive(Debug, Clone, Default)]
pub struct EncodedQuery {
    parsed: parse::Parsed,
}

/// What the evaluator needs from one record. Implemented by the emulator's record store.
pub trait FieldLookup {
    /// Raw stored value of `path` (a field name or a dot-walk like `assignment_group.name`, which the
    /// implementer resolves through the reference). `None` = the field does not exist on this table
    /// (an unknown field); `Some("")` = exists but empty.
    fn raw(&self, path: &str) -> Option<String>;
    /// Text searched by 123TEXTQUERY321 (the emulator passes number, short_description, description).
    fn text_index(&self) -> String;
}

impl EncodedQuery {
    pub fn parse(raw: &str) -> EncodedQuery {
        EncodedQuery {
            parsed: parse::parse(raw),
        }
    }

    /// True when the query has neither a condition nor an ORDERBY (ignored terms do not count).
    pub fn is_empty(&self) -> bool {
        self.parsed.order_by.is_empty() && self.conditions().next().is_none()
    }

    /// Conditions on fields for which `lookup.raw` returns None are ignored (dropped), as real instances do.
    /// Relative dates (`javascript:gs.daysAgoStart(0)`, `RELATIVEGT@hour@ago@1`) use the current time.
    pub fn matches(&self, lookup: &dyn FieldLookup) -> bool {
        self.matches_at(lookup, jiff::Timestamp::now())
    }

    /// [`EncodedQuery::matches`] with relative dates computed at `now`. A server filtering many rows
    /// should take `now` once per request so every row sees the same instant; tests use a fixed one.
    pub fn matches_at(&self, lookup: &dyn FieldLookup, now: jiff::Timestamp) -> bool {
        eval::matches_groups(&self.parsed.groups, lookup, now)
    }

    pub fn order_by(&self) -> &[OrderBy] {
        &self.parsed.order_by
    }

    /// Every field path referenced by a condition or ORDERBY (so the server can apply its
    /// unknown-field policy: ignore / 403 "Insufficient rights to query records" / no rows).
    /// Includes the other field of SAMEAS, NSAMEAS and `*_FIELD`; excludes the 123TEXTQUERY321 pseudo-field.
    /// Each path appears once, in order of first mention.
    pub fn referenced_fields(&self) -> Vec<String> {
        let mut fields: Vec<String> = Vec::new();
        let mut add = |path: &str| {
            if !fields.iter().any(|f| f == path) {
                fields.push(path.to_string());
            }
        };
        for condition in self.conditions() {
            if let Condition::Field { field, operand, .. } = condition {
                add(field);
                if let Operand::Field(other, _) = operand {
                    add(other);
                }
            }
        }
        for order in &self.parsed.order_by {
            add(&order.field);
        }
        fields
    }

    pub fn ignored_terms(&self) -> &[String] {
        &self.parsed.ignored
    }

    /// Number of `^NQ` groups that hold at least one term (diagnostics and tests).
    pub fn group_count(&self) -> usize {
        self.parsed.groups.len()
    }

    fn conditions(&self) -> impl Iterator<Item = &Condition> {
        self.parsed.groups.iter().flatten().flatten()
    }
}
