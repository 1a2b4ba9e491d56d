//! The audit trail: every effective update of an audited table writes one `sys_audit` row per
//! changed field, with the value before and after and `record_checkpoint` = the record's
//! `sys_mod_count` after the update, as a real instance does for task tables. System fields
//! (`sys_…`) are not audited. Inserts are not recorded (docs/emulator.md, "Audit").

use crate::store::{Record, Store};
use crate::util::new_sys_id;

/// Tables whose updates are audited (task tables are audited by default; system tables not).
fn audited(table: &str) -> bool {
    matches!(table, "incident" | "problem" | "change_request")
}

/// Records the fields that differ between `before` and `after` (`after` is already stamped).
pub fn record_update(
    store: &mut Store,
    table: &str,
    before: &Record,
    after: &Record,
    user: &str,
    now: &str,
) {
    if !audited(table) {
        return;
    }
    let get = |r: &Record, k: &str| r.get(k).cloned().unwrap_or_default();
    let checkpoint = get(after, "sys_mod_count");
    let document = get(after, "sys_id");
    let mut changed: Vec<&String> = after
        .keys()
        .chain(before.keys())
        .filter(|k| !k.starts_with("sys_") && get(before, k) != get(after, k))
        .collect();
    changed.sort();
    changed.dedup();
    let rows: Vec<Record> = changed
        .into_iter()
        .map(|field| {
            [
                ("sys_id", new_sys_id()),
                ("tablename", table.to_string()),
                ("documentkey", document.clone()),
                ("fieldname", field.clone()),
                ("oldvalue", get(before, field)),
                ("newvalue", get(after, field)),
                ("user", user.to_string()),
                ("reason", String::new()),
                ("record_checkpoint", checkpoint.clone()),
                ("sys_created_on", now.to_string()),
                ("sys_created_by", user.to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
        })
        .collect();
    if let Some(t) = store.table_mut("sys_audit") {
        for row in rows {
            t.put(row);
        }
    }
}
