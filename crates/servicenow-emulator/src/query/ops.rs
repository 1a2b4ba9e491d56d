//! Operators and the parsing of one condition term (`<field><OP><value>`).

use super::script::Unit;

/// The operators the evaluator implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Like,
    NotLike,
    StartsWith,
    EndsWith,
    IsEmpty,
    IsNotEmpty,
    Anything,
    EmptyString,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    SameAs,
    NSameAs,
    In,
    NotIn,
    /// Dynamic filters name a `sys_filter_option_dynamic` script that the emulator cannot run.
    Dynamic,
    /// Hierarchy queries need the CMDB/reference tree; treated as `=` against the start record.
    InHierarchy,
    /// Field-to-field comparisons on numbers (`GT_FIELD` and friends).
    GtField,
    LtField,
    GeField,
    LeField,
    /// `ON<label>@<start>@<end>`: within the (resolved) start and end, inclusive.
    On,
    NotOn,
    /// `RELATIVEGT@<unit>@ago|ahead@<n>` and siblings: compared with now shifted by n units.
    RelativeGe,
    RelativeGt,
    RelativeLe,
    RelativeLt,
    /// Same unit (day, hour, …) as now shifted by n units.
    RelativeEe,
}

/// The right-hand side of a condition, already shaped for its operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operand {
    /// Unary operators (ISEMPTY and friends): any trailing text is ignored.
    None,
    Text(String),
    List(Vec<String>),
    Range(String, String),
    /// Field-to-field operators: the path of the other field, and for date comparisons such as
    /// `sla_dueSAMEASactivity_due@day` how many leading characters of the raw UTC value to compare
    /// (`None` = the whole value).
    Field(String, Option<usize>),
    /// A relative date: `amount` units from now (negative = ago).
    Relative(Unit, i64),
}

/// One parsed condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    Field {
        field: String,
        op: Op,
        operand: Operand,
    },
    /// `123TEXTQUERY321=…`: lower-cased search terms, all of which must occur in the text index.
    Text(Vec<String>),
}

/// Operator spellings. Some spellings map to `None`: they are real ServiceNow operators (`DATEPART`,
/// `MORETHAN`, class and change operators) that the emulator does not evaluate. They are listed so that longest-match
/// never misreads them as a shorter operator (`INSTANCEOF` must not become `IN` + `STANCEOF`).
const OPERATORS: &[(&str, Option<Op>)] = &[
    ("=", Some(Op::Eq)),
    ("!=", Some(Op::Ne)),
    ("<=", Some(Op::Le)),
    (">=", Some(Op::Ge)),
    ("<", Some(Op::Lt)),
    (">", Some(Op::Gt)),
    ("LIKE", Some(Op::Like)),
    // Symbolic aliases from the operator reference (r_OpAvailableFiltersQueries).
    ("*", Some(Op::Like)),
    ("!*", Some(Op::NotLike)),
    ("%", Some(Op::EndsWith)),
    ("NOTLIKE", Some(Op::NotLike)),
    ("NOT LIKE", Some(Op::NotLike)),
    ("STARTSWITH", Some(Op::StartsWith)),
    ("ENDSWITH", Some(Op::EndsWith)),
    ("ISEMPTY", Some(Op::IsEmpty)),
    ("ISNOTEMPTY", Some(Op::IsNotEmpty)),
    ("ANYTHING", Some(Op::Anything)),
    ("EMPTYSTRING", Some(Op::EmptyString)),
    ("BETWEEN", Some(Op::Between)),
    ("SAMEAS", Some(Op::SameAs)),
    ("NSAMEAS", Some(Op::NSameAs)),
    ("IN", Some(Op::In)),
    ("NOT IN", Some(Op::NotIn)),
    ("DYNAMIC", Some(Op::Dynamic)),
    ("IN_HIERARCHY", Some(Op::InHierarchy)),
    // "is in hierarchy (dynamic)": a dynamic start record, which cannot be resolved either.
    ("IN_HIERARCHY_DYNAMIC", Some(Op::Dynamic)),
    ("GT_FIELD", Some(Op::GtField)),
    ("LT_FIELD", Some(Op::LtField)),
    ("GT_OR_EQUALS_FIELD", Some(Op::GeField)),
    ("LT_OR_EQUALS_FIELD", Some(Op::LeField)),
    ("ON", Some(Op::On)),
    ("NOTON", Some(Op::NotOn)),
    ("RELATIVEGE", Some(Op::RelativeGe)),
    ("RELATIVEGT", Some(Op::RelativeGt)),
    ("RELATIVELE", Some(Op::RelativeLe)),
    ("RELATIVELT", Some(Op::RelativeLt)),
    ("RELATIVEEE", Some(Op::RelativeEe)),
    ("DATEPART", None),
    ("MORETHAN", None),
    ("LESSTHAN", None),
    ("INSTANCEOF", None),
    ("VALCHANGES", None),
    ("CHANGESFROM", None),
    ("CHANGESTO", None),
];

/// The pseudo-field of keyword search.
pub(crate) const TEXT_QUERY_FIELD: &str = "123TEXTQUERY321";

/// Characters of a ServiceNow column path. Column names are always lower case, which is what lets the
/// operator start at the first upper-case letter or symbol: `short_descriptionSTARTSWITHNOT` is
/// `short_description` + `STARTSWITH` + `NOT`, and `descriptionLIKEfoo` is never read as `desc…`.
fn is_field_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
}

