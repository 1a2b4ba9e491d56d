//! Fault injection: the active fault list and the responses faults produce.

mod edit;
mod response;
mod spec;

pub use edit::{EDIT_FAULT_NAME, edit_description, record_get_target};
pub use response::{ResetConnection, fault_response};
pub use spec::{DEFAULT_EDITOR, FaultKind, FaultSpec, FaultSpecError, ForbiddenReason};

use std::sync::Mutex;
use std::time::Duration;

/// A fault in force, as listed by `GET /__emulator/faults`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActiveFault {
    pub id: u64,
    pub spec: String,
    /// Hits left; `None` = always.
    pub remaining: Option<u64>,
    #[serde(skip)]
    parsed: FaultSpec,
}

/// What the faults decided for one request.
#[derive(Debug, Default)]
pub struct FaultDecision {
    pub extra_latency: Duration,
    /// A fault that replaces the normal response.
    pub replace: Option<FaultKind>,
}

#[derive(Debug, Default)]
pub struct FaultSet {
    inner: Mutex<(u64, Vec<ActiveFault>)>,
}

impl FaultSet {
    pub fn add(&self, spec: FaultSpec) -> u64 {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.0 += 1;
        let id = guard.0;
        guard.1.push(ActiveFault {
            id,
            spec: spec.to_string(),
            remaining: spec.count,
            parsed: spec,
        });
        id
    }

    pub fn list(&self) -> Vec<ActiveFault> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    pub fn clear(&self) {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clear();
    }

    pub fn remove(&self, id: u64) -> bool {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let before = guard.1.len();
        guard.1.retain(|f| f.id != id);
        guard.1.len() != before
    }

    /// Consumes one hit of every matching latency fault and of the first matching
    /// replacing fault (in the order they were added).
    pub fn decide(&self, method: &str, path: &str) -> FaultDecision {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut decision = FaultDecision::default();
        for fault in guard.1.iter_mut() {
            if fault.remaining == Some(0) || !fault.parsed.selects(method, path) {
                continue;
            }
            match &fault.parsed.kind {
                // Acts after the answer, and only on what it can edit: see `take_edit`.
                FaultKind::EditDescription { .. } => continue,
                FaultKind::Latency(d) => decision.extra_latency += *d,
                kind if decision.replace.is_none() => decision.replace = Some(kind.clone()),
                _ => continue,
            }
            if let Some(n) = fault.remaining.as_mut() {
                *n -= 1;
            }
        }
        guard.1.retain(|f| f.remaining != Some(0));
        decision
    }

    /// Consumes one hit of the first matching `edit-description` fault and returns the user it
    /// edits as. Called only for a served single-record GET of a record it can edit, so a list
    /// read or a 404 does not use a hit up.
    pub fn take_edit(&self, method: &str, path: &str) -> Option<String> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let fault = guard.1.iter_mut().find(|f| {
            f.remaining != Some(0)
                && matches!(f.parsed.kind, FaultKind::EditDescription { .. })
                && f.parsed.selects(method, path)
        })?;
        if let Some(n) = fault.remaining.as_mut() {
            *n -= 1;
        }
        let user = match &fault.parsed.kind {
            FaultKind::EditDescription { user } => Some(user.clone()),
            _ => None,
        };
        guard.1.retain(|f| f.remaining != Some(0));
        user
    }
}
