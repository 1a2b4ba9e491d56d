//! One compiled rule: its match, key, correlation ids and the fields of the incident it creates.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::key::KeySpec;
use super::matcher::Matcher;
use super::template::Template;
use super::{DedupeKey, EarlierIncident, FloodSettings, RuleInput};
use crate::domain::{
    CORRELATION_DISPLAY, SHORT_DESCRIPTION_MAX, Severity, SeverityDefaults, append_block,
    default_short_description, description_block, format_timestamp, truncate_chars,
};

/// ServiceNow's `correlation_id` is a 100-character string; rule names are limited so every id
/// a rule writes fits (checked in the tests for the longest name and generation).
pub const CORRELATION_ID_MAX: usize = 100;

/// At most this many earlier incidents are listed, newest first as given; the rest are counted,
/// so a key that recurs daily for a month cannot push the anomaly block out of the description.
pub const EARLIER_MAX: usize = 10;

/// What a rule does with a matching anomaly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// Create an incident (or join the open one with the same key).
    #[default]
    Create,
    /// Only link to the open incident that already holds the same key; never create.
    Link,
}

/// Where a rule's decisions go (docs/rules.md §Events).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleTarget {
    /// A ServiceNow ticket (`table`, incident unless given).
    #[default]
    Ticket,
    /// Event Management: one event per decision, message key = the key's correlation id
    /// prefix without the generation; ServiceNow dedupes them into one alert per key.
    Event,
}

/// The ticket fields a rule fills in.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleTemplate {
    pub short_description: Option<Template>,
    pub description: Option<Template>,
    pub category: Option<Template>,
    pub subcategory: Option<Template>,
    pub assignment_group: Option<Template>,
    pub assigned_to: Option<Template>,
    pub impact: Option<u8>,
    pub urgency: Option<u8>,
}

/// A compiled `[[rules]]` table.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub action: RuleAction,
    pub target: RuleTarget,
    /// The instance the rule routes to (the default instance when the rule names none).
    pub instance: String,
    pub table: String,
    pub flood: FloodSettings,
    /// `continue = true`: later matching rules act on the anomaly too.
    pub continue_on: bool,
    pub(crate) matcher: Matcher,
    pub(crate) key: KeySpec,
    pub(crate) template: RuleTemplate,
    pub(crate) severity_map: BTreeMap<Severity, (u8, u8)>,
    pub(crate) severity_defaults: SeverityDefaults,
}

impl Rule {
    pub fn matches(&self, input: &RuleInput) -> bool {
        self.matcher.matches(input)
    }

