//! Bulk actions in flight: what the dashboard waits for after one action on several marked rows,
//! so it can answer with one toast and treat the marks the same way every time
//! (docs/dashboard.md §Bulk actions: cleared after a bulk action that succeeded for every row,
//! kept when any row failed, so the failed ones can be retried).

use std::collections::HashMap;

use crate::domain::AnomalyKey;

use super::backend::AnomalyDetail;
use super::msg::ReqId;

/// What a bulk round does, for its summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkWhat {
    Comment,
    /// Link an existing incident (its number, or what the user typed).
    Link(String),
}

/// One action sent for several anomalies (one request each), and the answers so far.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRound {
    pub what: BulkWhat,
    /// The requests not answered yet, and the anomaly each is for.
    pub waiting: HashMap<ReqId, AnomalyKey>,
    pub ok: Vec<AnomalyKey>,
    pub failed: Vec<(AnomalyKey, String)>,
    /// The targets were the marked rows (the marks are cleared when every row succeeded).
    pub marked: bool,
}

impl BulkRound {
    pub fn new(
        what: BulkWhat,
        reqs: impl IntoIterator<Item = (ReqId, AnomalyKey)>,
        marked: bool,
    ) -> BulkRound {
        BulkRound {
            what,
            waiting: reqs.into_iter().collect(),
            ok: Vec::new(),
            failed: Vec::new(),
            marked,
        }
    }
}

/// `c` with rows marked: the detail of every marked anomaly is read before the form opens (each
/// one's block goes into the description).
#[derive(Debug, Clone, PartialEq)]
pub struct BulkLoad {
    /// In list order; the incident is created for the first.
    pub targets: Vec<AnomalyKey>,
    pub reqs: HashMap<ReqId, AnomalyKey>,
    pub details: HashMap<AnomalyKey, AnomalyDetail>,
}
