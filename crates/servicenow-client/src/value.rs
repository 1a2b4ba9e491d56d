//! Typed access to records in every value shape of reference §3 (dv false/true/all × excl).
//!
//! Records stay `serde_json::Map<String, Value>` (unknown fields survive); `Record` adds accessors
//! that return the raw value or the display value whatever shape the server used.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One field as returned by the Table API: a plain string, or an object with any of
/// `value`, `display_value` and `link`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Str(String),
    Obj {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        display_value: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
}

/// Checks that every field of a record the server sent has a shape ServiceNow uses: a string, or
/// an object whose `value`/`display_value`/`link` are strings. `null` counts as absent. Returns
/// what was wrong, for `Error::UnexpectedAnswer`; the client rejects such records when it parses
/// them, so a number where ServiceNow sends a string never turns into `""` further on.
pub(crate) fn check_record(map: &Map<String, Value>) -> Result<(), String> {
    for (name, v) in map {
        match v {
            Value::String(_) | Value::Null => {}
            Value::Object(parts) => {
                let mut known = 0;
                for part in ["value", "display_value", "link"] {
                    match parts.get(part) {
                        None | Some(Value::Null) => {}
                        Some(Value::String(_)) => known += 1,
                        Some(other) => {
                            return Err(format!(
                                "field {name:?} has a {part} that is {} ({}) where ServiceNow \
                                 sends a string",
                                json_kind(other),
                                short_json(other)
                            ));
                        }
                    }
                }
                if known == 0 && !parts.is_empty() {
                    return Err(format!(
                        "field {name:?} is an object without value, display_value or link ({})",
                        short_json(v)
                    ));
                }
            }
            other => {
                return Err(format!(
                    "field {name:?} is {} ({}) where ServiceNow sends a string",
                    json_kind(other),
                    short_json(other)
                ));
            }
        }
    }
    Ok(())
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// At most 60 characters of the value's JSON, for messages.
fn short_json(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

impl FieldValue {
    /// Reads one field value: a string or a `{value, display_value, link}` object. Other JSON
    /// (numbers, booleans, arrays, null) is not a ServiceNow field value and gives `None`.
    pub fn from_json(v: &Value) -> Option<FieldValue> {
        match v {
            Value::Object(m) => Some(FieldValue::Obj {
                value: m.get("value").and_then(scalar),
                display_value: m.get("display_value").and_then(scalar),
                link: m.get("link").and_then(scalar),
            }),
            other => scalar(other).map(FieldValue::Str),
        }
    }

    /// The raw value (a sys_id for references): `value`, else the sys_id at the end of `link`
    /// (dv=true objects carry no `value`), else the plain string. With `sysparm_display_value=true`
    /// a plain string is already the display value: request `all` when both are needed.
    pub fn value(&self) -> Option<&str> {
        match self {
            FieldValue::Str(s) => Some(s),
            FieldValue::Obj { value: Some(v), .. } => Some(v),
            FieldValue::Obj { link: Some(l), .. } => link_sys_id(l),
            FieldValue::Obj { .. } => None,
        }
    }

    /// The display value: `display_value`, else the plain string or `value`.
    pub fn display(&self) -> Option<&str> {
        match self {
            FieldValue::Str(s) => Some(s),
            FieldValue::Obj {
                display_value: Some(d),
                ..
            } => Some(d),
            FieldValue::Obj { value, .. } => value.as_deref(),
        }
    }

    /// The reference link, when the server included one (excl=false).
    pub fn link(&self) -> Option<&str> {
        match self {
            FieldValue::Obj { link, .. } => link.as_deref(),
            FieldValue::Str(_) => None,
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn scalar_ref(v: &Value) -> Option<&str> {
    v.as_str()
}

/// `https://i/api/now/table/sys_user_group/X` → `X`.
fn link_sys_id(link: &str) -> Option<&str> {
    let tail = link.trim_end_matches('/').rsplit('/').next()?;
    let tail = tail.split(['?', '#']).next()?;
    (!tail.is_empty()).then_some(tail)
}

/// A record with shape-independent accessors. Derefs to the underlying map.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record(pub Map<String, Value>);

impl Record {
    pub fn new(map: Map<String, Value>) -> Self {
        Record(map)
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// The field parsed as a [`FieldValue`] (owned).
    pub fn field(&self, name: &str) -> Option<FieldValue> {
        self.0.get(name).and_then(FieldValue::from_json)
    }

    /// Raw value (see [`FieldValue::value`]), borrowed; `None` when absent.
    pub fn value(&self, name: &str) -> Option<&str> {
        match self.0.get(name)? {
            Value::Object(m) => match m.get("value").and_then(scalar_ref) {
                Some(v) => Some(v),
                None => m.get("link").and_then(scalar_ref).and_then(link_sys_id),
            },
            v => scalar_ref(v),
        }
    }

    /// Display value, borrowed; `None` when absent.
    pub fn display(&self, name: &str) -> Option<&str> {
        match self.0.get(name)? {
            Value::Object(m) => m
                .get("display_value")
                .and_then(scalar_ref)
                .or_else(|| m.get("value").and_then(scalar_ref)),
            v => scalar_ref(v),
        }
    }

    /// Raw value or `""`: convenient for fields that are always present (`sys_id`, `number`).
    pub fn str(&self, name: &str) -> &str {
        self.value(name).unwrap_or("")
    }

    /// Display value or `""`.
    pub fn display_or_empty(&self, name: &str) -> &str {
        self.display(name).unwrap_or("")
    }

    pub fn sys_id(&self) -> &str {
        self.str("sys_id")
    }

    pub fn number(&self) -> &str {
        self.str("number")
    }
}

impl std::ops::Deref for Record {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl From<Map<String, Value>> for Record {
    fn from(m: Map<String, Value>) -> Self {
        Record(m)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    const X: &str = "d625dccec0a8016700a222a0f7900d06";

    fn rec(v: Value) -> Record {
        Record(v.as_object().unwrap().clone())
    }

    /// Reference §3: one row per (dv, excl) with reference, empty reference, choice and string.
    #[test]
    fn every_shape_of_the_matrix() {
        let link = format!("https://i/api/now/table/sys_user_group/{X}");
        let rows = [
            // dv=false excl=false
            (
                json!({"g": {"link": link, "value": X}, "e": "", "c": "2", "s": "abc"}),
                (Some(X), Some(X)),
                (Some("2"), Some("2")),
            ),
            // dv=false excl=true
            (
                json!({"g": X, "e": "", "c": "2", "s": "abc"}),
                (Some(X), Some(X)),
                (Some("2"), Some("2")),
            ),
            // dv=true excl=false: the sys_id is recovered from the link
            (
                json!({"g": {"display_value": "Service Desk", "link": link}, "e": "", "c": "In Progress", "s": "abc"}),
                (Some(X), Some("Service Desk")),
                (Some("In Progress"), Some("In Progress")),
            ),
            // dv=true excl=true
            (
                json!({"g": "Service Desk", "e": "", "c": "In Progress", "s": "abc"}),
                (Some("Service Desk"), Some("Service Desk")),
                (Some("In Progress"), Some("In Progress")),
            ),
            // dv=all excl=false
            (
                json!({"g": {"display_value": "Service Desk", "link": link, "value": X},
                       "e": {"display_value": "", "value": ""},
                       "c": {"display_value": "In Progress", "value": "2"},
                       "s": {"display_value": "abc", "value": "abc"}}),
                (Some(X), Some("Service Desk")),
                (Some("2"), Some("In Progress")),
            ),
            // dv=all excl=true
            (
                json!({"g": {"display_value": "Service Desk", "value": X},
                       "e": {"display_value": "", "value": ""},
                       "c": {"display_value": "In Progress", "value": "2"},
                       "s": {"display_value": "abc", "value": "abc"}}),
                (Some(X), Some("Service Desk")),
                (Some("2"), Some("In Progress")),
            ),
        ];
        for (i, (row, (gv, gd), (cv, cd))) in rows.into_iter().enumerate() {
            let r = rec(row.clone());
            assert_eq!(r.value("g"), gv, "row {i}");
            assert_eq!(r.display("g"), gd, "row {i}");
            assert_eq!(r.value("c"), cv, "row {i}");
            assert_eq!(r.display("c"), cd, "row {i}");
            assert_eq!(r.value("e"), Some(""), "row {i}");
            assert_eq!(r.display("e"), Some(""), "row {i}");
            assert_eq!(r.str("s"), "abc", "row {i}");
            assert_eq!(r.display("s"), Some("abc"), "row {i}");
            assert_eq!(r.value("missing"), None);
            // The owned FieldValue agrees with the borrowed accessors.
            let f = r.field("g").unwrap();
            assert_eq!(f.value(), gv, "row {i}");
            assert_eq!(f.display(), gd, "row {i}");
            let f: FieldValue = serde_json::from_value(row["c"].clone()).unwrap();
            assert_eq!((f.value(), f.display()), (cv, cd), "row {i}");
        }
    }

    #[test]
    fn non_strings_are_not_field_values() {
        let r = rec(json!({"n": 3, "b": true, "z": null}));
        assert_eq!(r.field("n"), None);
        assert_eq!(r.field("b"), None);
        assert_eq!(r.field("z"), None);
        assert_eq!(r.str("z"), "");
        assert_eq!(
            link_sys_id("https://i/api/now/v2/table/sys_user/abc/"),
            Some("abc")
        );
        let f = FieldValue::from_json(&json!({"link": "https://i/t/abc"})).unwrap();
        assert_eq!(f.link(), Some("https://i/t/abc"));
        assert_eq!(f.display(), None);
    }

    #[test]
    fn record_shapes_are_checked() {
        let ok = json!({"s": "x", "n": null, "o": {"value": "1", "display_value": "One", "link": "l"},
                        "e": {}, "partial": {"display_value": "x", "extra": 5}});
        assert_eq!(check_record(ok.as_object().unwrap()), Ok(()));
        for (bad, needle) in [
            (json!({"priority": 1}), "\"priority\" is a number (1)"),
            (json!({"active": true}), "a boolean"),
            (json!({"tags": ["a"]}), "an array"),
            (json!({"g": {"value": 7}}), "a value that is a number"),
            (
                json!({"g": {"display_value": false}}),
                "display_value that is a boolean",
            ),
            (json!({"g": {"link": {"x": "y"}}}), "link that is an object"),
            (
                json!({"g": {"other": "x"}}),
                "without value, display_value or link",
            ),
        ] {
            let err = check_record(bad.as_object().unwrap()).unwrap_err();
            assert!(err.contains(needle), "{err} lacks {needle}");
        }
    }
}
