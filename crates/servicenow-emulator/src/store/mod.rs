//! The in-memory database: one ordered map of records per table.
//! Values are stored raw, as strings, exactly as the Table API returns them with
//! `sysparm_display_value=false`.

mod lookup;

pub use lookup::{RecordLookup, known_path as lookup_known_path, resolve as lookup_resolve};

use std::collections::{BTreeMap, HashMap};

use crate::schema::{self, TableDef};

pub type Record = HashMap<String, String>;

/// One table's rows in insertion order, indexed by sys_id.
#[derive(Debug)]
pub struct Table {
    pub def: &'static TableDef,
    rows: BTreeMap<u64, Record>,
    by_id: HashMap<String, u64>,
    next_seq: u64,
}

impl Table {
    fn new(def: &'static TableDef) -> Table {
        Table {
            def,
            rows: BTreeMap::new(),
            by_id: HashMap::new(),
            next_seq: 0,
        }
    }

    pub fn get(&self, sys_id: &str) -> Option<&Record> {
        self.by_id.get(sys_id).and_then(|seq| self.rows.get(seq))
    }

    /// Inserts or replaces the row keyed by its `sys_id`.
    pub fn put(&mut self, record: Record) {
        let sys_id = record.get("sys_id").cloned().unwrap_or_default();
        if let Some(seq) = self.by_id.get(&sys_id) {
            self.rows.insert(*seq, record);
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.by_id.insert(sys_id, seq);
        self.rows.insert(seq, record);
    }

    pub fn remove(&mut self, sys_id: &str) -> Option<Record> {
        let seq = self.by_id.remove(sys_id)?;
        self.rows.remove(&seq)
    }

    /// Rows in insertion order, each with its insertion sequence.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Record)> {
        self.rows.iter().map(|(seq, rec)| (*seq, rec))
    }
}

/// Each numbered table's prefix and first number on a fresh instance (docs/emulator.md):
/// every table has its own counter, as `sys_number` does.
const NUMBERING: &[(&str, &str, u64)] = &[
    ("incident", "INC", 10001),
    ("problem", "PRB", 40001),
    ("change_request", "CHG", 30001),
];

/// Every table plus the counters that hand out record numbers.
#[derive(Debug)]
pub struct Store {
    tables: HashMap<&'static str, Table>,
    /// The next number of each numbered table (prefix + 7 digits).
    next_numbers: HashMap<&'static str, u64>,
    /// Attachment contents by `sys_attachment` sys_id.
    blobs: HashMap<String, Vec<u8>>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    pub fn new() -> Store {
        let tables = schema::TABLES
            .iter()
            .map(|def| (def.name, Table::new(def)))
            .collect();
        Store {
            tables,
            next_numbers: NUMBERING.iter().map(|(t, _, n)| (*t, *n)).collect(),
            blobs: HashMap::new(),
        }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(name)
    }

    pub fn get(&self, table: &str, sys_id: &str) -> Option<&Record> {
        self.tables.get(table).and_then(|t| t.get(sys_id))
    }

    /// Hands out the next incident number, skipping any already taken.
    pub fn next_incident_number(&mut self) -> String {
        self.next_number("incident").unwrap_or_default()
    }

    /// Hands out the next number of `table` (`INC`/`PRB`/`CHG` + 7 digits), skipping any
    /// already taken; `None` for a table without numbering.
    pub fn next_number(&mut self, table: &str) -> Option<String> {
        let (name, prefix, _) = NUMBERING.iter().find(|(t, _, _)| *t == table)?;
        loop {
            let counter = self.next_numbers.get_mut(name)?;
            let number = format!("{prefix}{:07}", *counter);
            *counter += 1;
            let taken = self
                .tables
                .get(table)
                .is_some_and(|t| t.iter().any(|(_, r)| r.get("number") == Some(&number)));
            if !taken {
                return Some(number);
            }
        }
    }

    pub fn blob(&self, sys_id: &str) -> Option<&[u8]> {
        self.blobs.get(sys_id).map(Vec::as_slice)
    }

    pub fn put_blob(&mut self, sys_id: &str, bytes: Vec<u8>) {
        self.blobs.insert(sys_id.to_string(), bytes);
    }

    pub fn remove_blob(&mut self, sys_id: &str) {
        self.blobs.remove(sys_id);
    }

    /// Display value of the record `sys_id` in `table`, if it exists here.
    pub fn display_of(&self, table: &str, sys_id: &str) -> Option<String> {
        if table == "sys_user_group" && sys_id == "global" {
            return Some("global".to_string());
        }
        let t = self.tables.get(table)?;
        let rec = t.get(sys_id)?;
        Some(rec.get(t.def.display_field).cloned().unwrap_or_default())
    }
}
