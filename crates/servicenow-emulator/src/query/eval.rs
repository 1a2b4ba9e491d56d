//! Evaluates parsed conditions against one record.
//!
//! Semantics chosen where ServiceNow is not fully documented:
//! - `=`, `!=`, `IN`, `NOT IN`, `SAMEAS`, `NSAMEAS` compare case-insensitively, like `LIKE`,
//!   `STARTSWITH` and `ENDSWITH` (the reference notes `=` "usually" ignores case on real instances,
//!   because their databases use case-insensitive collations).
//! - Empty values behave like SQL NULL, as on a real instance (KB0715430: "is not", "is not one of",
//!   "is same as" and "is different from" never return rows whose compared value is empty). So an
//!   empty stored value satisfies only `ISEMPTY`, `EMPTYSTRING`, `ANYTHING`, and `=` / `IN` /
//!   `IN_HIERARCHY` against an empty operand (`assigned_to=` finds unassigned rows). One exception,
//!   from the operator reference: `!=true` / `!=false` (a boolean field) also matches empty values.
//! - `<`, `<=`, `>`, `>=`, `BETWEEN` compare numerically when both sides are plain numbers, else as
//!   case-insensitive text, which orders raw UTC date-times correctly.
//! - `DYNAMIC` never matches: its operand is the sys_id of a server-side script the emulator cannot
//!   run, and matching nothing is the safe failure (a filter that matched everything could make a
//!   client act on the wrong records).
//! - `IN_HIERARCHY` is treated as `=` against the start record (the part after the last `@`): the
//!   emulator has no hierarchy to walk. `IN_HIERARCHY_DYNAMIC` is `DYNAMIC`.
//! - `javascript:` operands that are pure date arithmetic are evaluated at `now` (see `script.rs`);
//!   others are compared as literal text.
//! - `ON`/`NOTON` use the start and end after the label; `RELATIVE*` shift `now` by the given units.

use std::borrow::Cow;
use std::cmp::Ordering;

use jiff::Timestamp;

use super::FieldLookup;
use super::ops::{Condition, Op, Operand};
use super::order::as_number;
use super::parse::{Chain, Group};
use super::script::{self, Unit, is_script};

/// True when any group matches. A query without groups matches everything.
pub(crate) fn matches_groups(groups: &[Group], lookup: &dyn FieldLookup, now: Timestamp) -> bool {
    groups.is_empty()
        || groups
            .iter()
            .any(|group| group.iter().all(|chain| chain_matches(chain, lookup, now)))
}

/// An OR chain matches when any of its live conditions does. Dropped conditions (unknown fields) do
/// not count, and a chain left with none is true: the instance ignores what it cannot resolve.
fn chain_matches(chain: &Chain, lookup: &dyn FieldLookup, now: Timestamp) -> bool {
    let mut any_live = false;
    for condition in chain {
        match eval_condition(condition, lookup, now) {
            Some(true) => return true,
            Some(false) => any_live = true,
            None => {}
        }
    }
    !any_live
}

/// `None` when the condition is dropped because a field it names does not exist.
pub(crate) fn eval_condition(
    condition: &Condition,
    lookup: &dyn FieldLookup,
    now: Timestamp,
) -> Option<bool> {
    match condition {
        Condition::Text(terms) => {
            let index = lookup.text_index().to_lowercase();
            Some(terms.iter().all(|term| index.contains(term.as_str())))
        }
        Condition::Field { field, op, operand } => {
            let value = lookup.raw(field)?;
            if let Operand::Field(path, prefix) = operand {
                let other = lookup.raw(path)?;
                return Some(eval_field_op(*op, &value, &other, *prefix));
            }
            if let (Op::RelativeEe, Operand::Relative(unit, amount)) = (op, operand) {
                return Some(same_unit(&value, now, *unit, *amount));
            }
            Some(eval_op(*op, &value, &resolve(operand, now)))
        }
    }
}

/// Evaluates `javascript:` date expressions and relative dates into plain text operands.
fn resolve(operand: &Operand, now: Timestamp) -> Cow<'_, Operand> {
    match operand {
        Operand::Text(t) if is_script(t) => {
            Cow::Owned(Operand::Text(script::resolve(t, now).into_owned()))
        }
        Operand::Range(a, b) if is_script(a) || is_script(b) => Cow::Owned(Operand::Range(
            script::resolve(a, now).into_owned(),
            script::resolve(b, now).into_owned(),
        )),
        Operand::Relative(unit, amount) => Cow::Owned(match script::shifted(now, *unit, *amount) {
            Some(at) => Operand::Text(at),
            // Out of the calendar's range: nothing can compare with it.
            None => Operand::None,
        }),
        _ => Cow::Borrowed(operand),
    }
}

