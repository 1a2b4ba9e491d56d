//! Turning one JSON record into an [`Anomaly`], naming the field at fault when it cannot.
//! Pure: the caller (a source) owns reading and line numbering.

use jiff::Timestamp;
use serde_json::{Map, Value};
use std::fmt;

use super::anomaly::{Anomaly, FailedCheck};
use super::status::{SEVERITY_EXPECTED, STATUS_EXPECTED, Severity, Status};

/// Why one record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Not valid JSON. `line`/`column` are 1-based and relative to the record's first line.
    #[error("invalid JSON (line {line}, column {column}): {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("expected a JSON object, found {found}")]
    NotAnObject { found: &'static str },
    #[error("field \"{field}\": {problem}")]
    Field {
        field: String,
        problem: FieldProblem,
    },
}

impl RecordError {
    /// The field at fault, when the record was JSON but a field was wrong.
    pub fn field(&self) -> Option<&str> {
        match self {
            RecordError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// What is wrong with a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldProblem {
    Missing,
    Empty,
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    UnknownValue {
        value: String,
        expected: &'static str,
    },
    BadTimestamp {
        value: String,
    },
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Missing => f.write_str("missing (required)"),
            FieldProblem::Empty => f.write_str("must not be empty"),
            FieldProblem::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            FieldProblem::UnknownValue { value, expected } => {
                write!(f, "unknown value {value:?} (expected {expected})")
            }
            FieldProblem::BadTimestamp { value } => write!(
                f,
                "invalid timestamp {value:?} (expected RFC 3339, e.g. 2026-11-23T10:30:00Z)"
            ),
        }
    }
}

/// Parses one record's JSON text. `raw` is kept verbatim in [`Anomaly::raw`].
pub fn anomaly_from_json(raw: &str) -> Result<Anomaly, RecordError> {
    let value: Value = serde_json::from_str(raw).map_err(|e| RecordError::Syntax {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    anomaly_from_value(value, raw.to_owned())
}

/// serde_json appends " at line L column C" to its messages; we report the position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Builds an anomaly from an already parsed JSON value.
pub fn anomaly_from_value(value: Value, raw: String) -> Result<Anomaly, RecordError> {
    let mut map = match value {
        Value::Object(m) => m,
        other => {
            return Err(RecordError::NotAnObject {
                found: kind_of(&other),
            });
        }
    };
    let id = required_text(&mut map, "id", true)?;
    let title = required_text(&mut map, "title", false)?;
    let status = match opt_str(&mut map, "status")? {
        None => Status::Active,
        Some(s) => Status::parse_file_value(&s).ok_or_else(|| {
            field_err(
                "status",
                FieldProblem::UnknownValue {
                    value: s,
                    expected: STATUS_EXPECTED,
                },
            )
        })?,
    };
    let severity = match opt_str(&mut map, "severity")? {
        None => None,
        Some(s) => Some(Severity::parse(&s).ok_or_else(|| {
            field_err(
                "severity",
                FieldProblem::UnknownValue {
                    value: s,
                    expected: SEVERITY_EXPECTED,
                },
            )
        })?),
    };
    let detected_at = match opt_str(&mut map, "detected_at")? {
        None => None,
        Some(s) => Some(
            s.trim()
                .parse::<Timestamp>()
                .map_err(|_| field_err("detected_at", FieldProblem::BadTimestamp { value: s }))?,
        ),
    };
    let extra = match map.remove("extra") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(other) => return Err(wrong_type("extra", "an object", &other)),
    };
    Ok(Anomaly {
        id,
        title,
        status,
        severity,
        kind: opt_str(&mut map, "type")?,
        source: opt_str(&mut map, "source")?,
        detected_at,
        description: opt_str(&mut map, "description")?,
        datastore: opt_str(&mut map, "datastore")?,
        container: opt_str(&mut map, "container")?,
        field: opt_str(&mut map, "field")?,
        failed_checks: failed_checks(&mut map)?,
        url: opt_str(&mut map, "url")?,
        tags: tags(&mut map)?,
        fingerprint: opt_text(&mut map, "fingerprint", true)?,
        extra,
        rest: map,
        raw,
    })
}

fn field_err(field: &str, problem: FieldProblem) -> RecordError {
    RecordError::Field {
        field: field.to_owned(),
        problem,
    }
}

fn wrong_type(field: &str, expected: &'static str, found: &Value) -> RecordError {
    field_err(
        field,
        FieldProblem::WrongType {
            expected,
            found: kind_of(found),
        },
    )
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field; with `allow_int`, an integer is accepted and rendered (Qualytics ids are ints).
fn opt_text(
    map: &mut Map<String, Value>,
    key: &str,
    allow_int: bool,
) -> Result<Option<String>, RecordError> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) if allow_int && (n.is_i64() || n.is_u64()) => {
            Ok(Some(n.to_string()))
        }
        Some(other) => Err(wrong_type(
            key,
            if allow_int {
                "a string or an integer"
            } else {
                "a string"
            },
            &other,
        )),
    }
}

fn opt_str(map: &mut Map<String, Value>, key: &str) -> Result<Option<String>, RecordError> {
    opt_text(map, key, false)
}

fn required_text(
    map: &mut Map<String, Value>,
    key: &str,
    allow_int: bool,
) -> Result<String, RecordError> {
    match opt_text(map, key, allow_int)? {
        None => Err(field_err(key, FieldProblem::Missing)),
        Some(s) if s.trim().is_empty() => Err(field_err(key, FieldProblem::Empty)),
        Some(s) => Ok(s),
    }
}

fn tags(map: &mut Map<String, Value>) -> Result<Vec<String>, RecordError> {
    match map.remove("tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s),
                other => Err(wrong_type(&format!("tags[{i}]"), "a string", &other)),
            })
            .collect(),
        Some(other) => Err(wrong_type("tags", "a list of strings", &other)),
    }
}

fn failed_checks(map: &mut Map<String, Value>) -> Result<Vec<FailedCheck>, RecordError> {
    let items = match map.remove("failed_checks") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(wrong_type(
                "failed_checks",
                "a list of {name, message}",
                &other,
            ));
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let mut obj = match item {
            Value::Object(o) => o,
            other => {
                return Err(wrong_type(
                    &format!("failed_checks[{i}]"),
                    "an object {name, message}",
                    &other,
                ));
            }
        };
        let name = required_text(&mut obj, "name", false).map_err(|e| prefix(e, i))?;
        let message = opt_str(&mut obj, "message")
            .map_err(|e| prefix(e, i))?
            .unwrap_or_default();
        out.push(FailedCheck { name, message });
    }
    Ok(out)
}

fn prefix(e: RecordError, i: usize) -> RecordError {
    match e {
        RecordError::Field { field, problem } => RecordError::Field {
            field: format!("failed_checks[{i}].{field}"),
            problem,
        },
        other => other,
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
