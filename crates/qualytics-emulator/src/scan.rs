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

/// All or nothing: on the first refused step the steps already applied are
/// undone (cost proportional to the scan, not to the store).
pub fn run(store: &mut Store, spec: ScanSpec) -> Result<ScanReport, StoreError> {
    let mut undo = Vec::new();
    let result = apply(store, spec, &mut undo);
    if result.is_err() {
        for (id, previous) in undo.into_iter().rev() {
            store.restore(id, previous);
        }
    }
    result
}

fn apply(
    store: &mut Store,
    spec: ScanSpec,
    undo: &mut Vec<(u64, Option<Anomaly>)>,
) -> Result<ScanReport, StoreError> {
    let mut report = ScanReport::default();
    for new in spec.new {
        let created = store.add(new)?;
        undo.push((created.id, None));
        report.created.push(created);
    }
    for id in spec.reactivate {
        let previous = store.snapshot(id);
        report.reactivated.push(store.reactivate(id)?);
        undo.push((id, previous));
    }
    for id in spec.auto_resolve {
        let previous = store.snapshot(id);
        report.resolved.push(store.auto_resolve(id)?);
        undo.push((id, previous));
    }
    Ok(report)
}
