//! `snowlink export --json`: everything in the store, for humans and scripts.
//!
//! Columns are listed explicitly (never `SELECT *`), so a column added later is not exported
//! until someone decides it should be. The store never holds credentials.

use super::db::{Value as DbValue, params};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{Result, Store, StoreError, from_ms};

/// Column kinds that need converting on the way out.
#[derive(Clone, Copy)]
enum Col {
    Plain,
    /// Unix ms → RFC 3339.
    Time,
    /// 0/1 → false/true.
    Bool,
    /// JSON text → embedded JSON (falls back to the string if it does not parse).
    Json,
}

/// (output key, `FROM` clause with ordering, exported columns).
type TableSpec = (&'static str, &'static str, &'static [(&'static str, Col)]);

const TABLES: &[TableSpec] = &[
    (
        "anomalies",
        "anomalies ORDER BY source, id",
        &[
            ("source", Col::Plain),
            ("id", Col::Plain),
            ("status", Col::Plain),
            ("status_changed_at", Col::Time),
            ("status_changed_by", Col::Plain),
            ("source_status", Col::Plain),
            ("first_seen_at", Col::Time),
            ("last_seen_at", Col::Time),
            ("raw", Col::Json),
        ],
    ),
    (
        "status_history",
        "status_history ORDER BY seq",
        &[
            ("seq", Col::Plain),
            ("source", Col::Plain),
            ("anomaly_id", Col::Plain),
            ("at", Col::Time),
            ("user", Col::Plain),
            ("from_status", Col::Plain),
            ("to_status", Col::Plain),
            ("reason", Col::Plain),
            ("detail", Col::Plain),
        ],
    ),
    (
        "comments",
        "comments ORDER BY id",
        &[
            ("id", Col::Plain),
            ("source", Col::Plain),
            ("anomaly_id", Col::Plain),
            ("author", Col::Plain),
            ("text", Col::Plain),
            ("at", Col::Time),
        ],
    ),
    (
        "links",
        "links ORDER BY source, anomaly_id, linked_at",
        &[
            ("source", Col::Plain),
            ("anomaly_id", Col::Plain),
            ("instance", Col::Plain),
            ("tbl", Col::Plain),
            ("sys_id", Col::Plain),
            ("number", Col::Plain),
            ("state", Col::Plain),
            ("priority", Col::Plain),
            ("assignment_group", Col::Plain),
            ("assigned_to", Col::Plain),
            ("read_at", Col::Time),
            ("read_error", Col::Plain),
            ("broken", Col::Bool),
            ("linked_at", Col::Time),
            ("linked_by", Col::Plain),
        ],
    ),
    (
        "outbox",
        "outbox ORDER BY id",
        &[
            ("id", Col::Plain),
            ("instance", Col::Plain),
            ("tbl", Col::Plain),
            ("sys_id", Col::Plain),
            ("number", Col::Plain),
            ("kind", Col::Plain),
            ("payload", Col::Plain),
            ("anomaly_source", Col::Plain),
            ("anomaly_id", Col::Plain),
            ("created_at", Col::Time),
            ("seq", Col::Plain),
            ("state", Col::Plain),
            ("attempts", Col::Plain),
            ("next_attempt_at", Col::Time),
            ("last_error", Col::Plain),
            ("lease_owner", Col::Plain),
            ("lease_until", Col::Time),
            ("outcome_unknown", Col::Bool),
            ("delivered_at", Col::Time),
        ],
    ),
    (
        "create_targets",
        "create_targets ORDER BY outbox_id, source, anomaly_id",
        &[
            ("outbox_id", Col::Plain),
            ("source", Col::Plain),
            ("anomaly_id", Col::Plain),
        ],
    ),
    (
        "paused_instances",
        "paused_instances ORDER BY instance",
        &[
            ("instance", Col::Plain),
            ("reason", Col::Plain),
            ("paused_at", Col::Time),
        ],
    ),
    (
        "rule_decisions",
        "rule_decisions ORDER BY id",
        &[
            ("id", Col::Plain),
            ("at", Col::Time),
            ("rule", Col::Plain),
            ("anomaly_source", Col::Plain),
            ("anomaly_id", Col::Plain),
            ("key_hash", Col::Plain),
            ("key_text", Col::Plain),
            ("action", Col::Plain),
            ("instance", Col::Plain),
            ("sys_id", Col::Plain),
            ("number", Col::Plain),
            ("outbox_id", Col::Plain),
            ("why", Col::Plain),
        ],
    ),
    (
        "rule_keys",
        "rule_keys ORDER BY rule, key_hash, generation",
        &[
            ("rule", Col::Plain),
            ("key_hash", Col::Plain),
            ("generation", Col::Plain),
            ("key_text", Col::Plain),
            ("instance", Col::Plain),
            ("tbl", Col::Plain),
            ("correlation_id", Col::Plain),
            ("create_outbox_id", Col::Plain),
            ("sys_id", Col::Plain),
            ("number", Col::Plain),
            ("opened_at", Col::Time),
            ("last_seen_at", Col::Time),
            ("state", Col::Plain),
            ("last_note_at", Col::Time),
            ("note_due_at", Col::Time),
        ],
    ),
    (
        "audit",
        "audit ORDER BY id",
        &[
            ("id", Col::Plain),
            ("at", Col::Time),
            ("instance", Col::Plain),
            ("tbl", Col::Plain),
            ("sys_id", Col::Plain),
            ("number", Col::Plain),
            ("action", Col::Plain),
            ("summary", Col::Plain),
            ("outcome", Col::Plain),
            ("outbox_id", Col::Plain),
        ],
    ),
];