/// The longest operator spelled at the start of `s`, with its length in bytes.
fn match_operator(s: &str) -> Option<(usize, Option<Op>)> {
    OPERATORS
        .iter()
        .filter(|(spelling, _)| s.starts_with(spelling))
        .max_by_key(|(spelling, _)| spelling.len())
        .map(|(spelling, op)| (spelling.len(), *op))
}

/// Why a term could not be turned into a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermError {
    /// No field or no operator could be found, or the operand is unusable.
    Malformed,
    /// A real operator the emulator does not evaluate.
    Unsupported,
}

/// Parses one condition term (prefixes such as `OR`, `NQ` and `GOTO` already removed).
pub(crate) fn parse_condition(term: &str) -> Result<Condition, TermError> {
    if let Some(rest) = term.strip_prefix(TEXT_QUERY_FIELD) {
        return match rest.strip_prefix('=') {
            Some(text) => Ok(Condition::Text(text_terms(text))),
            None => Err(TermError::Unsupported),
        };
    }
    let (field, op, value) = split_condition(term).ok_or(TermError::Malformed)?;
    let op = op.ok_or(TermError::Unsupported)?;
    let operand = shape_operand(op, value).ok_or(TermError::Malformed)?;
    Ok(Condition::Field {
        field: field.to_string(),
        op,
        operand,
    })
}

/// Finds field, operator and raw value. The field is the longest lower-case column path; if no
/// operator follows it (e.g. a mis-cased `Number=…`), fall back to the first symbolic operator so the
/// term is still read as a condition on an unknown field, which the evaluator then drops.
fn split_condition(term: &str) -> Option<(&str, Option<Op>, &str)> {
    let field_end = term.find(|c: char| !is_field_char(c)).unwrap_or(term.len());
    let at = match match_operator(&term[field_end..]) {
        Some(_) => field_end,
        None => term.find(['=', '!', '<', '>', '*', '%'])?,
    };
    let (len, op) = match_operator(&term[at..])?;
    let field = &term[..at];
    if field.is_empty() {
        return None;
    }
    Some((field, op, &term[at + len..]))
}

fn shape_operand(op: Op, value: &str) -> Option<Operand> {
    Some(match op {
        Op::IsEmpty | Op::IsNotEmpty | Op::Anything | Op::EmptyString => Operand::None,
        // Commas in IN lists cannot be escaped on a real instance either.
        Op::In | Op::NotIn => Operand::List(value.split(',').map(str::to_string).collect()),
        Op::Between => {
            let (low, high) = value.split_once('@')?;
            Operand::Range(low.to_string(), high.to_string())
        }
        // The label (`Today`, `2026-01-15`, …) is for display only; start and end decide.
        Op::On | Op::NotOn => {
            let mut parts = value.splitn(3, '@').skip(1);
            let (start, end) = (parts.next()?, parts.next()?);
            Operand::Range(start.to_string(), end.to_string())
        }
        Op::RelativeGe | Op::RelativeGt | Op::RelativeLe | Op::RelativeLt | Op::RelativeEe => {
            relative(op, value)?
        }
        Op::SameAs | Op::NSameAs | Op::GtField | Op::LtField | Op::GeField | Op::LeField => {
            let (path, unit) = match value.split_once('@') {
                Some((path, unit)) => (path, unit_prefix_len(unit)),
                None => (value, None),
            };
            if path.is_empty() {
                return None;
            }
            Operand::Field(path.to_string(), unit)
        }
        _ => Operand::Text(value.to_string()),
    })
}

/// `@<unit>@ago|ahead@<n>`. `RELATIVEEE` needs a unit that is a prefix of the raw value.
fn relative(op: Op, value: &str) -> Option<Operand> {
    let mut parts = value.strip_prefix('@')?.split('@');
    let (unit, direction, amount) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let unit = Unit::parse(unit)?;
    let amount: i64 = amount.parse().ok()?;
    let amount = match direction {
        "ago" => amount.checked_neg()?,
        "ahead" => amount,
        _ => return None,
    };
    if op == Op::RelativeEe && unit.prefix_len().is_none() {
        return None;
    }
    Some(Operand::Relative(unit, amount))
}

/// `@day`, `@hour`, … on a field comparison: how many leading characters of the raw value to
/// compare. Other units compare the whole value.
fn unit_prefix_len(unit: &str) -> Option<usize> {
    Unit::parse(unit)?.prefix_len()
}

/// Splits keyword-search text into lower-cased terms. Whitespace separates terms; a double-quoted
/// run is one phrase term (as in the instance's search box). An unterminated quote runs to the end.
fn text_terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    for c in text.chars() {
        if c == '"' {
            in_quotes = !in_quotes;
            push_term(&mut terms, &mut current);
        } else if c.is_whitespace() && !in_quotes {
            push_term(&mut terms, &mut current);
        } else {
            current.push(c);
        }
    }
    push_term(&mut terms, &mut current);
    terms
}

fn push_term(terms: &mut Vec<String>, current: &mut String) {
    let term = std::mem::take(current);
    let trimmed = term.trim();
    if !trimmed.is_empty() {
        terms.push(trimmed.to_lowercase());
    }
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
