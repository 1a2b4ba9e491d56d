//! Inserting events and processing them into alerts, as the event processing job of a real
//! instance does a few seconds later (here at once, in the same request): per record, the
//! sheet's truncation, then dedupe by message key into the open alert.

use serde_json::Value;

use super::schema::{EM_ALERT, EM_EVENT, FIELD_LIMITS};
use crate::auth::Principal;
use crate::clock;
use crate::store::{Record, Store};
use crate::util::new_sys_id;

/// The parts of the key an event without `message_key` is deduped by, in order.
const KEY_PARTS: &[&str] = &["source", "node", "type", "resource", "metric_name"];

/// Fields processing copies from an event onto its alert.
const ALERT_FIELDS: &[&str] = &[
    "source",
    "node",
    "type",
    "resource",
    "metric_name",
    "event_class",
    "message_key",
    "severity",
    "description",
    "additional_info",
];

/// Inserts every record that is a JSON object and returns how many were inserted.
pub fn insert_all(store: &mut Store, p: &Principal, records: &[Value]) -> usize {
    let now = clock::now();
    let mut inserted = 0;
    for rec in records {
        let Value::Object(fields) = rec else {
            continue;
        };
        let mut event = event_record(fields, &now);
        stamp(&mut event, &p.user_name, &now);
        process(store, &mut event, &p.user_name, &now);
        if let Some(t) = store.table_mut("em_event") {
            t.put(event);
            inserted += 1;
        }
    }
    inserted
}

/// A stored value: strings as sent, numbers and booleans as text, an object as the string a
/// JavaScript concatenation gives it (`[object Object]`, seen on a PDI for `additional_info`).
fn raw(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(_) => Some("[object Object]".into()),
        Value::Array(_) => None,
    }
}

fn truncate(field: &str, value: String) -> String {
    match FIELD_LIMITS.iter().find(|(f, _)| *f == field) {
        Some((_, max)) if value.chars().count() > *max => value.chars().take(*max).collect(),
        _ => value,
    }
}

fn event_record(fields: &serde_json::Map<String, Value>, now: &str) -> Record {
    let mut rec: Record = EM_EVENT
        .defaults
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (key, value) in fields {
        let writable = EM_EVENT.field(key).is_some()
            && !key.starts_with("sys_")
            && !matches!(key.as_str(), "state" | "alert" | "processing_notes");
        if let (true, Some(v)) = (writable, raw(value)) {
            rec.insert(key.clone(), truncate(key, v));
        }
    }
    rec.insert("sys_id".into(), new_sys_id());
    if rec.get("time_of_event").is_none_or(String::is_empty) {
        rec.insert("time_of_event".into(), now.to_string());
    }
    rec
}

fn stamp(rec: &mut Record, user: &str, now: &str) {
    for (k, v) in [
        ("sys_created_on", now),
        ("sys_created_by", user),
        ("sys_updated_on", now),
        ("sys_updated_by", user),
        ("sys_mod_count", "0"),
    ] {
        rec.insert(k.to_string(), v.to_string());
    }
}

fn get<'r>(rec: &'r Record, f: &str) -> &'r str {
    rec.get(f).map(String::as_str).unwrap_or("")
}

/// The key events are deduped by: `message_key`, else the five identifying fields.
fn dedupe_key(event: &Record) -> String {
    let given = get(event, "message_key").trim();
    if !given.is_empty() {
        return given.to_string();
    }
    let joined: String = KEY_PARTS.iter().map(|f| get(event, f)).collect();
    truncate("message_key", joined)
}

/// Finds or makes the event's alert and records the outcome on the event.
fn process(store: &mut Store, event: &mut Record, user: &str, now: &str) {
    let severity = get(event, "severity").trim().to_string();
    let note = |event: &mut Record, state: &str, text: &str| {
        event.insert("state".into(), state.into());
        event.insert("processing_notes".into(), text.into());
    };
    if severity.is_empty() {
        note(event, "Processed", "No severity: no alert was created");
        return;
    }
    if !matches!(severity.as_str(), "0" | "1" | "2" | "3" | "4" | "5") {
        note(event, "Error", "Severity must be 0 (Clear) to 5 (OK)");
        return;
    }
    let key = dedupe_key(event);
    event.insert("message_key".into(), key.clone());
    match open_alert(store, &key) {
        Some(mut alert) => {
            for f in ALERT_FIELDS {
                // A clear keeps the alert's text; it only closes it.
                if severity == "0" && *f != "severity" {
                    continue;
                }
                if event.contains_key(*f) {
                    alert.insert(f.to_string(), get(event, f).to_string());
                }
            }
            if severity == "0" {
                alert.insert("state".into(), "Closed".into());
            }
            let count = get(&alert, "event_count").parse::<u64>().unwrap_or(1) + 1;
            alert.insert("event_count".into(), count.to_string());
            alert.insert("last_event_time".into(), get(event, "time_of_event").into());
            let mods = get(&alert, "sys_mod_count").parse::<u64>().unwrap_or(0) + 1;
            alert.insert("sys_mod_count".into(), mods.to_string());
            alert.insert("sys_updated_on".into(), now.into());
            alert.insert("sys_updated_by".into(), user.into());
            event.insert("alert".into(), get(&alert, "sys_id").into());
            let text = if severity == "0" {
                "Closed the alert"
            } else {
                "Updated the alert"
            };
            note(event, "Processed", text);
            if let Some(t) = store.table_mut("em_alert") {
                t.put(alert);
            }
        }
        None if severity == "0" => note(event, "Processed", "Clear event without an open alert"),
        None => {
            let alert = new_alert(store, event, user, now);
            event.insert("alert".into(), get(&alert, "sys_id").into());
            note(event, "Processed", "Created an alert");
            if let Some(t) = store.table_mut("em_alert") {
                t.put(alert);
            }
        }
    }
}

fn open_alert(store: &Store, key: &str) -> Option<Record> {
    let t = store.table("em_alert")?;
    t.iter()
        .map(|(_, r)| r)
        .filter(|r| get(r, "message_key") == key && get(r, "state") != "Closed")
        .last()
        .cloned()
}

fn new_alert(store: &Store, event: &Record, user: &str, now: &str) -> Record {
    let mut alert: Record = EM_ALERT
        .defaults
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for f in ALERT_FIELDS {
        alert.insert(f.to_string(), get(event, f).to_string());
    }
    alert.insert("sys_id".into(), new_sys_id());
    alert.insert("number".into(), next_alert_number(store));
    alert.insert("initial_event".into(), get(event, "sys_id").into());
    alert.insert("last_event_time".into(), get(event, "time_of_event").into());
    stamp(&mut alert, user, now);
    alert
}

/// `Alert0010001`, `Alert0010002`, … (a fresh PDI's first number), after the highest taken.
fn next_alert_number(store: &Store) -> String {
    let highest = store
        .table("em_alert")
        .into_iter()
        .flat_map(|t| t.iter())
        .filter_map(|(_, r)| get(r, "number").strip_prefix("Alert")?.parse::<u64>().ok())
        .max()
        .unwrap_or(10000);
    format!("Alert{:07}", highest.max(10000) + 1)
}
