//! `sys_user_role` and `sys_user_has_role` rows derived from each user's `roles`, so clients that
//! check a user's roles the way they would on a real instance (doctor does) can.

use crate::store::{Record, Store};
use crate::util::stable_sys_id;

/// Real sys_ids of base-system roles (reference §8); others get a stable generated id.
fn role_sys_id(name: &str) -> String {
    match name {
        "itil" => "282bf1fac6112285017366cb5f867469".to_string(),
        _ => stable_sys_id(&format!("sys_user_role:{name}")),
    }
}

fn stamp(rec: &mut Record, now: &str) {
    for (k, v) in [
        ("sys_created_on", now),
        ("sys_created_by", "system"),
        ("sys_updated_on", now),
        ("sys_updated_by", "system"),
        ("sys_mod_count", "0"),
    ] {
        rec.insert(k.to_string(), v.to_string());
    }
}

/// Adds a role row per distinct role and a grant per (user, role), after the seed is loaded.
pub fn populate(store: &mut Store, now: &str) {
    let grants: Vec<(String, String)> = store
        .table("sys_user")
        .map(|t| {
            t.iter()
                .flat_map(|(_, u)| {
                    let user = u.get("sys_id").cloned().unwrap_or_default();
                    u.get("roles")
                        .map(|r| {
                            r.split(',')
                                .map(str::trim)
                                .filter(|r| !r.is_empty())
                                .map(|r| (user.clone(), r.to_string()))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut roles: Vec<&str> = grants.iter().map(|(_, r)| r.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    let role_rows: Vec<Record> = roles
        .iter()
        .map(|name| {
            let mut rec = Record::new();
            rec.insert("sys_id".into(), role_sys_id(name));
            rec.insert("name".into(), (*name).to_string());
            stamp(&mut rec, now);
            rec
        })
        .collect();
    if let Some(t) = store.table_mut("sys_user_role") {
        for rec in role_rows {
            t.put(rec);
        }
    }
    if let Some(t) = store.table_mut("sys_user_has_role") {
        for (user, role) in &grants {
            let mut rec = Record::new();
            rec.insert(
                "sys_id".into(),
                stable_sys_id(&format!("sys_user_has_role:{user}:{role}")),
            );
            rec.insert("user".into(), user.clone());
            rec.insert("role".into(), role_sys_id(role));
            rec.insert("state".into(), "active".into());
            rec.insert("inherited".into(), "false".into());
            stamp(&mut rec, now);
            t.put(rec);
        }
    }
}
