//! The fields a rule's writes send: a create (the rule's template plus its correlation id), the
//! window's overflow incident, and a reopen.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::domain::format_timestamp;
use crate::rules::{EarlierIncident, Rule, RuleInput, format_duration};

use super::decide::STATE_IN_PROGRESS;

/// ServiceNow's `short_description` limit as the rules core applies it.
const SHORT_MAX: usize = 160;

pub fn create(
    rule: &Rule,
    input: &RuleInput,
    earlier: &[EarlierIncident],
    correlation_id: &str,
) -> Map<String, Value> {
    let mut fields = rule.create_fields(input, earlier);
    fields.insert(
        "correlation_id".into(),
        Value::String(correlation_id.into()),
    );
    fields
}

/// The overflow incident: the rule's fields for the first anomaly past the limit, retitled and
/// explained, so whoever opens it sees at once that it stands for a flood.
pub fn overflow(
    rule: &Rule,
    input: &RuleInput,
    correlation_id: &str,
    window_start: Timestamp,
) -> Map<String, Value> {
    let mut fields = create(rule, input, &[], correlation_id);
    let short = format!(
        "Flood control: rule {} made {} incidents since {}; further anomalies are listed here",
        rule.name,
        rule.flood.flood_limit,
        format_timestamp(window_start)
    );
    fields.insert(
        "short_description".into(),
        Value::String(short.chars().take(SHORT_MAX).collect()),
    );
    let intro = format!(
        "snowlink rule {} reached its flood_limit ({} per {}) in the window from {}. \
         Instead of more incidents, every further anomaly of that window is linked here and \
         listed in work notes (one per {}).\n\nAnomalies:\n- {}/{}: {}\n\n",
        rule.name,
        rule.flood.flood_limit,
        format_duration(rule.flood.flood_interval),
        format_timestamp(window_start),
        format_duration(rule.flood.consolidation_interval),
        input.source,
        input.anomaly.id,
        input.anomaly.title
    );
    let desc = fields
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    fields.insert(
        "description".into(),
        Value::String(format!("{intro}{desc}")),
    );
    fields
}

/// Resolved → In Progress.
pub fn reopen() -> String {
    let mut m = Map::new();
    m.insert("state".into(), Value::String(STATE_IN_PROGRESS.into()));
    Value::Object(m).to_string()
}

/// A `target = "event"` rule's event for `input`: message key `message_key` (the key's, or the
/// window's overflow id), `additional_info` naming the rule and the key's text.
pub fn event(
    rule: &Rule,
    input: &RuleInput,
    key_text: &str,
    message_key: &str,
) -> Map<String, Value> {
    let key = crate::domain::AnomalyKey::new(input.source, &input.anomaly.id);
    let origin = crate::domain::EventOrigin {
        rule: Some(&rule.name),
        key: key_text,
    };
    crate::domain::event_fields(&key, input.anomaly, input.url, message_key, origin)
}
