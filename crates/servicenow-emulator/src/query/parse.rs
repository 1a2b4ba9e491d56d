//! Builds the group / OR-chain structure of an encoded query from its terms.

use super::lexer::split_terms;
use super::ops::{Condition, parse_condition};
use super::order::OrderBy;

/// Conditions OR'ed together (`a^ORb^ORc`). A malformed term still opens a chain, which simply has
/// no condition in it, so `bad^ORc=1` is evaluated on `c=1` alone, like an unknown field would be.
pub(crate) type Chain = Vec<Condition>;

/// Chains AND'ed together; one `^NQ` section.
pub(crate) type Group = Vec<Chain>;

/// The parsed form of a query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Parsed {
    /// Groups OR'ed together. Groups without any term (from `NQ` at the start or end, or an `NQ` that
    /// only carried an ORDERBY) are dropped here so they cannot turn into a match-everything group.
    pub(crate) groups: Vec<Group>,
    pub(crate) order_by: Vec<OrderBy>,
    pub(crate) ignored: Vec<String>,
}

pub(crate) fn parse(raw: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut groups: Vec<Group> = vec![Vec::new()];
    for term in split_terms(raw) {
        let mut rest = term.as_str();
        if let Some(after) = rest.strip_prefix("NQ") {
            groups.push(Vec::new());
            rest = after;
        }
        // `ORDERBY` must be tested before `OR`, which it starts with.
        let joins_or = !rest.starts_with("ORDERBY") && rest.starts_with("OR");
        if joins_or {
            rest = &rest[2..];
        }
        if rest.is_empty() || rest == "EQ" {
            continue;
        }
        if let Some(spec) = rest.strip_prefix("ORDERBY") {
            match order_term(spec) {
                Some(order) => parsed.order_by.push(order),
                None => parsed.ignored.push(term.clone()),
            }
            continue;
        }
        let rest = rest.strip_prefix("GOTO").unwrap_or(rest);
        let condition = match parse_condition(rest) {
            Ok(condition) => Some(condition),
            Err(_) => {
                parsed.ignored.push(term.clone());
                None
            }
        };
        let Some(group) = groups.last_mut() else {
            continue;
        };
        match group.last_mut() {
            // An `OR` with nothing before it in its group simply starts the first chain.
            Some(chain) if joins_or => chain.extend(condition),
            _ => group.push(condition.into_iter().collect()),
        }
    }
    parsed.groups = groups.into_iter().filter(|g| !g.is_empty()).collect();
    parsed
}

/// `ORDERBY<f>` / `ORDERBYDESC<f>` (the `ORDERBY` already removed).
fn order_term(spec: &str) -> Option<OrderBy> {
    let (field, descending) = match spec.strip_prefix("DESC") {
        Some(field) => (field, true),
        None => (spec, false),
    };
    if field.is_empty() {
        return None;
    }
    Some(OrderBy {
        field: field.to_string(),
        descending,
    })
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
