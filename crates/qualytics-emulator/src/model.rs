//! The anomaly record as the API serves it (docs/qualytics-emulator.md, "Anomaly shape").

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Anomaly status. `Active` and `Acknowledged` are open; the other four are the
/// reasons an anomaly is archived with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Active,
    Acknowledged,
    Resolved,
    Invalid,
    Duplicate,
    Discarded,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Active,
        Status::Acknowledged,
        Status::Resolved,
        Status::Invalid,
        Status::Duplicate,
        Status::Discarded,
    ];

    pub fn is_open(self) -> bool {
        matches!(self, Status::Active | Status::Acknowledged)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "Active",
            Status::Acknowledged => "Acknowledged",
            Status::Resolved => "Resolved",
            Status::Invalid => "Invalid",
            Status::Duplicate => "Duplicate",
            Status::Discarded => "Discarded",
        }
    }

    /// Exact, case-sensitive match like the API's enum validation.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnomalyType {
    #[default]
    Record,
    Shape,
}

impl AnomalyType {
    pub fn parse(s: &str) -> Option<AnomalyType> {
        match s {
            "record" => Some(AnomalyType::Record),
            "shape" => Some(AnomalyType::Shape),
            _ => None,
        }
    }
}

/// `{id, name}` reference to a datastore or container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ref {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityCheck {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The rule (`notNull`, `between`, …); the `rule_type` list filter matches it.
    #[serde(default)]
    pub rule_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheck {
    pub quality_check: QualityCheck,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalTag {
    pub name: String,
    #[serde(default)]
    pub color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub anomaly_id: u64,
    pub message: String,
    pub created: String,
    pub user: User,
}

/// One anomaly. Serialized as the API returns it; `comments` are filled in on
/// `GET /api/anomalies/{id}` only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anomaly {
    pub id: u64,
    pub uuid: String,
    #[serde(rename = "type")]
    pub anomaly_type: AnomalyType,
    pub status: Status,
    pub archived: bool,
    pub is_new: bool,
    pub weight: u32,
    pub anomalous_records_count: u64,
    pub description: String,
    /// ISO 8601 UTC with microseconds, e.g. `2026-11-20T09:15:00.000000Z`.
    pub created: String,
    /// A string in current API models, an integer in older docs: kept as given.
    pub fingerprint: Value,
    pub source_enriched: bool,
    pub global_tags: Vec<GlobalTag>,
    pub assignees: Vec<User>,
    pub failed_checks: Vec<FailedCheck>,
    pub datastore: Ref,
    pub container: Ref,
}

impl Anomaly {
    pub fn has_tag(&self, name: &str) -> bool {
        self.global_tags.iter().any(|t| t.name == name)
    }

    /// The date part (`YYYY-MM-DD`) of `created`, for the date filters.
    pub fn created_date(&self) -> &str {
        self.created.get(..10).unwrap_or(&self.created)
    }
}
