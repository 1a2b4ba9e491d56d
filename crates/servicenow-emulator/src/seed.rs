//! Seed data: the built-in `assets/seed.json` plus an optional `--seed FILE` in the
//! same format (documented in docs/emulator.md), loaded over it.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use crate::body::value_to_raw;
use crate::clock;
use crate::error::EmulatorError;
use crate::rules::{incident, journal, task_tables};
use crate::schema::{self, FieldType, TableDef};
use crate::store::{Record, Store};
use crate::util::{is_sys_id, stable_sys_id};

const BUILTIN: &str = include_str!("../assets/seed.json");

/// Tables in load order (journal rows need their records' sys_ids).
const ORDER: &[&str] = &[
    "sys_user",
    "sys_user_group",
    "sys_user_grmember",
    "sys_choice",
    "incident",
    "problem",
    "change_request",
    "sys_journal_field",
    "sys_data_policy2",
    "sys_data_policy_rule",
];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    #[serde(default)]
    credentials: HashMap<String, String>,
    #[serde(default)]
    tables: HashMap<String, Vec<Map<String, Value>>>,
}

/// Builds the store and the password list.
pub fn build(extra: Option<&Path>) -> Result<(Store, HashMap<String, String>), EmulatorError> {
    let mut store = Store::new();
    let mut creds = HashMap::new();
    crate::dictionary::populate(&mut store, "2026-01-01 00:00:00");
    load(&mut store, &mut creds, BUILTIN, None)?;
    if let Some(path) = extra {
        let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::SeedRead {
            path: path.to_path_buf(),
            source,
        })?;
        load(&mut store, &mut creds, &text, Some(path))?;
    }
    crate::roles::populate(&mut store, "2026-01-01 00:00:00");
    crate::em::populate_choices(&mut store, "2026-01-01 00:00:00");
    Ok((store, creds))
}

struct Loader<'a> {
    store: &'a mut Store,
    path: Option<&'a Path>,
    loaded: Vec<(&'static TableDef, String)>,
    /// (table, record sys_id, element, entries) from journal fields of seed rows.
    journals: Vec<(String, String, String, Value)>,
}

