//! `sys_db_object` and `sys_dictionary` rows generated from the schema, so
//! clients that discover fields (servicenow-cli does) see the emulated tables.

use crate::schema::{self, FieldDef, FieldType, TableDef};
use crate::store::{Record, Store};
use crate::util::stable_sys_id;

fn internal_type(f: &FieldDef) -> &'static str {
    match f.kind {
        FieldType::String => "string",
        FieldType::Integer => "integer",
        FieldType::Boolean => "boolean",
        FieldType::DateTime => "glide_date_time",
        FieldType::Choice(_) if schema::choice_is_integer(f.name) => "integer",
        FieldType::Choice(_) => "string",
        FieldType::Reference(_) => "reference",
        FieldType::Journal => "journal_input",
        FieldType::JournalMerged => "journal_list",
        FieldType::Domain => "domain_id",
    }
}

fn max_length(f: &FieldDef) -> &'static str {
    match (f.kind, f.name) {
        (_, "short_description") => "160",
        (
            _,
            "description"
            | "close_notes"
            | "cause_notes"
            | "fix_notes"
            | "workaround"
            | "justification"
            | "implementation_plan"
            | "backout_plan"
            | "test_plan",
        ) => "4000",
        (FieldType::Journal | FieldType::JournalMerged, _) => "4000",
        (FieldType::Reference(_) | FieldType::Domain, _) => "32",
        (FieldType::Boolean, _) => "40",
        _ => "100",
    }
}

/// The tables that extend `task` here.
fn is_task(def: &TableDef) -> bool {
    matches!(def.name, "incident" | "problem" | "change_request")
}

fn row(pairs: &[(&str, &str)]) -> Record {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn entry(def: &TableDef, f: &FieldDef) -> Record {
    let reference = match f.kind {
        FieldType::Reference(t) => t,
        FieldType::Domain => "sys_user_group",
        _ => "",
    };
    let choice = match f.kind {
        FieldType::Choice(_) if schema::choice_is_integer(f.name) => "3",
        FieldType::Choice(_) => "1",
        _ => "0",
    };
    let default = def
        .defaults
        .iter()
        .find(|(k, _)| *k == f.name)
        .map(|(_, v)| *v)
        .unwrap_or("");
    let mandatory = is_task(def) && f.name == "short_description";
    row(&[
        (
            "sys_id",
            &stable_sys_id(&format!("sys_dictionary:{}.{}", def.name, f.name)),
        ),
        ("name", def.name),
        ("element", f.name),
        ("column_label", f.label),
        ("internal_type", internal_type(f)),
        ("reference", reference),
        ("max_length", max_length(f)),
        ("mandatory", if mandatory { "true" } else { "false" }),
        (
            "read_only",
            if schema::is_read_only(f.name) {
                "true"
            } else {
                "false"
            },
        ),
        ("active", "true"),
        (
            "display",
            if def.display_field == f.name {
                "true"
            } else {
                "false"
            },
        ),
        ("choice", choice),
        ("default_value", default),
    ])
}

/// Adds the table and dictionary rows of every emulated table.
pub fn populate(store: &mut Store, now: &str) {
    let mut rows: Vec<(&str, Record)> = Vec::new();
    let task_id = stable_sys_id("sys_db_object:task");
    rows.push((
        "sys_db_object",
        row(&[
            ("sys_id", &task_id),
            ("name", "task"),
            ("label", "Task"),
            ("is_extendable", "true"),
            ("number_ref", ""),
        ]),
    ));
    for def in schema::TABLES {
        let super_class = if is_task(def) { task_id.as_str() } else { "" };
        let number_ref = match def.name {
            "incident" => "INC",
            "problem" => "PRB",
            "change_request" => "CHG",
            _ => "",
        };
        rows.push((
            "sys_db_object",
            row(&[
                (
                    "sys_id",
                    &stable_sys_id(&format!("sys_db_object:{}", def.name)),
                ),
                ("name", def.name),
                ("label", def.label),
                ("super_class", super_class),
                ("is_extendable", if is_task(def) { "true" } else { "false" }),
                ("number_ref", number_ref),
            ]),
        ));
        // The collection row describes the table itself.
        rows.push((
            "sys_dictionary",
            row(&[
                (
                    "sys_id",
                    &stable_sys_id(&format!("sys_dictionary:{}", def.name)),
                ),
                ("name", def.name),
                ("element", ""),
                ("column_label", def.label),
                ("internal_type", "collection"),
                ("max_length", "40"),
            ]),
        ));
        for f in def.fields {
            rows.push(("sys_dictionary", entry(def, f)));
        }
    }
    for (table, mut rec) in rows {
        let Some(t) = store.table_mut(table) else {
            continue;
        };
        let defaults = t.def.defaults;
        for (k, v) in defaults {
            rec.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
        for (k, v) in [
            ("sys_created_on", now),
            ("sys_created_by", "system"),
            ("sys_updated_on", now),
            ("sys_updated_by", "system"),
            ("sys_mod_count", "0"),
        ] {
            rec.insert(k.to_string(), v.to_string());
        }
        t.put(rec);
    }
}
