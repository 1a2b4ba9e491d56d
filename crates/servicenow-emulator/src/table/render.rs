//! Record → JSON, by `sysparm_display_value` × `sysparm_exclude_reference_link` (§3).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::params::DisplayMode;
use crate::rules::journal::JournalIndex;
use crate::schema::{self, FieldDef, FieldType, TableDef};
use crate::store::{Record, Store};

/// Choice labels by (choice table, element, value), English only.
#[derive(Debug, Default)]
pub struct ChoiceLabels(HashMap<(String, String, String), String>);

impl ChoiceLabels {
    pub fn load(store: &Store) -> Self {
        let mut map = HashMap::new();
        if let Some(t) = store.table("sys_choice") {
            for (_, r) in t.iter() {
                let get = |f: &str| r.get(f).cloned().unwrap_or_default();
                if get("language") != "en" {
                    continue;
                }
                map.insert((get("name"), get("element"), get("value")), get("label"));
            }
        }
        ChoiceLabels(map)
    }

    /// The label of `value`, preferring the record's own table over the parent
    /// (`task`) the field is inherited from (the lookup rule of §10).
    pub fn label(
        &self,
        table: &str,
        choice_table: &str,
        element: &str,
        value: &str,
    ) -> Option<&str> {
        let key = |t: &str| (t.to_string(), element.to_string(), value.to_string());
        self.0
            .get(&key(table))
            .or_else(|| self.0.get(&key(choice_table)))
            .map(String::as_str)
    }
}

impl ChoiceLabels {
    /// The value whose label is `label` (for `sysparm_input_display_value=true`).
    pub fn value_for_label(
        &self,
        table: &str,
        choice_table: &str,
        element: &str,
        label: &str,
    ) -> Option<String> {
        let find = |t: &str| {
            self.0
                .iter()
                .find(|((n, e, _), l)| n == t && e == element && l.eq_ignore_ascii_case(label))
                .map(|((_, _, v), _)| v.clone())
        };
        find(table).or_else(|| find(choice_table))
    }
}

/// Everything needed to render records of one response.
pub struct Renderer<'a> {
    pub store: &'a Store,
    /// `http://host/api/now[/vN]/table`, the prefix of reference links.
    pub table_base: String,
    pub mode: DisplayMode,
    pub exclude_links: bool,
    choices: ChoiceLabels,
    journals: JournalIndex,
}

impl<'a> Renderer<'a> {
    pub fn new(
        store: &'a Store,
        table_base: String,
        mode: DisplayMode,
        exclude_links: bool,
    ) -> Self {
        let (choices, journals) = if mode == DisplayMode::Raw {
            (ChoiceLabels::default(), JournalIndex::default())
        } else {
            (ChoiceLabels::load(store), JournalIndex::load(store))
        };
        Renderer {
            store,
            table_base,
            mode,
            exclude_links,
            choices,
            journals,
        }
    }

    /// Renders `record`; `fields` limits and orders the keys (dot-walks become flat keys).
    pub fn record(
        &self,
        def: &'static TableDef,
        record: &Record,
        fields: Option<&[String]>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        match fields {
            Some(list) => {
                for path in list {
                    if let Some(v) = self.path(def, record, path) {
                        out.insert(path.clone(), v);
                    }
                }
            }
            None => {
                for f in def.fields {
                    out.insert(f.name.to_string(), self.field(def, record, f));
                }
            }
        }
        out
    }

    /// Renders a possibly dotted path; `None` when it names no field.
    fn path(&self, def: &'static TableDef, record: &Record, path: &str) -> Option<Value> {
        let Some((head, rest)) = path.split_once('.') else {
            return def.field(path).map(|f| self.field(def, record, f));
        };
        let field = def.field(head)?;
        let target = match field.kind {
            FieldType::Reference(t) => t,
            FieldType::Domain => "sys_user_group",
            _ => return None,
        };
        let value = record.get(head).map(String::as_str).unwrap_or("");
        let Some(target_def) = schema::table(target) else {
            return Some(self.plain(""));
        };
        match self.store.get(target, value) {
            Some(next) => self.path(target_def, next, rest),
            None => {
                // Dangling or empty reference: the walked field renders empty.
                let empty = Record::new();
                self.path(target_def, &empty, rest)
            }
        }
    }

    fn plain(&self, raw: &str) -> Value {
        match self.mode {
            DisplayMode::Raw | DisplayMode::Display => Value::String(raw.to_string()),
            DisplayMode::All => json!({ "display_value": raw, "value": raw }),
        }
    }

    fn both(&self, display: &str, raw: &str) -> Value {
        match self.mode {
            DisplayMode::Raw => Value::String(raw.to_string()),
            DisplayMode::Display => Value::String(display.to_string()),
            DisplayMode::All => json!({ "display_value": display, "value": raw }),
        }
    }

    fn field(&self, def: &'static TableDef, record: &Record, f: &FieldDef) -> Value {
        let raw = record.get(f.name).map(String::as_str).unwrap_or("");
        match f.kind {
            FieldType::String | FieldType::Integer | FieldType::Boolean | FieldType::DateTime => {
                self.plain(raw)
            }
            FieldType::Choice(choice_table) => {
                let label = self
                    .choices
                    .label(def.name, choice_table, f.name, raw)
                    .unwrap_or(raw);
                self.both(label, raw)
            }
            FieldType::Reference(target) => self.reference(target, raw),
            FieldType::Domain => self.reference("sys_user_group", raw),
            FieldType::Journal | FieldType::JournalMerged => {
                let sys_id = record.get("sys_id").map(String::as_str).unwrap_or("");
                let history = match self.mode {
                    DisplayMode::Raw => String::new(),
                    _ => self.journals.history(sys_id, f.name),
                };
                self.both(&history, "")
            }
        }
    }

    fn reference(&self, target: &str, raw: &str) -> Value {
        if raw.is_empty() {
            return match self.mode {
                DisplayMode::All => json!({ "display_value": "", "value": "" }),
                _ => Value::String(String::new()),
            };
        }
        let link = format!("{}/{}/{}", self.table_base, target, raw);
        let display = self.store.display_of(target, raw).unwrap_or_default();
        match (self.mode, self.exclude_links) {
            (DisplayMode::Raw, false) => json!({ "link": link, "value": raw }),
            (DisplayMode::Raw, true) => Value::String(raw.to_string()),
            (DisplayMode::Display, false) => json!({ "display_value": display, "link": link }),
            (DisplayMode::Display, true) => Value::String(display),
            (DisplayMode::All, false) => {
                json!({ "display_value": display, "link": link, "value": raw })
            }
            (DisplayMode::All, true) => json!({ "display_value": display, "value": raw }),
        }
    }
}
