//! Automatic tickets (docs/rules.md): which rules match an anomaly, the dedupe key that sends
//! repeats to one incident, and the fields of the incident a rule creates. Everything here is
//! pure: the engine (flood control, decisions in the store, the runner) builds on this API.

mod compile;
mod duration;
pub mod engine;
mod errors;
mod glob;
mod key;
mod matcher;
mod rule;
mod template;

#[cfg(test)]
mod tests;

use jiff::SignedDuration;

pub use compile::{NAME_MAX, RuleError};
pub use duration::{format_duration, parse_duration};
pub use glob::Glob;
pub use key::{DedupeKey, KEY_FIELDS, KeyPart, KeySpec, label};
pub use matcher::{Matcher, SeverityMatch, StatusMatch};
pub use rule::{CORRELATION_ID_MAX, EARLIER_MAX, Rule, RuleAction, RuleTarget};
pub use template::{PLACEHOLDERS, Template};

use crate::config::RuleConfig;
use crate::domain::{Anomaly, SeverityDefaults, Status};

/// What rules look at: one anomaly as the store holds it.
#[derive(Debug, Clone, Copy)]
pub struct RuleInput<'a> {
    /// The configured source name (`[[sources]] name`).
    pub source: &'a str,
    pub anomaly: &'a Anomaly,
    /// The local triage status (the store's, not the source's).
    pub status: Status,
    /// The anomaly's hyperlink (its own `url`, else `anomaly_url_template`).
    pub url: Option<&'a str>,
}

/// Netwrix's flood settings and Coralogix's creation delay, per rule (docs/rules.md §Flood).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodSettings {
    /// At most this many incidents per `flood_interval`; then one overflow incident.
    pub flood_limit: u32,
    pub flood_interval: SignedDuration,
    /// Repeats of an open key within this interval become one work note.
    pub consolidation_interval: SignedDuration,
    /// A recurrence within this long joins (and, when Resolved, reopens) the incident.
    pub update_interval: SignedDuration,
    /// How far back a new incident's description lists earlier incidents with the same key.
    pub correlation_window: SignedDuration,
    /// Wait this long before creating; nothing is created if the anomaly is triaged meanwhile.
    pub creation_delay: SignedDuration,
}

impl Default for FloodSettings {
    /// Netwrix's defaults (TicketFloodLimit 10 per 3600 s, ConsolidationInterval 900 s,
    /// UpdateInterval 86400 s, CorrelationInterval 30 days) and Coralogix's "no delay".
    fn default() -> Self {
        FloodSettings {
            flood_limit: 10,
            flood_interval: SignedDuration::from_hours(1),
            consolidation_interval: SignedDuration::from_mins(15),
            update_interval: SignedDuration::from_hours(24),
            correlation_window: SignedDuration::from_hours(30 * 24),
            creation_delay: SignedDuration::ZERO,
        }
    }
}

/// An incident made earlier for the same key, listed in a new incident's description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierIncident {
    pub number: String,
    pub opened_at: Option<jiff::Timestamp>,
    /// The state's display text (`Resolved`, `Closed`, …).
    pub state: String,
    /// The assignment group's name.
    pub group: Option<String>,
}

/// The compiled `[[rules]]`, in config order.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// Compiles the rules. `sources` are the configured source names; `instances` the
    /// configured instance names, **the default instance first** (the one a rule without
    /// `instance` routes to; `Config::rule_instances` builds this list). Every problem of every
    /// rule is returned at once.
    pub fn from_config(
        rules: &[RuleConfig],
        sources: &[String],
        instances: &[String],
    ) -> Result<RuleSet, Vec<RuleError>> {
        compile::compile(rules, sources, instances).map(|rules| RuleSet { rules })
    }

    /// Replaces the last fallback for impact and urgency (`[ui] severity_impact_urgency`);
    /// `from_config` starts from the built-in defaults.
    pub fn with_severity_defaults(mut self, defaults: SeverityDefaults) -> RuleSet {
        for r in &mut self.rules {
            r.severity_defaults = defaults;
        }
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The instances the rules route to, each once, in rule order.
    pub fn instances(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rules {
            if !out.contains(&r.instance.as_str()) {
                out.push(&r.instance);
            }
        }
        out
    }

    /// The rules that act on `input`, in config order: the first matching rule, then further
    /// matching rules only while the last one taken says `continue = true`.
    pub fn matching<'r>(&'r self, input: &RuleInput) -> Vec<&'r Rule> {
        let mut out = Vec::new();
        for r in &self.rules {
            if r.matches(input) {
                out.push(r);
                if !r.continue_on {
                    break;
                }
            }
        }
        out
    }
}
