//! The poll plan (docs/sources-qualytics.md, "Polling"): new anomalies by creation time with an
//! overlap window and id dedupe, and the open anomalies re-read to find status changes.
//! There is no `updated_since` in the API, so changes can only be found by re-reading.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::client::QualyticsClient;
use super::diff::Snapshot;
use super::error::QualyticsError;
use super::filter::{AnomalyFilter, ArchivedFilter, SortOrder};
use super::list::{AnomalyPage, Listing, SkippedRecord};
use super::model::{QualyticsAnomaly, QualyticsStatus};

/// Where the last "new since" poll got to. Keep it durably between polls.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSinceCursor {
    /// The newest `created` seen so far; `None` before the first ingest.
    pub watermark: Option<Timestamp>,
    /// Ids already read whose `created` is inside the overlap window below the watermark: the
    /// next poll re-reads that window (late writes land there) and drops these.
    pub recent_ids: BTreeSet<u64>,
}

/// What one "new since" poll found.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSince {
    /// Anomalies not seen before, newest first.
    pub anomalies: Vec<QualyticsAnomaly>,
    pub skipped: Vec<SkippedRecord>,
    pub cursor: NewSinceCursor,
    pub requests: u32,
}

/// The watched open anomalies now, plus the ones that left the open list since `previous`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusPoll {
    /// Every open anomaly the filter watches, then each formerly open one read by id (so its
    /// archive reason is known). Feed this to `diff`.
    pub current: Vec<QualyticsAnomaly>,
    /// Formerly open anomalies that are gone (404: deleted in Qualytics).
    pub deleted: Vec<u64>,
    /// Formerly open anomalies read by id that are still open: they left the filter (a tag or
    /// container changed). Stop watching them, or each poll reads them again.
    pub out_of_scope: Vec<u64>,
    pub skipped: Vec<SkippedRecord>,
    pub requests: u32,
}

fn window_start(watermark: Timestamp, overlap: Duration) -> Timestamp {
    let back = SignedDuration::try_from(overlap).unwrap_or(SignedDuration::MAX);
    watermark.checked_sub(back).unwrap_or(Timestamp::MIN)
}

impl QualyticsClient {
    /// Anomalies created since the cursor (minus `overlap`), newest first, each reported once.
    /// The first call (no watermark) reads everything the filter selects: ⌈N / 100⌉ requests.
    /// Later calls send `start_date` (a UTC day: the API's granularity) and stop at the first
    /// page that reaches below the window, so a quiet poll costs one request.
    pub async fn new_since(
        &self,
        filter: &AnomalyFilter,
        cursor: &NewSinceCursor,
        overlap: Duration,
    ) -> Result<NewSince, QualyticsError> {
        let from = cursor.watermark.map(|w| window_start(w, overlap));
        let mut f = filter.clone();
        // Newest first: anomalies created while we page land on page 1, already read, so they
        // shift records to later pages (seen again, deduped) and none is skipped.
        f.sort_created = Some(SortOrder::Desc);
        f.start_date = from.map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date());
        let below = |p: &AnomalyPage| match (from, p.items.last().and_then(|a| a.created)) {
            (Some(from), Some(oldest)) => oldest < from,
            _ => false,
        };
        let Listing {
            anomalies,
            skipped,
            requests,
        } = self.list_until(&f, &below).await?;
        let watermark = anomalies
            .iter()
            .filter_map(|a| a.created)
            .chain(cursor.watermark)
            .max();
        let keep_from = watermark.map(|w| window_start(w, overlap));
        let mut recent_ids = BTreeSet::new();
        let mut fresh = Vec::new();
        for a in anomalies {
            let in_window = match (from, a.created) {
                (Some(from), Some(c)) => c >= from,
                _ => true,
            };
            if a.created.is_none() || a.created >= keep_from {
                recent_ids.insert(a.id);
            }
            if in_window && !cursor.recent_ids.contains(&a.id) {
                fresh.push(a);
            }
        }
        Ok(NewSince {
            anomalies: fresh,
            skipped,
            cursor: NewSinceCursor {
                watermark,
                recent_ids,
            },
            requests,
        })
    }

    /// The open anomalies (Active and Acknowledged) the filter watches: the archived history is
    /// not read. Costs ⌈open / 100⌉ requests per scope.
    pub async fn open_snapshot(&self, filter: &AnomalyFilter) -> Result<Listing, QualyticsError> {
        let mut f = filter.clone();
        f.statuses = vec![QualyticsStatus::Active, QualyticsStatus::Acknowledged];
        f.archived = ArchivedFilter::Exclude;
        f.start_date = None;
        self.list_all(&f).await
    }

    /// `open_snapshot`, plus one `get` per anomaly that `previous` knew as open and that left
    /// the open list (archived, moved out of the filter, or deleted).
    pub async fn status_poll(
        &self,
        filter: &AnomalyFilter,
        previous: &[Snapshot],
    ) -> Result<StatusPoll, QualyticsError> {
        let open = self.open_snapshot(filter).await?;
        let mut requests = open.requests;
        let listed: HashSet<u64> = open.anomalies.iter().map(|a| a.id).collect();
        let mut current = open.anomalies;
        let mut deleted = Vec::new();
        let mut out_of_scope = Vec::new();
        for snap in previous {
            if !snap.status.is_open() || listed.contains(&snap.id) {
                continue;
            }
            if requests >= self.cfg.max_requests {
                return Err(QualyticsError::RequestCap { requests });
            }
            requests += 1;
            match self.get(snap.id).await {
                Ok(a) => {
                    if a.status.is_open() {
                        out_of_scope.push(a.id);
                    }
                    current.push(a);
                }
                Err(QualyticsError::NotFound { .. }) => deleted.push(snap.id),
                Err(e) => return Err(e),
            }
        }
        Ok(StatusPoll {
            current,
            deleted,
            out_of_scope,
            skipped: open.skipped,
            requests,
        })
    }
}
