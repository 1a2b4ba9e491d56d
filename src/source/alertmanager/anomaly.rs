//! An Alertmanager alert as a snowlink anomaly (docs/sources-alertmanager.md, "Mapping"): one
//! anomaly per fingerprint. The source decides only whether the alert still fires; the local
//! triage status (acknowledged, archived) lives in the store.

use jiff::Timestamp;
use serde_json::json;

use super::model::{Alert, AlertState};
use crate::domain::{Anomaly, Severity, Status};

/// The normalized anomaly for one alert. `source_name` is the configured source (this
/// Alertmanager), recorded as the anomaly's producer.
pub fn to_anomaly(alert: &Alert, source_name: &str) -> Anomaly {
    let alertname = alert.labels.get("alertname").cloned();
    let mut a = Anomaly::new(alert.fingerprint.clone(), title(alert));
    // A silenced or inhibited alert still fires: it stays active, and `extra` says why it is
    // quiet (a silence snowlink made is how an acknowledge looks from the source).
    a.status = Status::Active;
    a.severity = alert.labels.get("severity").and_then(|s| severity(s));
    a.kind = alertname;
    a.source = Some(source_name.to_owned());
    a.detected_at = Some(alert.starts_at);
    a.description = non_blank(alert.annotations.get("description"));
    a.url = alert.generator_url.clone();
    a.tags = alert
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    a.fingerprint = Some(alert.fingerprint.clone());
    a.extra = Some(json!({
        "alertmanager": {
            "state": alert.status.state.as_str(),
            "suppressed": alert.status.state == AlertState::Suppressed,
            "silencedBy": alert.status.silenced_by,
            "inhibitedBy": alert.status.inhibited_by,
            "receivers": alert.receivers,
            "updatedAt": alert.updated_at.to_string(),
            "endsAt": alert.ends_at.to_string(),
        }
    }));
    a.raw = alert.raw.clone();
    a
}

/// Whether the source has resolved the alert at `now`: its `endsAt` has passed. Alertmanager
/// keeps moving `endsAt` forward while the alert is re-sent, so a firing alert's is in the future;
/// Go's zero time (year 1) means "no end". An alert that is no longer listed at all is resolved
/// too; the caller sees that by its absence. Either way the caller archives it as Resolved.
pub fn is_resolved(alert: &Alert, now: Timestamp) -> bool {
    // No real alert ends before 1970; anything that early is Go's zero time.
    let no_end = alert.ends_at < Timestamp::UNIX_EPOCH;
    !no_end && alert.ends_at <= now
}

/// The `severity` label on snowlink's scale, case-insensitively, with the synonyms alerting
/// rules commonly use; an unknown value gives no severity (the label stays in the tags).
pub fn severity(label: &str) -> Option<Severity> {
    let v = label.trim().to_ascii_lowercase();
    Some(match v.as_str() {
        "critical" | "crit" | "page" | "fatal" | "emergency" | "emerg" | "alert" | "disaster"
        | "p1" | "sev1" => Severity::Critical,
        "high" | "error" | "err" | "major" | "p2" | "sev2" => Severity::High,
        "medium" | "warning" | "warn" | "moderate" | "average" | "p3" | "sev3" => Severity::Medium,
        "low" | "minor" | "p4" | "sev4" => Severity::Low,
        "info" | "informational" | "information" | "notice" | "none" | "debug" | "ok" | "p5"
        | "sev5" => Severity::Info,
        _ => return None,
    })
}

/// `summary`, else the alert name with its other labels: `DiskFull (instance=db1, team=db)`.
fn title(alert: &Alert) -> String {
    if let Some(summary) = non_blank(alert.annotations.get("summary")) {
        return summary;
    }
    let others: Vec<String> = alert
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != "alertname" && k.as_str() != "severity")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let name = alert
        .labels
        .get("alertname")
        .filter(|n| !n.trim().is_empty())
        .map_or_else(|| format!("alert {}", alert.fingerprint), String::clone);
    if others.is_empty() {
        name
    } else {
        format!("{name} ({})", others.join(", "))
    }
}

fn non_blank(s: Option<&String>) -> Option<String> {
    s.map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
#[path = "anomaly_tests.rs"]
mod tests;
