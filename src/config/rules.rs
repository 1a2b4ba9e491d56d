//! `[[rules]]`: automatic tickets (docs/rules.md). This file is only the TOML shape; values are
//! kept as written (strings for globs, regexes, durations and placeholders, wide integers for
//! levels) so that `RuleSet::from_config` can report every problem of every rule at once, each
//! naming the rule, instead of serde stopping at the first.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use super::load::Config;
use crate::rules::{RuleAction, RuleError, RuleSet, RuleTarget};

/// One `[[rules]]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub name: String,
    /// `match = { … }`; absent: the rule matches every anomaly.
    #[serde(rename = "match", default)]
    pub matcher: MatchConfig,
    #[serde(default)]
    pub action: RuleAction,
    /// `"ticket"` (the default) or `"event"` (Event Management, docs/rules.md §Events).
    #[serde(default)]
    pub target: RuleTarget,
    /// Absent: the default instance.
    pub instance: Option<String>,
    /// Absent: `incident`.
    pub table: Option<String>,
    #[serde(default)]
    pub template: TemplateConfig,
    /// Severity → `[impact, urgency]`.
    #[serde(default)]
    pub severity_map: BTreeMap<String, Vec<i64>>,
    /// Absent or empty: the default key (fingerprint, else source + type + location).
    #[serde(default)]
    pub dedupe: Vec<String>,
    pub flood_limit: Option<i64>,
    pub flood_interval: Option<String>,
    pub consolidation_interval: Option<String>,
    pub update_interval: Option<String>,
    pub correlation_window: Option<String>,
    pub creation_delay: Option<String>,
    #[serde(rename = "continue", default)]
    pub continue_on: bool,
}

/// `match = { source, type, severity, status, datastore, container, field, tags, title }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchConfig {
    /// Glob on the configured source name.
    pub source: Option<String>,
    /// Glob on the anomaly's type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `"high"`, `["critical", "high"]` or a threshold `">=high"`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub severity: Vec<String>,
    /// `"active"` or a list (`active`, `acknowledged`, `archived`, `archived:<reason>`).
    #[serde(default, deserialize_with = "one_or_many")]
    pub status: Vec<String>,
    pub datastore: Option<String>,
    pub container: Option<String>,
    pub field: Option<String>,
    /// Globs that must each match one of the anomaly's tags (`key=value` for labels).
    #[serde(default, deserialize_with = "one_or_many")]
    pub tags: Vec<String>,
    /// A regex searched in the title.
    pub title: Option<String>,
}

/// `template = { … }`: every text may hold `{placeholders}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    /// A group name or its 32-hex sys_id.
    pub assignment_group: Option<String>,
    /// A user name (user_name) or sys_id.
    pub assigned_to: Option<String>,
    pub impact: Option<i64>,
    pub urgency: Option<i64>,
}

/// `"x"` or `["x", "y"]`.
fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d) {
        Ok(OneOrMany::One(s)) => Ok(vec![s]),
        Ok(OneOrMany::Many(v)) => Ok(v),
        Err(_) => Err(serde::de::Error::custom(
            "expected a string or a list of strings, e.g. \"high\" or [\"critical\", \"high\"]",
        )),
    }
}

impl Config {
    /// The configured instance names with the default one first (the one a rule without
    /// `instance` routes to), as [`RuleSet::from_config`] expects them.
    pub fn rule_instances(&self) -> Vec<String> {
        let (default, _) = self.instance_name(None);
        let mut out = vec![default.to_owned()];
        out.extend(self.instance_names().into_iter().filter(|n| n != default));
        out
    }

    /// The rules of this config, compiled, with `[ui] severity_impact_urgency` as the last
    /// fallback for impact and urgency.
    pub fn rule_set(&self) -> Result<RuleSet, Vec<RuleError>> {
        let sources: Vec<String> = self.file.sources.iter().map(|s| s.name.clone()).collect();
        RuleSet::from_config(&self.file.rules, &sources, &self.rule_instances())
            .map(|set| set.with_severity_defaults(self.file.ui.severity_impact_urgency))
    }
}
