//! One source delivery against its source's API (docs/sync.md §Source deliveries): the client of
//! each kind, what each delivery kind does there, and how a failure is classified.

pub(crate) mod alertmanager;
pub(crate) mod qualytics;

use std::time::Duration;

use crate::source::alertmanager::AlertmanagerClient;
use crate::source::qualytics::QualyticsClient;
use crate::store::RefChange;

/// The write-back client of one source.
#[derive(Debug, Clone)]
pub enum SourceClient {
    Qualytics(QualyticsClient),
    Alertmanager {
        client: AlertmanagerClient,
        /// How long an acknowledge's silence lasts before it is renewed.
        ack_ttl: Duration,
    },
}

impl SourceClient {
    pub fn kind(&self) -> &'static str {
        match self {
            SourceClient::Qualytics(_) => "qualytics",
            SourceClient::Alertmanager { .. } => "alertmanager",
        }
    }
}

/// A delivery that reached the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceLanded {
    /// False when it was found already done (read back, or an existing silence adopted).
    pub sent: bool,
    /// What it leaves at the source (a silence id), recorded with the outcome.
    pub change: RefChange,
    /// One line for the audit log.
    pub note: String,
}

/// What to do with a delivery that did not land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try again after `after` (the server's `Retry-After`, else the backoff); `outcome_unknown`
    /// when the write may have been applied (read back before resending).
    Retry {
        after: Option<Duration>,
        outcome_unknown: bool,
    },
    /// Stop every delivery to this source (401/403, a login wall): waiting will not fix it.
    Pause,
    /// The anomaly is gone at the source (404).
    Failed,
    /// Refused for good (400, 409, 422, an action the source cannot take).
    Dead,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceFailure {
    pub verdict: Verdict,
    pub message: String,
}

impl SourceFailure {
    pub(crate) fn dead(message: impl Into<String>) -> SourceFailure {
        SourceFailure {
            verdict: Verdict::Dead,
            message: message.into(),
        }
    }

    /// The local store failed mid-delivery: retry, and read back first.
    pub(crate) fn store(e: impl std::fmt::Display) -> SourceFailure {
        SourceFailure {
            verdict: Verdict::Retry {
                after: None,
                outcome_unknown: true,
            },
            message: format!("local store error: {e}"),
        }
    }
}
