//! Links between anomalies and ServiceNow records.

use jiff::Timestamp;
use serde::Serialize;

use super::anomaly::AnomalyKey;

/// One ServiceNow record on one instance. `instance` is the profile name from the config.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct IncidentRef {
    pub instance: String,
    /// ServiceNow table, normally `incident`.
    pub table: String,
    pub sys_id: String,
    /// Human number (`INC0012345`).
    pub number: String,
}

/// The incident fields snowlink shows for a link, as last read (display values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IncidentState {
    pub state: Option<String>,
    pub priority: Option<String>,
    pub assignment_group: Option<String>,
    pub assigned_to: Option<String>,
}

impl Link {
    /// Whether the linked record may still be worked on: not broken, and not in a final state
    /// as last read (Resolved, Closed, Canceled). A state never read counts as open.
    pub fn is_open(&self) -> bool {
        if self.broken {
            return false;
        }
        let state = self.last.state.as_deref().unwrap_or("").trim();
        !["resolved", "closed", "canceled", "cancelled"]
            .iter()
            .any(|s| state.eq_ignore_ascii_case(s) || state.to_ascii_lowercase().starts_with(s))
    }
}

/// An anomaly ↔ incident link with the last known incident state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub anomaly: AnomalyKey,
    pub incident: IncidentRef,
    pub last: IncidentState,
    /// When `last` was read successfully; `None` if never read.
    pub read_at: Option<Timestamp>,
    /// Why the last read failed (cleared by a successful read).
    pub read_error: Option<String>,
    /// The incident answered 404 (deleted or hidden by ACLs); deliveries to it stop.
    pub broken: bool,
    pub linked_at: Timestamp,
    pub linked_by: String,
}
