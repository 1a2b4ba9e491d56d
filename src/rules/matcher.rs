//! A rule's `match = { … }`, compiled. Every condition given must hold; a condition on a field
//! the anomaly does not have does not hold (a glob, even `*`, needs a value to match).

use regex::Regex;

use super::RuleInput;
use super::glob::Glob;
use crate::domain::{ArchiveReason, Severity, Status};

/// The compiled conditions of one rule.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    pub(crate) source: Option<Glob>,
    pub(crate) kind: Option<Glob>,
    pub(crate) severity: SeverityMatch,
    pub(crate) status: Vec<StatusMatch>,
    pub(crate) datastore: Option<Glob>,
    pub(crate) container: Option<Glob>,
    pub(crate) field: Option<Glob>,
    pub(crate) tags: Vec<Glob>,
    pub(crate) title: Option<Regex>,
}

/// `severity = "high"`, `["critical", "high"]` or `">=high"`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SeverityMatch {
    #[default]
    Any,
    OneOf(Vec<Severity>),
    /// `>=high`: high or more severe (critical). `Severity`'s order is most severe first, so
    /// "at least as severe" is `<=` on it.
    AtLeast(Severity),
    /// `>high`.
    Above(Severity),
    /// `<=low`: low or less severe (info).
    AtMost(Severity),
    /// `<low`.
    Below(Severity),
}

/// One `status` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    Exactly(Status),
    /// `archived`: archived with any reason.
    AnyArchived,
}

impl SeverityMatch {
    /// Parses the `severity` values of a match; `Err` says what is wrong with which value.
    pub fn parse(values: &[String]) -> Result<SeverityMatch, String> {
        let expected = "critical, high, medium, low or info";
        match values {
            [] => Ok(SeverityMatch::Any),
            [one] if one.trim_start().starts_with(['>', '<']) => {
                let t = one.trim();
                let (op, rest) = if let Some(r) = t.strip_prefix(">=") {
                    (">=", r)
                } else if let Some(r) = t.strip_prefix("<=") {
                    ("<=", r)
                } else {
                    t.split_at(1)
                };
                let sev = Severity::parse(rest).ok_or_else(|| {
                    format!(
                        "{one:?}: `{}` is not a severity; {}use {expected}",
                        rest.trim(),
                        severity_hint(rest)
                    )
                })?;
                Ok(match op {
                    ">=" => SeverityMatch::AtLeast(sev),
                    "<=" => SeverityMatch::AtMost(sev),
                    ">" => SeverityMatch::Above(sev),
                    _ => SeverityMatch::Below(sev),
                })
            }
            many => {
                let mut out = Vec::new();
                for v in many {
                    if v.trim_start().starts_with(['>', '<']) {
                        return Err(format!(
                            "{v:?}: a threshold stands alone (severity = \">=high\"), not in a list"
                        ));
                    }
                    out.push(Severity::parse(v).ok_or_else(|| {
                        format!(
                            "{v:?} is not a severity; {}use {expected}",
                            severity_hint(v)
                        )
                    })?);
                }
                Ok(SeverityMatch::OneOf(out))
            }
        }
    }

    pub fn matches(&self, severity: Option<Severity>) -> bool {
        let Some(s) = severity else {
            return *self == SeverityMatch::Any;
        };
        match self {
            SeverityMatch::Any => true,
            SeverityMatch::OneOf(list) => list.contains(&s),
            SeverityMatch::AtLeast(t) => s <= *t,
            SeverityMatch::Above(t) => s < *t,
            SeverityMatch::AtMost(t) => s >= *t,
            SeverityMatch::Below(t) => s > *t,
        }
    }
}

/// "did you mean "high"? " for a plausible typo of a severity, else nothing.
fn severity_hint(word: &str) -> String {
    let names: Vec<String> = Severity::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    crate::config::closest_name(word.trim(), &names)
        .map(|s| format!("did you mean \"{s}\"? "))
        .unwrap_or_default()
}

impl StatusMatch {
    pub fn parse(value: &str) -> Result<StatusMatch, String> {
        let v = value.trim().to_ascii_lowercase();
        if v == "archived" {
            return Ok(StatusMatch::AnyArchived);
        }
        Status::from_code(&v).map(StatusMatch::Exactly).ok_or_else(|| {
            let reasons: Vec<&str> = ArchiveReason::ALL.iter().map(|r| r.code()).collect();
            format!(
                "{value:?} is not a status; use active, acknowledged, archived or archived:<reason> ({})",
                reasons.join(", ")
            )
        })
    }

    fn matches(self, status: Status) -> bool {
        match self {
            StatusMatch::Exactly(s) => s == status,
            StatusMatch::AnyArchived => status.is_archived(),
        }
    }
}

