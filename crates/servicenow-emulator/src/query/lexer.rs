//! Splits a raw encoded query into terms on `^`, honouring the `^^` escape.

/// Splits `raw` on `^` separators. `^^` is always read as a literal `^` (this is what
/// `GlideStringUtil.escapeQueryTermSeparator` produces), scanning left to right, so `a=x^^^b=1` is the
/// two terms `a=x^` and `b=1`. The consequence is that an empty term can never be written between two
/// separators (`a=1^^b=2` is the single term `a=1^b=2`), which matches how real instances read it.
/// Empty terms (leading/trailing `^`) are returned as empty strings; the parser skips them.
pub(crate) fn split_terms(raw: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '^' {
            current.push(c);
        } else if chars.peek() == Some(&'^') {
            chars.next();
            current.push('^');
        } else {
            terms.push(std::mem::take(&mut current));
        }
    }
    terms.push(current);
    terms
}

#[cfg(test)]
mod tests {
    use super::split_terms;

    #[test]
    fn splits_on_single_caret() {
        assert_eq!(split_terms("a=1^b=2"), vec!["a=1", "b=2"]);
    }

    #[test]
    fn double_caret_is_literal() {
        assert_eq!(split_terms("a=x^^y^b=2"), vec!["a=x^y", "b=2"]);
    }

    #[test]
    fn triple_caret_is_escape_then_separator() {
        assert_eq!(split_terms("a=x^^^b=1"), vec!["a=x^", "b=1"]);
    }

    #[test]
    fn leading_and_trailing_separators_give_empty_terms() {
        assert_eq!(split_terms("^a=1^"), vec!["", "a=1", ""]);
    }

    #[test]
    fn empty_input_is_one_empty_term() {
        assert_eq!(split_terms(""), vec![""]);
    }

    #[test]
    fn whitespace_is_preserved() {
        assert_eq!(split_terms(" a = 1 ^ b"), vec![" a = 1 ", " b"]);
    }
}
