//! A Qualytics anomaly as snowlink's `Anomaly` (docs/sources-qualytics.md, "Mapping").

use serde_json::{Map, Value, json};

use crate::domain::{Anomaly, ArchiveReason, FailedCheck, Severity, Status};

use super::model::{QualyticsAnomaly, QualyticsStatus};

/// Severity from `weight`, the score Qualytics ranks anomalies by. The buckets are ours (the API
/// gives a number, not a level): ≥ 9 critical, 7–8 high, 4–6 medium, 2–3 low, below 2 info.
pub fn severity_of(weight: f64) -> Severity {
    match weight {
        w if w >= 9.0 => Severity::Critical,
        w if w >= 7.0 => Severity::High,
        w if w >= 4.0 => Severity::Medium,
        w if w >= 2.0 => Severity::Low,
        _ => Severity::Info,
    }
}

pub fn status_of(s: QualyticsStatus) -> Status {
    match s {
        QualyticsStatus::Active => Status::Active,
        QualyticsStatus::Acknowledged => Status::Acknowledged,
        QualyticsStatus::Resolved => Status::Archived(ArchiveReason::Resolved),
        QualyticsStatus::Invalid => Status::Archived(ArchiveReason::Invalid),
        QualyticsStatus::Duplicate => Status::Archived(ArchiveReason::Duplicate),
        QualyticsStatus::Discarded => Status::Archived(ArchiveReason::Discarded),
    }
}

/// The anomaly's page in the Qualytics UI: `{base}/anomalies/{id}`. Unverified on a real
/// instance (the UI route is not in the API); it is built in one place so it is easy to change.
pub fn anomaly_url(base_url: &str, id: u64) -> String {
    format!("{}/anomalies/{id}", base_url.trim_end_matches('/'))
}

/// Maps one record. `source_name` is the configured source (kept in `extra`); `base_url` the
/// instance the link points at.
pub fn to_anomaly(q: &QualyticsAnomaly, source_name: &str, base_url: &str) -> Anomaly {
    let description = q
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let failed_checks: Vec<FailedCheck> = q
        .failed_checks
        .iter()
        .map(|c| FailedCheck {
            name: c
                .quality_check
                .as_ref()
                .map(|qc| qc.name.clone())
                .unwrap_or_default(),
            message: c.message.clone(),
        })
        .collect();
    let container = q.container.as_ref().map(|c| c.name.clone());
    let mut a = Anomaly::new(
        q.id.to_string(),
        title(q.id, description, &failed_checks, container.as_deref()),
    );
    a.status = status_of(q.status);
    a.severity = q.weight.map(severity_of);
    a.kind = q.anomaly_type.clone();
    a.source = Some("qualytics".to_owned());
    a.detected_at = q.created;
    a.description = description.map(str::to_owned);
    a.datastore = q.datastore.as_ref().map(|d| d.name.clone());
    a.container = container;
    a.failed_checks = failed_checks;
    a.url = Some(anomaly_url(base_url, q.id));
    a.tags = q.global_tags.iter().map(|t| t.name.clone()).collect();
    a.fingerprint = q.fingerprint.clone();
    a.extra = Some(extra(q, source_name));
    a.raw = q.raw.clone();
    a
}

/// The description's first line; without one, the first failed check and where it failed.
fn title(
    id: u64,
    description: Option<&str>,
    checks: &[FailedCheck],
    container: Option<&str>,
) -> String {
    if let Some(line) = description.and_then(|d| d.lines().next()) {
        return line.to_owned();
    }
    match (
        checks
            .first()
            .map(|c| c.name.as_str())
            .filter(|n| !n.is_empty()),
        container,
    ) {
        (Some(check), Some(c)) => format!("{check} failed on {c}"),
        (Some(check), None) => format!("{check} failed"),
        (None, _) => format!("Qualytics anomaly {id}"),
    }
}

/// What the domain record has no field for, under `extra.qualytics`.
fn extra(q: &QualyticsAnomaly, source_name: &str) -> Value {
    let mut m = Map::new();
    m.insert("source_name".into(), json!(source_name));
    m.insert("id".into(), json!(q.id));
    m.insert("status".into(), json!(q.status.as_str()));
    if !q.status.is_open() {
        m.insert("archive_reason".into(), json!(q.status.as_str()));
    }
    if let Some(u) = &q.uuid {
        m.insert("uuid".into(), json!(u));
    }
    if let Some(w) = q.weight {
        m.insert("weight".into(), json!(w));
    }
    if let Some(n) = q.anomalous_records_count {
        m.insert("anomalous_records_count".into(), json!(n));
    }
    if let Some(d) = &q.datastore {
        m.insert("datastore_id".into(), json!(d.id));
    }
    if let Some(c) = &q.container {
        m.insert("container_id".into(), json!(c.id));
    }
    if !q.assignees.is_empty() {
        let names: Vec<&str> = q.assignees.iter().map(|u| u.name.as_str()).collect();
        m.insert("assignees".into(), json!(names));
    }
    json!({ "qualytics": m })
}

#[cfg(test)]
#[path = "normalize_tests.rs"]
mod tests;