impl Matcher {
    /// Whether every configured condition holds for `input`. Cheapest tests first: this runs
    /// for every rule over every new anomaly.
    pub fn matches(&self, input: &RuleInput) -> bool {
        let a = input.anomaly;
        let glob = |g: &Option<Glob>, v: Option<&str>| match g {
            None => true,
            Some(g) => v.is_some_and(|v| g.matches(v)),
        };
        self.severity.matches(a.severity)
            && (self.status.is_empty() || self.status.iter().any(|s| s.matches(input.status)))
            && glob(&self.source, Some(input.source))
            && glob(&self.kind, a.kind.as_deref())
            && glob(&self.datastore, a.datastore.as_deref())
            && glob(&self.container, a.container.as_deref())
            && glob(&self.field, a.field.as_deref())
            && self
                .tags
                .iter()
                .all(|g| a.tags.iter().any(|t| g.matches(t)))
            && self.title.as_ref().is_none_or(|re| re.is_match(&a.title))
    }
}

impl Matcher {
    /// The conditions that do not hold for `input` (`match.severity`, `match.tags`, …), in
    /// the order of the `match` table: what `snowlink rules test` says when a rule is skipped.
    /// Empty exactly when [`Matcher::matches`] is true.
    pub fn failures(&self, input: &RuleInput) -> Vec<&'static str> {
        let a = input.anomaly;
        let glob = |g: &Option<Glob>, v: Option<&str>| match g {
            None => true,
            Some(g) => v.is_some_and(|v| g.matches(v)),
        };
        let checks = [
            ("match.source", glob(&self.source, Some(input.source))),
            ("match.type", glob(&self.kind, a.kind.as_deref())),
            ("match.severity", self.severity.matches(a.severity)),
            (
                "match.status",
                self.status.is_empty() || self.status.iter().any(|s| s.matches(input.status)),
            ),
            (
                "match.datastore",
                glob(&self.datastore, a.datastore.as_deref()),
            ),
            (
                "match.container",
                glob(&self.container, a.container.as_deref()),
            ),
            ("match.field", glob(&self.field, a.field.as_deref())),
            (
                "match.tags",
                self.tags
                    .iter()
                    .all(|g| a.tags.iter().any(|t| g.matches(t))),
            ),
            (
                "match.title",
                self.title.as_ref().is_none_or(|re| re.is_match(&a.title)),
            ),
        ];
        checks
            .into_iter()
            .filter(|(_, ok)| !ok)
            .map(|(name, _)| name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sev(v: &[&str]) -> SeverityMatch {
        SeverityMatch::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn severity_values_lists_and_thresholds() {
        use Severity::*;
        let at_least_high = sev(&[">=high"]);
        assert!(at_least_high.matches(Some(Critical)));
        assert!(at_least_high.matches(Some(High)));
        assert!(!at_least_high.matches(Some(Medium)));
        assert!(!at_least_high.matches(None));
        let above_high = sev(&[">high"]);
        assert!(above_high.matches(Some(Critical)) && !above_high.matches(Some(High)));
        let at_most_low = sev(&["<=low"]);
        assert!(at_most_low.matches(Some(Info)) && at_most_low.matches(Some(Low)));
        assert!(!at_most_low.matches(Some(Medium)));
        let below_medium = sev(&["< medium"]);
        assert!(below_medium.matches(Some(Low)) && !below_medium.matches(Some(Medium)));
        let one = sev(&["HIGH"]);
        assert!(one.matches(Some(High)) && !one.matches(Some(Critical)));
        let list = sev(&["critical", "low"]);
        assert!(list.matches(Some(Low)) && !list.matches(Some(High)));
        assert!(sev(&[]).matches(None));
        let typo = SeverityMatch::parse(&[">=hgh".to_string()]).unwrap_err();
        assert!(typo.contains("did you mean \"high\"?"), "{typo}");
        let typo = SeverityMatch::parse(&["critcal".to_string()]).unwrap_err();
        assert!(typo.contains("did you mean \"critical\"?"), "{typo}");
        for bad in [&[">=urgent"][..], &["hi"], &["high", ">=low"]] {
            let bad: Vec<String> = bad.iter().map(|s| s.to_string()).collect();
            assert!(SeverityMatch::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn status_values() {
        let archived = StatusMatch::parse("archived").unwrap();
        assert!(archived.matches(Status::Archived(ArchiveReason::Invalid)));
        assert!(!archived.matches(Status::Active));
        let invalid = StatusMatch::parse("archived:invalid").unwrap();
        assert!(invalid.matches(Status::Archived(ArchiveReason::Invalid)));
        assert!(!invalid.matches(Status::Archived(ArchiveReason::Resolved)));
        assert!(
            StatusMatch::parse("Active")
                .unwrap()
                .matches(Status::Active)
        );
        let e = StatusMatch::parse("open").unwrap_err();
        assert!(
            e.contains("archived:<reason>") && e.contains("duplicate"),
            "{e}"
        );
        assert!(StatusMatch::parse("archived:gone").is_err());
    }
}