fn eval_op(op: Op, value: &str, operand: &Operand) -> bool {
    match op {
        Op::IsEmpty | Op::EmptyString => value.is_empty(),
        Op::IsNotEmpty => !value.is_empty(),
        Op::Anything => true,
        Op::Dynamic => false,
        Op::Eq => text(operand).is_some_and(|want| eq(value, want)),
        // The operand is `<hierarchy sys_id>@<start record sys_id>`; compare with the start record.
        Op::InHierarchy => text(operand)
            .map(|want| want.rsplit('@').next().unwrap_or(want))
            .is_some_and(|want| eq(value, want)),
        Op::In => list(operand).iter().any(|want| eq(value, want)),
        Op::Ne if value.is_empty() => text(operand).is_some_and(is_boolean_literal),
        _ if value.is_empty() => false,
        Op::Ne => text(operand).is_some_and(|want| !eq(value, want)),
        Op::NotIn => !list(operand).iter().any(|want| eq(value, want)),
        Op::Like => text_test(value, operand, |v, w| v.contains(w)),
        Op::NotLike => text_test(value, operand, |v, w| !v.contains(w)),
        Op::StartsWith => text_test(value, operand, |v, w| v.starts_with(w)),
        Op::EndsWith => text_test(value, operand, |v, w| v.ends_with(w)),
        Op::Lt => cmp_test(value, operand, Ordering::is_lt),
        Op::Le => cmp_test(value, operand, Ordering::is_le),
        Op::Gt => cmp_test(value, operand, Ordering::is_gt),
        Op::Ge => cmp_test(value, operand, Ordering::is_ge),
        Op::Between | Op::On => within(value, operand),
        Op::NotOn => matches!(operand, Operand::Range(..)) && !within(value, operand),
        Op::RelativeGt => cmp_test(value, operand, Ordering::is_gt),
        Op::RelativeGe => cmp_test(value, operand, Ordering::is_ge),
        Op::RelativeLt => cmp_test(value, operand, Ordering::is_lt),
        Op::RelativeLe => cmp_test(value, operand, Ordering::is_le),
        // Handled by `same_unit` before operands are resolved.
        Op::RelativeEe => false,
        // Field-to-field operators are handled by `eval_field_op`.
        Op::SameAs | Op::NSameAs | Op::GtField | Op::LtField | Op::GeField | Op::LeField => false,
    }
}

/// SAMEAS, NSAMEAS and the `*_FIELD` comparisons. An empty value on either side never matches
/// (KB0715430). `prefix` limits date comparisons to a unit (`@day` = the first 10 characters).
fn eval_field_op(op: Op, value: &str, other: &str, prefix: Option<usize>) -> bool {
    if value.is_empty() || other.is_empty() {
        return false;
    }
    let cut = |s: &str| -> String { prefix.and_then(|n| s.get(..n)).unwrap_or(s).to_string() };
    let (a, b) = (cut(value), cut(other));
    match op {
        Op::SameAs => eq(&a, &b),
        Op::NSameAs => !eq(&a, &b),
        Op::GtField => compare(&a, &b).is_gt(),
        Op::LtField => compare(&a, &b).is_lt(),
        Op::GeField => compare(&a, &b).is_ge(),
        Op::LeField => compare(&a, &b).is_le(),
        _ => false,
    }
}

/// The operator reference says `active!=true` returns rows that are "False, empty, or NULL": boolean
/// fields are the exception to "is not never matches empty". The query module does not know field
/// types, so a `true`/`false` operand is taken to mean a boolean field.
fn is_boolean_literal(operand: &str) -> bool {
    operand.eq_ignore_ascii_case("true") || operand.eq_ignore_ascii_case("false")
}

/// `RELATIVEEE`: the value falls in the same day (hour, …) as now shifted by `amount` units.
fn same_unit(value: &str, now: Timestamp, unit: Unit, amount: i64) -> bool {
    let (Some(len), Some(at)) = (unit.prefix_len(), script::shifted(now, unit, amount)) else {
        return false;
    };
    !value.is_empty() && value.get(..len).is_some_and(|v| at.get(..len) == Some(v))
}

fn within(value: &str, operand: &Operand) -> bool {
    match operand {
        Operand::Range(low, high) => compare(value, low).is_ge() && compare(value, high).is_le(),
        _ => false,
    }
}

fn text(operand: &Operand) -> Option<&str> {
    match operand {
        Operand::Text(t) => Some(t),
        _ => None,
    }
}

fn list(operand: &Operand) -> &[String] {
    match operand {
        Operand::List(items) => items,
        _ => &[],
    }
}

fn eq(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

fn text_test(value: &str, operand: &Operand, test: impl Fn(&str, &str) -> bool) -> bool {
    text(operand).is_some_and(|want| test(&value.to_lowercase(), &want.to_lowercase()))
}

fn cmp_test(value: &str, operand: &Operand, test: impl Fn(Ordering) -> bool) -> bool {
    text(operand).is_some_and(|want| test(compare(value, want)))
}

/// Condition comparison: numeric when both sides are numbers, else case-insensitive text.
fn compare(value: &str, operand: &str) -> Ordering {
    match (as_number(value), as_number(operand)) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        _ => value.to_lowercase().cmp(&operand.to_lowercase()),
    }
}
