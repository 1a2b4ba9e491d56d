//! The Qualytics source client: pages `GET /api/anomalies` as qualytics-cli does, polls for new
//! anomalies and status changes, writes triage back, and maps records to `Anomaly`.
//! Written from the reference facts and qualytics-cli's behaviour; it shares no code or types
//! with `crates/qualytics-emulator`, which only serves it in tests. docs/sources-qualytics.md.

mod capabilities;
mod client;
mod diff;
mod error;
mod filter;
mod list;
mod model;
mod normalize;
mod poll;
mod writes;

pub use capabilities::{CAPABILITIES, Capabilities, Support};
pub use client::{MAX_PAGE_SIZE, QualyticsClient, QualyticsClientConfig};
pub use diff::{ChangeKind, Snapshot, StatusChange, diff, revision};
pub use error::QualyticsError;
pub use filter::{AnomalyFilter, ArchivedFilter, SortOrder};
pub use list::{AnomalyPage, Listing, SkippedRecord};
pub use model::{
    NamedRef, QualityCheckRef, QualyticsAnomaly, QualyticsFailedCheck, QualyticsStatus,
    QualyticsTag, QualyticsUser,
};
pub use normalize::{anomaly_url, severity_of, status_of, to_anomaly};
pub use poll::{NewSince, NewSinceCursor, StatusPoll};
pub use writes::{QualyticsComment, archive_status};
