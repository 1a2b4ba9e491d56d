//! Collecting a rule's problems: each with the rule, the field, the cause and the fix, and the
//! small parsers (globs, templates, levels, durations) that report into it.

use super::glob::Glob;
use super::template::Template;
use super::{format_duration, parse_duration};

/// One problem with one rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule `{rule}`: {field}: {cause}; {fix}")]
pub struct RuleError {
    /// The rule's name (or `#N` when it has none).
    pub rule: String,
    /// `name`, `match.title`, `template.short_description`, `flood_limit`, …
    pub field: String,
    pub cause: String,
    pub fix: String,
}

pub(super) struct Errors<'a> {
    pub rule: &'a str,
    pub out: &'a mut Vec<RuleError>,
}

impl Errors<'_> {
    pub(super) fn push(&mut self, field: &str, cause: impl Into<String>, fix: impl Into<String>) {
        self.out.push(RuleError {
            rule: self.rule.to_owned(),
            field: field.to_owned(),
            cause: cause.into(),
            fix: fix.into(),
        });
    }

    pub(super) fn glob(&mut self, field: &str, pattern: &Option<String>) -> Option<Glob> {
        let p = pattern.as_deref()?;
        match Glob::new(p) {
            Ok(g) => Some(g),
            Err(e) => {
                self.push(field, e, "fix the glob (`*` any text, `?` one character)");
                None
            }
        }
    }

    pub(super) fn template(&mut self, field: &str, text: &Option<String>) -> Option<Template> {
        let t = text.as_deref()?;
        match Template::parse(t) {
            Ok(t) => Some(t),
            Err(e) => {
                self.push(field, e, "fix the placeholder (docs/rules.md §Templates)");
                None
            }
        }
    }

    pub(super) fn level(&mut self, field: &str, v: Option<i64>) -> Option<u8> {
        let v = v?;
        match u8::try_from(v).ok().filter(|v| (1..=3).contains(v)) {
            Some(l) => Some(l),
            None => {
                self.push(
                    field,
                    format!("{v} is outside 1–3"),
                    "use 1 (high), 2 (medium) or 3 (low)",
                );
                None
            }
        }
    }

    pub(super) fn duration(
        &mut self,
        field: &str,
        v: &Option<String>,
        default: jiff::SignedDuration,
    ) -> jiff::SignedDuration {
        let Some(text) = v else { return default };
        match parse_duration(text) {
            Ok(d) => d,
            Err(e) => {
                self.push(
                    field,
                    format!("{text:?}: {e}"),
                    format!(
                        "write it like \"90s\", \"15m\", \"1h30m\" or \"30d\" (the default is \"{}\")",
                        format_duration(default)
                    ),
                );
                default
            }
        }
    }
}