impl Store {
    /// Dumps every table as JSON: `{schema_version, exported_at, anomalies: […], …}`.
    /// Timestamps are RFC 3339; the `tbl` column is exported as `table`.
    pub fn export_json(&self, now: Timestamp) -> Result<Value> {
        let mut out = Map::new();
        out.insert("schema_version".into(), json!(self.schema_version()?));
        out.insert("exported_at".into(), json!(now.to_string()));
        for (name, from, cols) in TABLES {
            // Quoted: `user` is a reserved word in PostgreSQL.
            let names: Vec<String> = cols.iter().map(|(c, _)| format!("\"{c}\"")).collect();
            let sql = format!("SELECT {} FROM {from}", names.join(", "));
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map(params![], |r| {
                let mut obj = Map::new();
                for (i, (col, kind)) in cols.iter().enumerate() {
                    let key = if *col == "tbl" { "table" } else { col };
                    obj.insert(key.to_owned(), convert(r.value(i)?, *kind)?);
                }
                Ok(Value::Object(obj))
            })?;
            let list = rows.collect::<Result<Vec<_>>>()?;
            out.insert((*name).to_owned(), Value::Array(list));
        }
        Ok(Value::Object(out))
    }
}

fn convert(v: DbValue<'_>, kind: Col) -> Result<Value> {
    Ok(match (v, kind) {
        (DbValue::Null, _) => Value::Null,
        (DbValue::Int(n), Col::Time) => json!(from_ms(n)?.to_string()),
        (DbValue::Int(n), Col::Bool) => json!(n != 0),
        (DbValue::Int(n), _) => json!(n),
        (DbValue::Real(f), _) => json!(f),
        (DbValue::Text(s), kind) => match kind {
            Col::Json => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
            _ => json!(s),
        },
        (DbValue::Blob(_), _) => return Err(StoreError::Corrupt("unexpected blob".into())),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use crate::domain::Status;
    use crate::store::test_support::{key, link, open_temp, seed, t};

    #[test]
    fn exports_every_table_with_readable_values() {
        let (_d, mut s) = open_temp();
        seed(&mut s, &["A-1"]);
        link(&mut s, "A-1", "s1");
        s.record_status_change(&key("A-1"), Status::Acknowledged, "ann", t(5))
            .unwrap();
        s.record_comment(&key("A-1"), "ann", "hi", t(6)).unwrap();
        s.pause_instance("prod", "HTTP 401", t(7)).unwrap();
        let v = s.export_json(t(8)).unwrap();
        assert_eq!(v["schema_version"], crate::store::SCHEMA_VERSION);
        assert_eq!(v["exported_at"], "2026-11-23T10:00:08Z");
        let a = &v["anomalies"][0];
        assert_eq!(a["status"], "acknowledged");
        assert_eq!(
            a["raw"]["title"], "Anomaly A-1",
            "raw payload embedded as JSON"
        );
        assert_eq!(a["first_seen_at"], "2026-11-23T10:00:00Z");
        assert_eq!(v["status_history"][0]["to_status"], "acknowledged");
        assert_eq!(v["comments"][0]["text"], "hi");
        let l = &v["links"][0];
        assert_eq!(
            (l["table"].as_str(), l["broken"].as_bool()),
            (Some("incident"), Some(false))
        );
        let o = &v["outbox"][0];
        assert_eq!(o["state"], "paused");
        assert_eq!(o["outcome_unknown"], false);
        assert!(o.get("queue").is_none(), "internal columns stay internal");
        assert_eq!(v["paused_instances"][0]["reason"], "HTTP 401");
        assert_eq!(v["audit"].as_array().unwrap().len(), 1);
    }
}
