//! What the evaluation of one anomaly under one rule comes to: the row `snowlink rules test`
//! shows (`--json` schema in docs/json-output.md) and the runner records.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::AnomalyKey;
use crate::store::DecisionAction;

/// What happens to one anomaly under one rule (the `rules test` row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluated {
    pub anomaly: AnomalyKey,
    pub rule: String,
    pub key: String,
    pub key_hash: String,
    /// `None`: nothing is recorded (already decided, or still waiting on its delay).
    pub action: Option<DecisionAction>,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub why: String,
}

/// The detail of an [`Evaluated`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// A create is queued with exactly these fields.
    Create {
        correlation_id: String,
        payload: Map<String, Value>,
    },
    /// Linked to this incident (`number` empty while its create is still queued).
    Link {
        number: String,
        reopen: bool,
        merge: bool,
    },
    /// Joined the flood window's overflow incident (created with `payload` when it is new).
    Overflow {
        correlation_id: String,
        payload: Option<Map<String, Value>>,
    },
    Delay {
        due_at: Timestamp,
    },
    Nothing,
}