impl Loader<'_> {
    fn err(&self, message: String) -> EmulatorError {
        EmulatorError::SeedInvalid {
            path: self.path.map(Path::to_path_buf),
            message,
        }
    }

    fn row(
        &mut self,
        def: &'static TableDef,
        row: &Map<String, Value>,
    ) -> Result<(), EmulatorError> {
        let mut rec = Record::new();
        for (k, v) in row {
            let Some(field) = def.field(k) else {
                return Err(self.err(format!("table {} has no field {k:?}", def.name)));
            };
            if field.kind == FieldType::Journal {
                self.journals
                    .push((def.name.to_string(), String::new(), k.clone(), v.clone()));
                continue;
            }
            let raw = value_to_raw(v).ok_or_else(|| {
                self.err(format!("{}.{k}: arrays are not field values", def.name))
            })?;
            rec.insert(k.clone(), raw);
        }
        let sys_id = match rec.get("sys_id") {
            Some(id) => id.clone(),
            None => stable_sys_id(&format!("{}:{}", def.name, Value::Object(row.clone()))),
        };
        // Journal entries collected above need the final sys_id.
        for j in self.journals.iter_mut().filter(|j| j.1.is_empty()) {
            j.1 = sys_id.clone();
        }
        let mut merged = match self.store.get(def.name, &sys_id) {
            Some(existing) => {
                let mut base = existing.clone();
                base.extend(rec);
                base
            }
            None => {
                let mut base: Record = def
                    .defaults
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                base.extend(rec);
                base
            }
        };
        merged.insert("sys_id".into(), sys_id.clone());
        if let Some(t) = self.store.table_mut(def.name) {
            t.put(merged);
        }
        self.loaded.push((def, sys_id));
        Ok(())
    }

    /// Seed files may name references by display value (or user_name).
    fn resolve_references(&mut self) -> Result<(), EmulatorError> {
        for (def, sys_id) in self.loaded.clone() {
            let Some(rec) = self.store.get(def.name, &sys_id).cloned() else {
                continue;
            };
            let mut fixed = rec.clone();
            for f in def.fields {
                let FieldType::Reference(target) = f.kind else {
                    continue;
                };
                let value = rec.get(f.name).cloned().unwrap_or_default();
                // Dictionary references hold names by design.
                let by_name = def.name == "sys_dictionary";
                if value.is_empty()
                    || is_sys_id(&value)
                    || by_name
                    || schema::table(target).is_none()
                {
                    continue;
                }
                let found = find_by_name(self.store, target, &value).ok_or_else(|| {
                    self.err(format!(
                        "{}.{}: no {target} named {value:?}",
                        def.name, f.name
                    ))
                })?;
                fixed.insert(f.name.to_string(), found);
            }
            self.finish(def, &mut fixed)?;
            if let Some(t) = self.store.table_mut(def.name) {
                t.put(fixed);
            }
        }
        Ok(())
    }

    /// Fills the system fields and, for task tables, the derived ones.
    fn finish(&mut self, def: &'static TableDef, rec: &mut Record) -> Result<(), EmulatorError> {
        let now = clock::now();
        let get = |r: &Record, f: &str| r.get(f).cloned().unwrap_or_default();
        let created = Some(get(rec, "sys_created_on"))
            .filter(|s| !s.is_empty())
            .unwrap_or(now);
        let defaults = [
            ("sys_created_on", created.clone()),
            ("sys_created_by", "admin".to_string()),
            ("sys_updated_on", created.clone()),
            ("sys_updated_by", get(rec, "sys_created_by")),
            ("sys_mod_count", "0".to_string()),
        ];
        for (f, v) in defaults {
            if def.field(f).is_some() && get(rec, f).is_empty() {
                let v = if v.is_empty() { "admin".to_string() } else { v };
                rec.insert(f.to_string(), v);
            }
        }
        if task_tables::serves(def.name) {
            if get(rec, "number").is_empty()
                && let Some(n) = self.store.next_number(def.name)
            {
                rec.insert("number".into(), n);
            }
            task_tables::derive_seeded(def.name, rec);
            rec.insert("task_effective_number".into(), get(rec, "number"));
            if get(rec, "opened_at").is_empty() {
                rec.insert("opened_at".into(), created.clone());
            }
        }
        if def.name == "incident" {
            if get(rec, "number").is_empty() {
                let n = self.store.next_incident_number();
                rec.insert("number".into(), n);
            }
            let state = get(rec, "state");
            rec.insert("incident_state".into(), state.clone());
            let prio = incident::priority(&get(rec, "impact"), &get(rec, "urgency"));
            rec.insert("priority".into(), prio.to_string());
            let active = if state == "7" || state == "8" {
                "false"
            } else {
                "true"
            };
            rec.insert("active".into(), active.to_string());
            rec.insert("task_effective_number".into(), get(rec, "number"));
            if get(rec, "opened_at").is_empty() {
                rec.insert("opened_at".into(), created);
            }
        }
        Ok(())
    }

    /// A journal field in a seed row is a string or a list of strings or
    /// `{"value","sys_created_on","sys_created_by"}` objects.
    fn journals(&mut self) -> Result<(), EmulatorError> {
        for (table, element_id, element, value) in std::mem::take(&mut self.journals) {
            let owner = self
                .store
                .get(&table, &element_id)
                .cloned()
                .unwrap_or_default();
            let get = |r: &Record, f: &str| r.get(f).cloned().unwrap_or_default();
            let entries = match value {
                Value::Array(items) => items,
                other => vec![other],
            };
            for entry in entries {
                let (text, on, by) = match &entry {
                    Value::String(s) => (
                        s.clone(),
                        get(&owner, "sys_created_on"),
                        get(&owner, "sys_created_by"),
                    ),
                    Value::Object(o) => {
                        let f = |k: &str, d: String| {
                            o.get(k)
                                .and_then(Value::as_str)
                                .map(String::from)
                                .unwrap_or(d)
                        };
                        (
                            f("value", String::new()),
                            f("sys_created_on", get(&owner, "sys_created_on")),
                            f("sys_created_by", get(&owner, "sys_created_by")),
                        )
                    }
                    _ => {
                        return Err(self.err(format!(
                            "{table}.{element}: a journal entry must be a string or an object"
                        )));
                    }
                };
                journal::append(self.store, &table, &element_id, &element, &text, &by, &on);
            }
        }
        Ok(())
    }
}

fn find_by_name(store: &Store, table: &str, name: &str) -> Option<String> {
    let t = store.table(table)?;
    t.iter()
        .find(|(_, r)| {
            r.get(t.def.display_field).is_some_and(|d| d == name)
                || (table == "sys_user" && r.get("user_name").is_some_and(|u| u == name))
        })
        .and_then(|(_, r)| r.get("sys_id").cloned())
}

fn load(
    store: &mut Store,
    creds: &mut HashMap<String, String>,
    text: &str,
    path: Option<&Path>,
) -> Result<(), EmulatorError> {
    let file: SeedFile = serde_json::from_str(text).map_err(|e| EmulatorError::SeedInvalid {
        path: path.map(Path::to_path_buf),
        message: e.to_string(),
    })?;
    creds.extend(file.credentials);
    let mut loader = Loader {
        store,
        path,
        loaded: Vec::new(),
        journals: Vec::new(),
    };
    if let Some(unknown) = file.tables.keys().find(|t| !ORDER.contains(&t.as_str())) {
        return Err(loader.err(format!("unknown table {unknown:?}")));
    }
    for name in ORDER {
        let (Some(def), Some(rows)) = (schema::table(name), file.tables.get(*name)) else {
            continue;
        };
        for row in rows {
            loader.row(def, row)?;
        }
    }
    loader.resolve_references()?;
    loader.journals()
}
