//! Simulated scans: what a Qualytics scan does to anomalies without a user —
//! new anomalies, reactivation of archived ones that recur, and auto-resolve
//! of open ones whose checks now pass (docs/qualytics-emulator.md, "Scans").

use serde::{Deserialize, Serialize};

use crate::model::Anomaly;
use crate::seed::NewAnomaly;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSpec {
    /// Anomalies the scan detects for the first time.
    #[serde(default)]
    pub new: Vec<NewAnomaly>,
    /// Archived anomalies found again: back to `Active`.
    #[serde(default)]
    pub reactivate: Vec<u64>,
    /// Open anomalies whose checks passed: archived as `Resolved`.
    #[serde(default)]
    pub auto_resolve: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanReport {
    pub created: Vec<Anomaly>,
    pub reactivated: Vec<Anomaly>,
    pub resolved: Vec<Anomaly>,
}

/// All or nothing: the scan runs on a copy that replaces the store on success.
pub fn run(store: &mut Store, spec: ScanSpec) -> Result<ScanReport, StoreError> {
    let mut next = store.clone();
    let mut report = ScanReport::default();
    for new in spec.new {
        report.created.push(next.add(new)?);
    }
    for id in spec.reactivate {
        report.reactivated.push(next.reactivate(id)?);
    }
    for id in spec.auto_resolve {
        report.resolved.push(next.auto_resolve(id)?);
    }
    *store = next;
    Ok(report)
}
