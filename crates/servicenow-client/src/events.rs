//! Event Management (docs/servicenow-client.md §Events): send events to
//! `POST /api/global/em/jsonv2` and read the alert an event was processed into, by its
//! message key. Written from the reference sheet on Event Management (docs/servicenow-client.md
//! §Events), not from the emulator.

use reqwest::Method;
use serde_json::{Map, Value};

use crate::classify::Expect;
use crate::client::Call;
use crate::error::Error;
use crate::query::Query;
use crate::table::{DisplayValue, ListParams};
use crate::value::Record;
use crate::{Client, UnavailableKind};

/// The instance's JSON v2 event endpoint. It skips the `em_event` business rules (the
/// `em_event.do?JSONv2` form runs them); snowlink needs none.
pub const EVENT_PATH: &str = "/api/global/em/jsonv2";
/// Where processed events become alerts.
pub const ALERT_TABLE: &str = "em_alert";
/// What [`Client::find_alert`] asks for: the identity and what a links pane shows.
pub const ALERT_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "state",
    "severity",
    "message_key",
    "assignment_group",
    "assigned_to",
    "sys_updated_on",
];

/// One event, as the `em_event` fields of the JSON v2 body. Every value is sent as a string
/// (severity too: `"0"`…`"5"`); `additional_info` must already be a JSON *string* (an object
/// would be stored as `[object Object]`). Empty optional fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub source: String,
    pub node: String,
    /// `type` on the wire.
    pub event_type: String,
    pub resource: String,
    pub metric_name: String,
    /// 1 Critical … 5 OK, 0 Clear (closes the alert); `None` makes no alert.
    pub severity: Option<u8>,
    pub message_key: String,
    pub description: String,
    pub additional_info: String,
    /// UTC `yyyy-MM-dd HH:mm:ss`; ServiceNow uses the time of arrival when empty.
    pub time_of_event: String,
    /// `New` or `Closing`; empty leaves it to ServiceNow (New).
    pub resolution_state: String,
}

impl Event {
    /// The record as sent inside `{"records":[…]}`.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let severity = self.severity.map(|s| s.to_string()).unwrap_or_default();
        for (k, v) in [
            ("source", self.source.as_str()),
            ("node", self.node.as_str()),
            ("type", self.event_type.as_str()),
            ("resource", self.resource.as_str()),
            ("metric_name", self.metric_name.as_str()),
            ("severity", severity.as_str()),
            ("message_key", self.message_key.as_str()),
            ("description", self.description.as_str()),
            ("additional_info", self.additional_info.as_str()),
            ("time_of_event", self.time_of_event.as_str()),
            ("resolution_state", self.resolution_state.as_str()),
        ] {
            if !v.is_empty() {
                m.insert(k.into(), Value::String(v.into()));
            }
        }
        m
    }

    /// Parses a record as [`Event::to_json`] writes it (strings only).
    pub fn from_json(m: &Map<String, Value>) -> Event {
        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Event {
            source: s("source"),
            node: s("node"),
            event_type: s("type"),
            resource: s("resource"),
            metric_name: s("metric_name"),
            severity: s("severity").trim().parse().ok(),
            message_key: s("message_key"),
            description: s("description"),
            additional_info: s("additional_info"),
            time_of_event: s("time_of_event"),
            resolution_state: s("resolution_state"),
        }
    }
}

impl Client {
    /// `POST /api/global/em/jsonv2` with `{"records":[…]}`. ServiceNow answers
    /// `{"result":{"Default Bulk Endpoint":"N events were inserted"}}`; returns N. An answer
    /// that does not say so, or counts fewer than were sent, is `Error::UnexpectedAnswer`
    /// (a write whose outcome is unknown: events are idempotent by message key, so a resend
    /// only updates the same alert again).
    pub async fn send_events(&self, events: &[Event]) -> Result<u64, Error> {
        let records: Vec<Value> = events.iter().map(|e| Value::Object(e.to_json())).collect();
        let mut body = Map::new();
        body.insert("records".into(), Value::Array(records));
        let body = Value::Object(body);
        let reply = self
            .call(&Call {
                method: Method::POST,
                path: EVENT_PATH.to_string(),
                query: Vec::new(),
                body: Some(&body),
                expect: Expect::Result,
            })
            .await?;
        let url = self.url_of(EVENT_PATH);
        let status = reply.status;
        let unexpected = |problem: String| Error::UnexpectedAnswer {
            url: url.clone(),
            status,
            write: true,
            problem,
        };
        let result = match reply.result {
            Some(Value::Object(o)) => o,
            Some(_) => {
                return Err(unexpected(
                    "the event answer's result is not an object".into(),
                ));
            }
            None => {
                return Err(Error::Unavailable {
                    kind: UnavailableKind::MissingResult,
                    url: url.clone(),
                    status,
                    write: true,
                    snippet: "result is absent".into(),
                    retry_after: None,
                });
            }
        };
        let inserted = result
            .values()
            .filter_map(Value::as_str)
            .find_map(inserted_count)
            .ok_or_else(|| {
                unexpected(format!(
                    "the event answer does not say how many were inserted: {}",
                    Value::Object(result.clone())
                ))
            })?;
        if inserted < events.len() as u64 {
            return Err(unexpected(format!(
                "{inserted} of {} events were inserted",
                events.len()
            )));
        }
        Ok(inserted)
    }

    /// The newest `em_alert` whose `message_key` is `key` (display values and raw values,
    /// `ALERT_FIELDS`), or `None` when there is none yet: a real instance processes events
    /// in a scheduled job, seconds after they were accepted.
    pub async fn find_alert(&self, key: &str) -> Result<Option<Record>, Error> {
        let params = ListParams::new()
            .query(
                Query::new()
                    .eq("message_key", key)
                    .order_by_desc("sys_created_on")
                    .order_by_desc("number"),
            )
            .fields(ALERT_FIELDS)
            .limit(1)
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        let Some(rec) = self
            .list(ALERT_TABLE, &params)
            .await?
            .records
            .into_iter()
            .next()
        else {
            return Ok(None);
        };
        if rec.value("message_key").unwrap_or("") != key || rec.sys_id().is_empty() {
            return Err(Error::UnexpectedAnswer {
                url: self.url_of(&format!("/api/now/table/{ALERT_TABLE}")),
                status: 200,
                write: false,
                problem: format!(
                    "the alert found for message_key {key:?} carries another key or no sys_id"
                ),
            });
        }
        Ok(Some(rec))
    }
}

/// `"3 events were inserted"` → 3.
fn inserted_count(text: &str) -> Option<u64> {
    let mut words = text.split_whitespace();
    let n = words.next()?.parse().ok()?;
    (words.next()? == "events" || text.contains("inserted")).then_some(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn counts_are_read_from_the_answer_text() {
        assert_eq!(inserted_count("1 events were inserted"), Some(1));
        assert_eq!(inserted_count("12 events were inserted"), Some(12));
        assert_eq!(inserted_count("events were inserted"), None);
        assert_eq!(inserted_count(""), None);
    }

    #[test]
    fn empty_fields_are_left_out_and_severity_is_a_string() {
        let e = Event {
            source: "s".into(),
            severity: Some(0),
            message_key: "k".into(),
            ..Event::default()
        };
        let m = e.to_json();
        assert_eq!(m.get("severity"), Some(&Value::String("0".into())));
        assert!(!m.contains_key("node"));
        assert_eq!(Event::from_json(&m), e);
    }
}
