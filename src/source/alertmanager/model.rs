//! The Alertmanager API v2 shapes this client reads and writes (from its `api/v2/openapi.yaml`),
//! parsed strictly: a required field that is missing or of the wrong type is an error, never a
//! default. Unknown fields are ignored so a newer Alertmanager (which adds fields such as
//! `mutedBy`) still reads.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// One alert as `GET /api/v2/alerts` returns it (a "gettableAlert").
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Alertmanager's hash of the label set: the alert's identity while it fires.
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Timestamp,
    pub updated_at: Timestamp,
    /// When Alertmanager considers the alert resolved unless it is sent again.
    pub ends_at: Timestamp,
    /// Link to the expression that produced the alert (Prometheus graph URL).
    pub generator_url: Option<String>,
    /// Names of the receivers the alert is routed to.
    pub receivers: Vec<String>,
    pub status: AlertStatus,
    /// The alert's JSON exactly as Alertmanager sent it.
    pub raw: String,
}

/// Whether the alert is being notified, and what silences or inhibits it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    pub state: AlertState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
}

/// `status.state` of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertState {
    /// Received but not yet matched against silences and inhibitions.
    Unprocessed,
    Active,
    /// Silenced or inhibited.
    Suppressed,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Unprocessed => "unprocessed",
            AlertState::Active => "active",
            AlertState::Suppressed => "suppressed",
        }
    }
}

/// The wire form of [`Alert`]; every field the spec marks required is required here.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AlertWire {
    fingerprint: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
    starts_at: Timestamp,
    updated_at: Timestamp,
    ends_at: Timestamp,
    #[serde(rename = "generatorURL", default)]
    generator_url: Option<String>,
    receivers: Vec<ReceiverWire>,
    status: AlertStatus,
}

#[derive(Deserialize)]
struct ReceiverWire {
    name: String,
}

/// Parses a `GET /api/v2/alerts` body. The error names the alert's position and the field.
pub(super) fn parse_alerts(body: &[u8]) -> Result<Vec<Alert>, String> {
    let items: Vec<&RawValue> = serde_json::from_slice(body)
        .map_err(|e| format!("expected a JSON array of alerts: {e}"))?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            let wire: AlertWire =
                serde_json::from_str(raw.get()).map_err(|e| format!("alert {i}: {e}"))?;
            if wire.fingerprint.trim().is_empty() {
                return Err(format!("alert {i}: empty fingerprint"));
            }
            Ok(Alert {
                fingerprint: wire.fingerprint,
                labels: wire.labels,
                annotations: wire.annotations,
                starts_at: wire.starts_at,
                updated_at: wire.updated_at,
                ends_at: wire.ends_at,
                generator_url: wire.generator_url.filter(|u| !u.trim().is_empty()),
                receivers: wire.receivers.into_iter().map(|r| r.name).collect(),
                status: wire.status,
                raw: raw.get().to_owned(),
            })
        })
        .collect()
}

impl Alert {
    /// One alert from its JSON as `GET /api/v2/alerts` listed it (the verbatim `raw` an anomaly
    /// keeps), parsed as strictly as a listing.
    pub fn from_json(raw: &str) -> Result<Alert, String> {
        let mut list = parse_alerts(format!("[{raw}]").as_bytes())?;
        list.pop().ok_or_else(|| "no alert".to_owned())
    }
}

/// A silence's id (a UUID chosen by Alertmanager).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SilenceId(pub String);

impl SilenceId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SilenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One label matcher of a silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    /// `false` turns the matcher into `!=` / `!~`. Alertmanager 0.22+ reads it; when absent it
    /// means `true`.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// `name="value"`, exactly.
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex: false,
            is_equal: true,
        }
    }
}

/// A silence to create (a "postableSilence" without `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SilenceSpec {
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

/// A silence as `GET /api/v2/silence/{id}` returns it (a "gettableSilence").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: SilenceId,
    pub status: SilenceStatus,
    pub updated_at: Timestamp,
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct SilenceStatus {
    pub state: SilenceState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    /// Starts in the future.
    Pending,
    Active,
    Expired,
}

/// The answer of `POST /api/v2/silences`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SilenceCreated {
    #[serde(rename = "silenceID")]
    pub silence_id: SilenceId,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    const ONE: &str = r#"[{"annotations":{"summary":"Disk full on db1"},"endsAt":"2026-12-01T09:42:03.969Z","fingerprint":"0ce2b3be841edbfa","receivers":[{"name":"db-null"}],"startsAt":"2026-12-01T09:37:03.969Z","status":{"inhibitedBy":[],"silencedBy":[],"state":"active"},"updatedAt":"2026-12-01T09:37:03.969Z","generatorURL":"http://prom/graph?g0.expr=x","labels":{"alertname":"DiskFull","instance":"db1"}}]"#;

    #[test]
    fn parses_an_alert_and_keeps_its_bytes() {
        let alerts = parse_alerts(ONE.as_bytes()).unwrap();
        assert_eq!(alerts.len(), 1);
        let a = &alerts[0];
        assert_eq!(a.fingerprint, "0ce2b3be841edbfa");
        assert_eq!(a.receivers, ["db-null"]);
        assert_eq!(a.status.state, AlertState::Active);
        assert_eq!(a.labels["alertname"], "DiskFull");
        assert_eq!(
            a.generator_url.as_deref(),
            Some("http://prom/graph?g0.expr=x")
        );
        assert_eq!(a.raw, &ONE[1..ONE.len() - 1]);
    }

    #[test]
    fn a_missing_or_mistyped_field_is_an_error_naming_the_alert() {
        let no_fp = ONE.replace(r#""fingerprint":"0ce2b3be841edbfa","#, "");
        let e = parse_alerts(no_fp.as_bytes()).unwrap_err();
        assert!(e.contains("alert 0") && e.contains("fingerprint"), "{e}");
        let bad_state = ONE.replace(r#""state":"active""#, r#""state":"firing""#);
        let e = parse_alerts(bad_state.as_bytes()).unwrap_err();
        assert!(e.contains("firing"), "{e}");
        let bad_time = ONE.replace("2026-12-01T09:42:03.969Z", "soon");
        assert!(parse_alerts(bad_time.as_bytes()).is_err());
        let label_not_string = ONE.replace(r#""instance":"db1""#, r#""instance":1"#);
        assert!(parse_alerts(label_not_string.as_bytes()).is_err());
        let e = parse_alerts(br#"{"alerts":[]}"#).unwrap_err();
        assert!(e.contains("expected a JSON array"), "{e}");
    }

    #[test]
    fn silence_spec_serializes_as_the_api_expects() {
        let spec = SilenceSpec {
            matchers: vec![Matcher::equal("alertname", "DiskFull")],
            starts_at: "2026-12-01T09:00:00Z".parse().unwrap(),
            ends_at: "2026-12-01T13:00:00Z".parse().unwrap(),
            created_by: "snowlink".into(),
            comment: "c".into(),
        };
        let v = serde_json::to_value(&spec).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "matchers": [{"name": "alertname", "value": "DiskFull", "isRegex": false, "isEqual": true}],
                "startsAt": "2026-12-01T09:00:00Z",
                "endsAt": "2026-12-01T13:00:00Z",
                "createdBy": "snowlink",
                "comment": "c"
            })
        );
    }
}
