//! PLACEHOLDER encoded-query engine: only `field=value`, `^` and `ORDERBY[DESC]`.
//! The real engine (another helper's work) replaces this module at merge time;
//! the interface below is the agreed contract.

use std::cmp::Ordering;

/// Resolves field values of one record for query evaluation.
pub trait FieldLookup {
    /// Raw value of a field or dot-walk path; `None` means the field is unknown.
    fn raw(&self, path: &str) -> Option<String>;
    /// Text searched by `123TEXTQUERY321`.
    fn text_index(&self) -> String;
}

/// One `ORDERBY` term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub field: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cond {
    field: String,
    value: String,
}

/// A parsed encoded query.
#[derive(Debug, Clone, Default)]
pub struct EncodedQuery {
    conds: Vec<Cond>,
    order: Vec<OrderBy>,
    ignored: Vec<String>,
}

impl EncodedQuery {
    pub fn parse(raw: &str) -> EncodedQuery {
        let mut q = EncodedQuery::default();
        for term in raw.split('^').filter(|t| !t.is_empty()) {
            if let Some(f) = term.strip_prefix("ORDERBYDESC") {
                q.order.push(OrderBy {
                    field: f.to_string(),
                    descending: true,
                });
            } else if let Some(f) = term.strip_prefix("ORDERBY") {
                q.order.push(OrderBy {
                    field: f.to_string(),
                    descending: false,
                });
            } else if term == "EQ" {
            } else if let Some((f, v)) = term.split_once('=') {
                q.conds.push(Cond {
                    field: f.to_string(),
                    value: v.to_string(),
                });
            } else {
                q.ignored.push(term.to_string());
            }
        }
        q
    }

    pub fn is_empty(&self) -> bool {
        self.conds.is_empty() && self.order.is_empty()
    }

    pub fn matches(&self, lookup: &dyn FieldLookup) -> bool {
        self.conds.iter().all(|c| match lookup.raw(&c.field) {
            None => true,
            Some(v) => v.eq_ignore_ascii_case(&c.value),
        })
    }

    pub fn order_by(&self) -> &[OrderBy] {
        &self.order
    }

    pub fn referenced_fields(&self) -> Vec<String> {
        let mut out: Vec<String> = self.conds.iter().map(|c| c.field.clone()).collect();
        out.extend(self.order.iter().map(|o| o.field.clone()));
        out
    }

    pub fn ignored_terms(&self) -> &[String] {
        &self.ignored
    }
}

/// Orders two raw values: numerically when both are numbers, else as text.
pub fn compare_values(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}
