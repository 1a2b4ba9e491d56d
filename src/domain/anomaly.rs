//! The anomaly record, as read from a source (see DESIGN "Anomaly file format").

use jiff::Timestamp;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

use super::status::{Severity, Status};

/// One failed data-quality check that produced the anomaly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedCheck {
    pub name: String,
    pub message: String,
}

/// An anomaly as its source describes it. Only `id` and `title` are required.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    pub id: String,
    pub title: String,
    /// Status as the source reports it (the local triage status lives in the store).
    pub status: Status,
    pub severity: Option<Severity>,
    /// The file's `type` field (`record`, `shape`, …).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The file's `source` field: who produced the anomaly (not the configured source name).
    pub source: Option<String>,
    pub detected_at: Option<Timestamp>,
    pub description: Option<String>,
    pub datastore: Option<String>,
    pub container: Option<String>,
    pub field: Option<String>,
    pub failed_checks: Vec<FailedCheck>,
    pub url: Option<String>,
    pub tags: Vec<String>,
    pub fingerprint: Option<String>,
    /// The file's `extra` object, verbatim.
    pub extra: Option<Value>,
    /// Unknown fields, kept verbatim (serialized back as top-level fields).
    #[serde(flatten)]
    pub rest: Map<String, Value>,
    /// The record exactly as read (one NDJSON line or one array element).
    #[serde(skip)]
    pub raw: String,
}

impl Anomaly {
    /// A minimal anomaly (used by tests and by sources that build records field by field).
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Anomaly {
        Anomaly {
            id: id.into(),
            title: title.into(),
            status: Status::Active,
            severity: None,
            kind: None,
            source: None,
            detected_at: None,
            description: None,
            datastore: None,
            container: None,
            field: None,
            failed_checks: Vec::new(),
            url: None,
            tags: Vec::new(),
            fingerprint: None,
            extra: None,
            rest: Map::new(),
            raw: String::new(),
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Identity of an anomaly in the store: the configured source name plus the anomaly id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct AnomalyKey {
    pub source: String,
    pub id: String,
}

impl AnomalyKey {
    pub fn new(source: impl Into<String>, id: impl Into<String>) -> AnomalyKey {
        AnomalyKey {
            source: source.into(),
            id: id.into(),
        }
    }
}

impl fmt::Display for AnomalyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.source, self.id)
    }
}
