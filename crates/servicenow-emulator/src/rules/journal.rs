//! Journal fields (§9): `work_notes` and `comments` append rows to
//! `sys_journal_field`; display reads show the newest-first history.

use std::collections::HashMap;

use crate::store::{Record, Store};
use crate::util::new_sys_id;

#[derive(Debug, Clone)]
struct Entry {
    created_on: String,
    seq: u64,
    element: String,
    value: String,
    created_by: String,
}

/// Journal entries grouped by the record they belong to, newest first.
#[derive(Debug, Default)]
pub struct JournalIndex {
    by_record: HashMap<String, Vec<Entry>>,
    full_names: HashMap<String, String>,
}

fn heading(element: &str) -> &str {
    match element {
        "work_notes" => "Work notes",
        "comments" => "Additional comments",
        other => other,
    }
}

impl JournalIndex {
    pub fn load(store: &Store) -> Self {
        let mut by_record: HashMap<String, Vec<Entry>> = HashMap::new();
        if let Some(t) = store.table("sys_journal_field") {
            for (seq, r) in t.iter() {
                let get = |f: &str| r.get(f).cloned().unwrap_or_default();
                by_record.entry(get("element_id")).or_default().push(Entry {
                    created_on: get("sys_created_on"),
                    seq,
                    element: get("element"),
                    value: get("value"),
                    created_by: get("sys_created_by"),
                });
            }
        }
        for entries in by_record.values_mut() {
            // Newest first; entries written in the same second keep write order.
            entries.sort_by(|a, b| b.created_on.cmp(&a.created_on).then(b.seq.cmp(&a.seq)));
        }
        let full_names = store
            .table("sys_user")
            .map(|t| {
                t.iter()
                    .filter_map(|(_, r)| {
                        Some((r.get("user_name")?.clone(), r.get("name")?.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        JournalIndex {
            by_record,
            full_names,
        }
    }

    /// `"<date> - <Full Name> (Work notes)\n<text>\n\n"` per entry, newest first.
    /// `comments_and_work_notes` merges both journals.
    pub fn history(&self, sys_id: &str, field: &str) -> String {
        let Some(entries) = self.by_record.get(sys_id) else {
            return String::new();
        };
        let mut out = String::new();
        for e in entries {
            let wanted = match field {
                "comments_and_work_notes" => e.element == "work_notes" || e.element == "comments",
                f => e.element == f,
            };
            if !wanted {
                continue;
            }
            let who = self.full_names.get(&e.created_by).unwrap_or(&e.created_by);
            out.push_str(&format!(
                "{} - {} ({})\n{}\n\n",
                e.created_on,
                who,
                heading(&e.element),
                e.value
            ));
        }
        out
    }
}

/// Appends one journal entry.
pub fn append(
    store: &mut Store,
    table: &str,
    element_id: &str,
    element: &str,
    value: &str,
    user: &str,
    now: &str,
) {
    let mut rec = Record::new();
    for (k, v) in [
        ("sys_id", new_sys_id().as_str()),
        ("element", element),
        ("element_id", element_id),
        ("name", table),
        ("value", value),
        ("sys_created_on", now),
        ("sys_created_by", user),
    ] {
        rec.insert(k.to_string(), v.to_string());
    }
    if let Some(t) = store.table_mut("sys_journal_field") {
        t.put(rec);
    }
}
