//! What snowlink sends to Event Management for an anomaly (docs/formats.md §Events): the
//! `em_event` fields, as the JSON object the outbox stores and the worker sends. Pure.
//!
//! Events are idempotent by `message_key` in ServiceNow: a repeat updates the same open alert
//! (its count and severity) instead of making another, which is why a resend after a crash is
//! safe and why a rule's key, not the anomaly, is the message key.

use serde_json::{Map, Value};

use super::anomaly::{Anomaly, AnomalyKey};
use super::status::Severity;
use super::ticket::truncate_chars;

/// The table of the records events are processed into (what an event's link points at).
pub const ALERT_TABLE: &str = "em_alert";

/// ServiceNow's field lengths (docs/formats.md §Events): longer values are cut by the instance;
/// cutting them here keeps the stored payload what ServiceNow keeps.
const SHORT_MAX: usize = 100;
pub const MESSAGE_KEY_MAX: usize = 1024;
pub const EVENT_DESCRIPTION_MAX: usize = 4000;

/// Event Management severity for a snowlink severity: critical 1 (Critical), high 2 (Major),
/// medium 3 (Minor), low 4 (Warning), info 5 (OK, still an alert); none 4 (Warning), because
/// an event without a severity makes no alert at all.
pub fn event_severity(s: Option<Severity>) -> u8 {
    match s {
        Some(Severity::Critical) => 1,
        Some(Severity::High) => 2,
        Some(Severity::Medium) => 3,
        Some(Severity::Low) | None => 4,
        Some(Severity::Info) => 5,
    }
}

/// `snowlink:<source>/<id>`: the message key of a manual send (one alert per anomaly).
pub fn manual_message_key(key: &AnomalyKey) -> String {
    truncate_chars(
        &format!("snowlink:{}/{}", key.source, key.id),
        MESSAGE_KEY_MAX,
    )
}

/// Who asked for the event, written into `additional_info`.
#[derive(Debug, Clone, Copy)]
pub struct EventOrigin<'a> {
    /// The rule's name, or `None` for a person's `event send`.
    pub rule: Option<&'a str>,
    /// The dedupe key's readable text (a rule's), else the message key.
    pub key: &'a str,
}

/// The `em_event` record for `anomaly` (of configured source `key.source`), raw strings.
pub fn event_fields(
    key: &AnomalyKey,
    anomaly: &Anomaly,
    url: Option<&str>,
    message_key: &str,
    origin: EventOrigin<'_>,
) -> Map<String, Value> {
    let short = |s: &str| truncate_chars(s, SHORT_MAX);
    let label = |name: &str| {
        let prefix = format!("{name}=");
        anomaly
            .tags
            .iter()
            .find_map(|t| t.strip_prefix(&prefix).map(str::to_owned))
    };
    let node = anomaly
        .datastore
        .clone()
        .filter(|d| !d.is_empty())
        .or_else(|| label("instance"))
        .unwrap_or_else(|| key.source.clone());
    let resource = match (&anomaly.container, &anomaly.field) {
        (Some(c), Some(f)) if !f.is_empty() => format!("{c}/{f}"),
        (Some(c), _) => c.clone(),
        (None, Some(f)) => f.clone(),
        (None, None) => String::new(),
    };
    let metric = anomaly
        .failed_checks
        .first()
        .map(|c| c.name.clone())
        .or_else(|| label("alertname"))
        .unwrap_or_default();
    let description = match anomaly.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => format!("{}\n\n{d}", anomaly.title),
        _ => anomaly.title.clone(),
    };
    let mut info = Map::new();
    for (k, v) in [
        ("url", url.unwrap_or("")),
        ("id", anomaly.id.as_str()),
        ("source", key.source.as_str()),
        ("rule", origin.rule.unwrap_or("")),
        ("key", origin.key),
    ] {
        info.insert(k.into(), Value::String(v.into()));
    }
    let mut m = Map::new();
    for (k, v) in [
        ("source", short(&format!("snowlink:{}", key.source))),
        ("node", short(&node)),
        ("type", short(anomaly.kind.as_deref().unwrap_or(""))),
        ("resource", short(&resource)),
        ("metric_name", short(&metric)),
        ("severity", event_severity(anomaly.severity).to_string()),
        ("message_key", truncate_chars(message_key, MESSAGE_KEY_MAX)),
        (
            "description",
            truncate_chars(&description, EVENT_DESCRIPTION_MAX),
        ),
        // A JSON *string*: an object would be stored as "[object Object]".
        ("additional_info", Value::Object(info).to_string()),
    ] {
        if !v.is_empty() {
            m.insert(k.into(), Value::String(v));
        }
    }
    m
}

/// `rule:<name>` when `payload` is an event a rule queued (its `additional_info.rule`).
pub fn event_rule(payload: &str) -> Option<String> {
    let fields: Value = serde_json::from_str(payload).ok()?;
    let info: Value = serde_json::from_str(fields.get("additional_info")?.as_str()?).ok()?;
    let rule = info.get("rule")?.as_str().filter(|r| !r.is_empty())?;
    Some(format!("rule:{rule}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::FailedCheck;

    #[test]
    fn fields_follow_the_anomaly() {
        let mut a = Anomaly::new("A-1", "Nulls in ORDERS.ID");
        a.severity = Some(Severity::High);
        a.kind = Some("NullCheck".into());
        a.datastore = Some("snowflake".into());
        a.container = Some("ORDERS".into());
        a.field = Some("ID".into());
        a.description = Some("3% nulls".into());
        a.failed_checks = vec![FailedCheck {
            name: "not_null".into(),
            message: "x".into(),
        }];
        let key = AnomalyKey::new("dq", "A-1");
        let origin = EventOrigin {
            rule: Some("nulls"),
            key: "dq|NullCheck",
        };
        let m = event_fields(
            &key,
            &a,
            Some("https://dq/a/1"),
            "snowlink:rule:nulls:00ff",
            origin,
        );
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap();
        assert_eq!(s("source"), "snowlink:dq");
        assert_eq!(s("node"), "snowflake");
        assert_eq!(s("type"), "NullCheck");
        assert_eq!(s("resource"), "ORDERS/ID");
        assert_eq!(s("metric_name"), "not_null");
        assert_eq!(s("severity"), "2");
        assert_eq!(s("description"), "Nulls in ORDERS.ID\n\n3% nulls");
        let info: Value = serde_json::from_str(s("additional_info")).unwrap();
        assert_eq!(info["url"], "https://dq/a/1");
        assert_eq!(info["rule"], "nulls");
        assert_eq!(
            event_rule(&Value::Object(m).to_string()).as_deref(),
            Some("rule:nulls")
        );
    }

    #[test]
    fn alertmanager_labels_give_node_and_metric_and_limits_hold() {
        let mut a = Anomaly::new("fp1", "t".repeat(5000));
        a.tags = vec!["instance=db-1:9100".into(), "alertname=HighLoad".into()];
        let key = AnomalyKey::new("am", "fp1");
        let origin = EventOrigin {
            rule: None,
            key: "k",
        };
        let m = event_fields(&key, &a, None, &"k".repeat(2000), origin);
        assert_eq!(m["node"], "db-1:9100");
        assert_eq!(m["metric_name"], "HighLoad");
        assert_eq!(m["severity"], "4");
        assert!(m["description"].as_str().unwrap().chars().count() <= EVENT_DESCRIPTION_MAX);
        assert!(m["message_key"].as_str().unwrap().chars().count() <= MESSAGE_KEY_MAX);
        assert!(!m.contains_key("resource"));
        assert_eq!(event_rule(&Value::Object(m).to_string()), None);
    }
}
