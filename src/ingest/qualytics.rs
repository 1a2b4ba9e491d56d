//! Polling a Qualytics source (docs/sources.md §Qualytics): new anomalies by creation time with
//! an overlap window and id dedupe, then the open anomalies it watches re-read for status changes
//! (acknowledged, archived with a reason, reactivated by a scan, auto-resolved). The archived
//! history is never re-read. The first poll reads everything in ⌈N / 100⌉ requests and skips the
//! status pass (it has just read the open ones).

use std::collections::BTreeSet;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::{ProcessEnv, SourceConfig};
use crate::domain::Anomaly;
use crate::source::qualytics::{
    AnomalyFilter, NewSinceCursor, QualyticsAnomaly, QualyticsClient, QualyticsClientConfig,
    QualyticsStatus, Snapshot, to_anomaly,
};

use super::error::IngestError;
use super::poll::{PollResult, Polled};

/// How far below the newest creation time each poll looks again (late writes land there).
const OVERLAP: Duration = Duration::from_secs(10 * 60);

/// The durable part of a Qualytics poll.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QualyticsCursor {
    pub watermark: Option<Timestamp>,
    pub recent_ids: BTreeSet<u64>,
    /// The open anomalies watched for status changes.
    pub watched: Vec<Watched>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Watched {
    pub id: u64,
    pub status: QualyticsStatus,
    pub rev: u64,
}

pub struct QualyticsDriver {
    client: QualyticsClient,
    filter: AnomalyFilter,
    name: String,
}

impl QualyticsDriver {
    /// Builds the client, resolving the token (may run a command: call off the async workers).
    pub fn new(src: &SourceConfig) -> Result<QualyticsDriver, IngestError> {
        let err = |message: String| IngestError::Source {
            source_name: src.name.clone(),
            message,
        };
        let timeout = Duration::from_secs(src.timeout_secs);
        let token = src
            .token(&ProcessEnv, crate::config::HELPER_TIMEOUT)
            .map_err(|e| err(e.to_string()))?
            .ok_or_else(|| {
                err(
                    "no API token configured; set token_command, token_env or keyring = true"
                        .into(),
                )
            })?;
        let url = src.url.clone().unwrap_or_default();
        let mut cfg = QualyticsClientConfig::new(url, token);
        cfg.timeout = timeout;
        let client = QualyticsClient::new(cfg).map_err(|e| err(e.to_string()))?;
        let statuses = src
            .statuses
            .iter()
            .filter_map(|s| parse_status(s))
            .collect();
        let filter = AnomalyFilter {
            datastores: src.datastores.clone(),
            containers: src.containers.clone(),
            statuses,
            tags: src.tags.clone(),
            ..AnomalyFilter::default()
        };
        Ok(QualyticsDriver {
            client,
            filter,
            name: src.name.clone(),
        })
    }

    /// One poll from `cursor` (the stored JSON, if any).
    pub async fn poll(&self, cursor: Option<&str>) -> Result<Polled, IngestError> {
        let err = |e: crate::source::qualytics::QualyticsError| IngestError::Remote {
            source_name: self.name.clone(),
            message: e.to_string(),
            transient: e.is_transient(),
            retry_after: e.retry_after(),
        };
        let previous: QualyticsCursor = cursor
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let first = previous.watermark.is_none();
        let since = NewSinceCursor {
            watermark: previous.watermark,
            recent_ids: previous.recent_ids.clone(),
        };
        let fresh = self
            .client
            .new_since(&self.filter, &since, OVERLAP)
            .await
            .map_err(err)?;
        let mut requests = fresh.requests;
        let mut problems = fresh.skipped.len();
        let mut seen: Vec<QualyticsAnomaly> = fresh.anomalies;
        let mut resolved = Vec::new();
        if !first {
            let snaps: Vec<Snapshot> = previous
                .watched
                .iter()
                .map(|w| Snapshot {
                    id: w.id,
                    status: w.status,
                    rev: w.rev,
                    requested: None,
                })
                .collect();
            let poll = self
                .client
                .status_poll(&self.filter, &snaps)
                .await
                .map_err(err)?;
            requests += poll.requests;
            problems += poll.skipped.len();
            // Deleted in Qualytics: nothing to triage any more.
            resolved.extend(poll.deleted.iter().map(u64::to_string));
            let known: BTreeSet<u64> = seen.iter().map(|a| a.id).collect();
            seen.extend(poll.current.into_iter().filter(|a| !known.contains(&a.id)));
        }
        let watched = seen
            .iter()
            .filter(|a| a.status.is_open())
            .map(|a| Watched {
                id: a.id,
                status: a.status,
                rev: crate::source::qualytics::revision(a),
            })
            .collect();
        let capabilities = self.capabilities().await;
        let base = self.client.base_url().to_owned();
        let anomalies: Vec<Anomaly> = seen
            .iter()
            .map(|q| to_anomaly(q, &self.name, &base))
            .collect();
        let cursor = QualyticsCursor {
            watermark: fresh.cursor.watermark,
            recent_ids: fresh.cursor.recent_ids,
            watched,
        };
        Ok(Polled {
            result: PollResult {
                anomalies,
                resolved,
                problems,
                requests,
            },
            cursor: serde_json::to_string(&cursor)
                .map_err(|e| IngestError::Internal(e.to_string()))?,
            capabilities,
        })
    }

    /// What the ingester records as written back: status changes always; comments where the
    /// instance's `openapi.json` lists a comment route (a failed probe leaves comments local).
    async fn capabilities(&self) -> Vec<String> {
        let mut caps: Vec<String> = ["acknowledge", "unacknowledge", "archive"]
            .map(str::to_owned)
            .to_vec();
        if matches!(self.client.can_comment().await, Ok(true)) {
            caps.push("comment".to_owned());
        }
        caps
    }
}

fn parse_status(s: &str) -> Option<QualyticsStatus> {
    use QualyticsStatus as Q;
    [
        Q::Active,
        Q::Acknowledged,
        Q::Resolved,
        Q::Invalid,
        Q::Duplicate,
        Q::Discarded,
    ]
    .into_iter()
    .find(|q| q.as_str().eq_ignore_ascii_case(s))
}
