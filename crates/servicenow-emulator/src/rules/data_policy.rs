//! Data policies (`sys_data_policy2` + `sys_data_policy_rule`): enforced on every write, as real
//! instances do for web services. The base resolution policy (close code and notes when
//! resolved or closed) is seeded; `--seed` can add more (e.g. make category mandatory).

use crate::error::ApiError;
use crate::query::EncodedQuery;
use crate::schema::TableDef;
use crate::store::{Record, RecordLookup, Store};

fn get<'a>(r: &'a Record, f: &str) -> &'a str {
    r.get(f).map(String::as_str).unwrap_or("")
}

/// Refuses `rec` (the record as it would be stored) when an active policy on its table applies
/// and a mandatory field is empty. The message lists the fields by label, as ServiceNow does.
pub fn check(store: &Store, def: &'static TableDef, rec: &Record) -> Result<(), ApiError> {
    let (Some(policies), Some(rules)) = (
        store.table("sys_data_policy2"),
        store.table("sys_data_policy_rule"),
    ) else {
        return Ok(());
    };
    let lookup = RecordLookup::new(store, def, rec);
    let mut missing: Vec<&'static str> = Vec::new();
    let mut applying: Vec<(u64, &Record)> = policies
        .iter()
        .filter(|(_, p)| get(p, "active") == "true" && get(p, "model_table") == def.name)
        .filter(|(_, p)| {
            let conditions = get(p, "conditions");
            conditions.trim().is_empty() || EncodedQuery::parse(conditions).matches(&lookup)
        })
        .collect();
    applying.sort_by_key(|(order, _)| *order);
    for (_, policy) in applying {
        let id = get(policy, "sys_id");
        let mut fields: Vec<(u64, &str)> = rules
            .iter()
            .filter(|(_, r)| get(r, "sys_data_policy") == id && get(r, "mandatory") == "true")
            .map(|(order, r)| (order, get(r, "field")))
            .collect();
        fields.sort_by_key(|(order, _)| *order);
        for (_, field) in fields {
            let Some(f) = def.field(field) else { continue };
            if get(rec, field).trim().is_empty() && !missing.contains(&f.label) {
                missing.push(f.label);
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::data_policy(&missing))
    }
}
