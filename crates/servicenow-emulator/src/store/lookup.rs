//! Field resolution for the query engine, including `reference.field` dot-walks.

use crate::query::FieldLookup;
use crate::schema::{self, FieldType, TableDef};

use super::{Record, Store};

/// One record seen through its table's schema, with the store for dot-walks.
pub struct RecordLookup<'a> {
    pub store: &'a Store,
    pub def: &'static TableDef,
    pub record: &'a Record,
}

impl<'a> RecordLookup<'a> {
    pub fn new(store: &'a Store, def: &'static TableDef, record: &'a Record) -> Self {
        RecordLookup { store, def, record }
    }
}

/// Resolves `path` (possibly dotted) from `record` of table `def`.
/// `None` when a segment names no field of its table.
pub fn resolve(
    store: &Store,
    def: &'static TableDef,
    record: &Record,
    path: &str,
) -> Option<String> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let field = def.field(head)?;
    let value = match field.kind {
        FieldType::Journal | FieldType::JournalMerged => String::new(),
        _ => record.get(head).cloned().unwrap_or_default(),
    };
    let Some(rest) = rest else {
        return Some(value);
    };
    let target = match field.kind {
        FieldType::Reference(t) => t,
        FieldType::Domain => "sys_user_group",
        _ => return None,
    };
    let Some(target_def) = schema::table(target) else {
        // A reference into a table this emulator does not hold: the path is
        // valid on a real instance, it just resolves to nothing here.
        return Some(String::new());
    };
    match store.get(target, &value) {
        Some(next) => resolve(store, target_def, next, rest),
        // Empty or dangling reference: still a known path, so validate the rest.
        None => known_path(target_def, rest).then(String::new),
    }
}

/// Whether `path` names a field (through references) starting at `def`.
pub fn known_path(def: &'static TableDef, path: &str) -> bool {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let Some(field) = def.field(head) else {
        return false;
    };
    let Some(rest) = rest else {
        return true;
    };
    match field.kind {
        FieldType::Reference(t) => schema::table(t).is_none_or(|d| known_path(d, rest)),
        FieldType::Domain => known_path(&schema::SYS_USER_GROUP, rest),
        _ => false,
    }
}

impl FieldLookup for RecordLookup<'_> {
    fn raw(&self, path: &str) -> Option<String> {
        resolve(self.store, self.def, self.record, path)
    }

    fn text_index(&self) -> String {
        let get = |f: &str| self.record.get(f).map(String::as_str).unwrap_or("");
        format!(
            "{} {} {}",
            get("number"),
            get("short_description"),
            get("description")
        )
    }
}