    /// The `match` conditions that fail for `input` (empty when the rule matches).
    pub fn mismatches(&self, input: &RuleInput) -> Vec<&'static str> {
        self.matcher.failures(input)
    }

    pub fn dedupe_key(&self, input: &RuleInput) -> DedupeKey {
        self.key.key(input)
    }

    /// The message key of an event rule's events for `key`: `snowlink:rule:<rule>:<hash>`, the
    /// correlation id prefix without `#<generation>`, so every generation (and every machine)
    /// sends the same key and ServiceNow keeps one alert per key while it is open.
    pub fn event_message_key(&self, key: &DedupeKey) -> String {
        format!("snowlink:rule:{}:{}", self.name, key.hash)
    }

    /// `snowlink:rule:<rule>:<hash>#<generation>`: generation 0 is the key's first incident, a
    /// new one after a Closed incident or past `update_interval` takes the next.
    pub fn correlation_id(&self, key: &DedupeKey, generation: u32) -> String {
        format!("{}{generation}", self.correlation_prefix(key))
    }

    /// What every generation's id starts with (a `correlation_idSTARTSWITH` query finds them
    /// all, on any machine).
    pub fn correlation_prefix(&self, key: &DedupeKey) -> String {
        format!("snowlink:rule:{}:{}#", self.name, key.hash)
    }

    /// `snowlink:rule:<rule>:overflow:<window start, unix seconds>`: one per rule and
    /// flood interval.
    pub fn overflow_correlation_id(&self, window_start: jiff::Timestamp) -> String {
        format!(
            "snowlink:rule:{}:overflow:{}",
            self.name,
            window_start.as_second()
        )
    }

    /// `(impact, urgency)`: the template's, else the rule's `severity_map`, else
    /// `[ui] severity_impact_urgency`; each of the two separately.
    pub fn impact_urgency(&self, severity: Option<Severity>) -> (u8, u8) {
        let mapped = severity.and_then(|s| self.severity_map.get(&s).copied());
        let (di, du) = mapped.unwrap_or_else(|| self.severity_defaults.get(severity));
        (
            self.template.impact.unwrap_or(di),
            self.template.urgency.unwrap_or(du),
        )
    }

    /// The fields of the incident this rule creates for `input` (ServiceNow names, string
    /// values). `correlation_id` is not among them: the engine adds it with the generation it
    /// decided. A group or user that is not a 32-hex sys_id is left as the name, for the engine
    /// to resolve.
    pub fn create_fields(
        &self,
        input: &RuleInput,
        earlier: &[EarlierIncident],
    ) -> Map<String, Value> {
        let t = &self.template;
        let render = |t: &Option<Template>| {
            t.as_ref()
                .map(|t| t.render(&self.name, input))
                .filter(|v| !v.trim().is_empty())
        };
        let short = render(&t.short_description)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .map(|s| truncate_chars(&s, SHORT_DESCRIPTION_MAX))
            .unwrap_or_else(|| default_short_description(input.anomaly));
        let own = render(&t.description).or_else(|| input.anomaly.description.clone());
        let mut description = append_block(
            own.as_deref().unwrap_or(""),
            &description_block(input.anomaly, input.url),
        );
        if !earlier.is_empty() {
            description = append_block(&description, &earlier_list(self, earlier));
        }
        let (impact, urgency) = self.impact_urgency(input.anomaly.severity);
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::String(v));
            }
        };
        put("short_description", Some(short));
        put("description", Some(description));
        put("category", render(&t.category));
        put("subcategory", render(&t.subcategory));
        put("impact", Some(impact.to_string()));
        put("urgency", Some(urgency.to_string()));
        put("assignment_group", render(&t.assignment_group).map(trimmed));
        put("assigned_to", render(&t.assigned_to).map(trimmed));
        put("correlation_display", Some(CORRELATION_DISPLAY.to_owned()));
        m
    }

    /// Fixed group and user names (not sys_ids, no placeholders) that must exist on the
    /// instance: `("assignment_group", "Database")`, `("assigned_to", "jdoe")`.
    pub fn names_to_resolve(&self) -> Vec<(&'static str, String)> {
        let t = &self.template;
        [
            ("assignment_group", &t.assignment_group),
            ("assigned_to", &t.assigned_to),
        ]
        .into_iter()
        .filter_map(|(f, t)| Some((f, t.as_ref()?.literal()?.trim().to_owned())))
        .filter(|(_, v)| !v.is_empty() && !is_sys_id(v))
        .collect()
    }

    /// Fixed `category` and `subcategory` values, for a `sys_choice` check.
    pub fn choices_to_check(&self) -> Vec<(&'static str, String)> {
        let t = &self.template;
        [("category", &t.category), ("subcategory", &t.subcategory)]
            .into_iter()
            .filter_map(|(f, t)| Some((f, t.as_ref()?.literal()?.trim().to_owned())))
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }
}

fn trimmed(s: String) -> String {
    s.trim().to_owned()
}

/// A ServiceNow sys_id: 32 hex digits.
pub fn is_sys_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Netwrix's CorrelationTicketFormat in our words: one line per earlier incident.
fn earlier_list(rule: &Rule, earlier: &[EarlierIncident]) -> String {
    let window = super::format_duration(rule.flood.correlation_window);
    let mut out = format!("Earlier incidents with the same key (last {window}):");
    for e in earlier.iter().take(EARLIER_MAX) {
        out.push_str(&format!("\n- {}", e.number));
        if let Some(at) = e.opened_at {
            out.push_str(&format!(", opened {}", format_timestamp(at)));
        }
        out.push_str(&format!(", state {}", e.state));
        if let Some(g) = e.group.as_deref().filter(|g| !g.is_empty()) {
            out.push_str(&format!(", group {g}"));
        }
    }
    if earlier.len() > EARLIER_MAX {
        out.push_str(&format!("\n… and {} more", earlier.len() - EARLIER_MAX));
    }
    out
}
