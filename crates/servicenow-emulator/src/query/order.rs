//! ORDERBY terms and the value ordering used to sort by them.

use std::cmp::Ordering;

/// One `ORDERBY<field>` (ascending) or `ORDERBYDESC<field>` (descending) term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub field: String,
    pub descending: bool,
}

/// Compares two raw values the way ORDERBY does: empty sorts first, then numbers (numerically), then
/// everything else (case-insensitively, ties broken by the exact text).
///
/// A real instance sorts each column by its type, so one column is all numbers or all text; ranking
/// numbers before text only matters for mixed data, and it keeps this a total order. (Comparing
/// numerically only "when both parse" is not transitive: "2" < "10" < "1x" < "2". `slice::sort_by`
/// may panic on such a comparator.) Date-times in the raw UTC form sort correctly as text.
pub fn compare_values(a: &str, b: &str) -> Ordering {
    rank(a)
        .cmp(&rank(b))
        .then_with(|| match (as_number(a), as_number(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => compare_text(a, b),
        })
}

fn rank(value: &str) -> u8 {
    if value.is_empty() {
        0
    } else if as_number(value).is_some() {
        1
    } else {
        2
    }
}

/// Case-insensitive order, with the exact text as tie-break so distinct values never compare equal.
fn compare_text(a: &str, b: &str) -> Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

/// Reads a plain decimal number (`-12`, `3.5`, `+4`, `.5`). Exponents, `inf` and `NaN`, which Rust's
/// float parser would accept, are text here: a `short_description` of "inf" is not a number.
pub(crate) fn as_number(value: &str) -> Option<f64> {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    let mut seen_digit = false;
    let mut seen_dot = false;
    for c in digits.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    value.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::{as_number, compare_values};
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn numbers_compare_numerically() {
        assert_eq!(compare_values("2", "10"), Less);
        assert_eq!(compare_values("-1", "0.5"), Less);
        assert_eq!(compare_values("1.0", "1"), Equal);
    }

    #[test]
    fn text_compares_case_insensitively() {
        assert_eq!(compare_values("apple", "Banana"), Less);
        assert_eq!(compare_values("INC0010002", "inc0010010"), Less);
        // Tie-break on exact text keeps the order total and deterministic.
        assert_ne!(compare_values("abc", "ABC"), Equal);
    }

    #[test]
    fn empty_sorts_first() {
        assert_eq!(compare_values("", "0"), Less);
        assert_eq!(compare_values("", "a"), Less);
        assert_eq!(compare_values("a", ""), Greater);
        assert_eq!(compare_values("", ""), Equal);
    }

    #[test]
    fn utc_date_times_sort_as_text() {
        assert_eq!(
            compare_values("2026-01-02 00:00:00", "2026-01-10 00:00:00"),
            Less
        );
        assert_eq!(
            compare_values("2025-12-31 23:59:59", "2026-01-01 00:00:00"),
            Less
        );
    }

    #[test]
    fn mixed_values_form_a_total_order() {
        // The non-transitive trio of a naive comparator sorts without panicking and consistently.
        let mut values = vec!["1x", "10", "2", "", "b", "A", "-3", "2.5"];
        values.sort_by(|a, b| compare_values(a, b));
        assert_eq!(values, vec!["", "-3", "2", "2.5", "10", "1x", "A", "b"]);
        for a in &values {
            for b in &values {
                assert_eq!(compare_values(a, b), compare_values(b, a).reverse());
            }
        }
    }

    #[test]
    fn number_recognition_is_strict() {
        assert_eq!(as_number("42"), Some(42.0));
        assert_eq!(as_number("-0.5"), Some(-0.5));
        assert_eq!(as_number(".5"), Some(0.5));
        assert_eq!(as_number("inf"), None);
        assert_eq!(as_number("NaN"), None);
        assert_eq!(as_number("1e3"), None);
        assert_eq!(as_number("1.2.3"), None);
        assert_eq!(as_number("-"), None);
        assert_eq!(as_number("."), None);
        assert_eq!(as_number(" 1"), None);
    }
}
