//! The Qualytics anomaly as `GET /api/anomalies` serves it (docs/sources-qualytics.md, "Records").
//! Only the fields snowlink uses are typed; the item's JSON text is kept verbatim in `raw`.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A Qualytics anomaly status. `Active` and `Acknowledged` are open; the other four are the
/// reasons an anomaly is archived with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QualyticsStatus {
    Active,
    Acknowledged,
    Resolved,
    Invalid,
    Duplicate,
    Discarded,
}

impl QualyticsStatus {
    /// Exactly as the API spells it (the list filter `status` is case-sensitive).
    pub fn as_str(self) -> &'static str {
        match self {
            QualyticsStatus::Active => "Active",
            QualyticsStatus::Acknowledged => "Acknowledged",
            QualyticsStatus::Resolved => "Resolved",
            QualyticsStatus::Invalid => "Invalid",
            QualyticsStatus::Duplicate => "Duplicate",
            QualyticsStatus::Discarded => "Discarded",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            QualyticsStatus::Active | QualyticsStatus::Acknowledged
        )
    }
}

impl fmt::Display for QualyticsStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{id, name}` of a datastore or container.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NamedRef {
    pub id: u64,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QualityCheckRef {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub name: String,
}

/// One entry of `failed_checks[]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QualyticsFailedCheck {
    #[serde(default)]
    pub quality_check: Option<QualityCheckRef>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QualyticsTag {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QualyticsUser {
    pub id: u64,
    #[serde(default)]
    pub name: String,
}

/// An anomaly record. `raw` is the item's JSON text exactly as the server sent it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QualyticsAnomaly {
    pub id: u64,
    #[serde(default)]
    pub uuid: Option<String>,
    /// `record` or `shape`.
    #[serde(rename = "type", default)]
    pub anomaly_type: Option<String>,
    pub status: QualyticsStatus,
    /// The severity score; an integer in practice, a float accepted.
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub anomalous_records_count: Option<u64>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created: Option<Timestamp>,
    /// An integer in older docs, a string in current API models: both become a string.
    #[serde(default, deserialize_with = "int_or_string")]
    pub fingerprint: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub global_tags: Vec<QualyticsTag>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub assignees: Vec<QualyticsUser>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub failed_checks: Vec<QualyticsFailedCheck>,
    #[serde(default)]
    pub datastore: Option<NamedRef>,
    #[serde(default)]
    pub container: Option<NamedRef>,
    #[serde(skip)]
    pub raw: String,
}

impl QualyticsAnomaly {
    /// Parses one item, keeping its text verbatim.
    pub fn from_json(text: &str) -> Result<QualyticsAnomaly, serde_json::Error> {
        let mut a: QualyticsAnomaly = serde_json::from_str(text)?;
        a.raw = text.to_owned();
        Ok(a)
    }
}

fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn int_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "fingerprint should be an integer or a string, not {other}"
        ))),
    }
}

/// `created` is RFC 3339 (`…000000Z`); a time without an offset is read as UTC, because the
/// API is documented in UTC and older servers have been seen to omit the `Z`.
fn lenient_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    parse_created(&text).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!("created {text:?} is not an ISO 8601 time"))
    })
}

pub(crate) fn parse_created(text: &str) -> Option<Timestamp> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn fingerprint_int_or_string_and_raw_kept() {
        let text = r#"{"id":7,"status":"Resolved","fingerprint":12345,"created":"2026-11-20T09:15:00.000000Z","extra_field":true}"#;
        let a = QualyticsAnomaly::from_json(text).unwrap();
        assert_eq!(a.fingerprint.as_deref(), Some("12345"));
        assert_eq!(a.raw, text);
        let b = QualyticsAnomaly::from_json(r#"{"id":8,"status":"Active","fingerprint":"3ecf"}"#)
            .unwrap();
        assert_eq!(b.fingerprint.as_deref(), Some("3ecf"));
        assert!(
            QualyticsAnomaly::from_json(r#"{"id":9,"status":"Active","fingerprint":[1]}"#).is_err()
        );
    }

    #[test]
    fn created_without_offset_is_utc() {
        let a = parse_created("2026-11-20T09:15:00.5").unwrap();
        assert_eq!(a.to_string(), "2026-11-20T09:15:00.5Z");
        assert!(parse_created("yesterday").is_none());
    }

    #[test]
    fn unknown_status_is_refused() {
        assert!(QualyticsAnomaly::from_json(r#"{"id":1,"status":"active"}"#).is_err());
    }
}
