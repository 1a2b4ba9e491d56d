//! Access control as a base instance applies it (§7, §9, §10): role-less users
//! see only incidents they are the caller of, journals are admin-only, and writes
//! need itil (incidents, problems, changes; or their own write roles) or admin (everything
//! else).

use crate::auth::Principal;
use crate::error::ApiError;
use crate::store::{Record, Store};

/// Whether `p` may read `record` of `table`. Hidden rows are filtered silently.
/// Attachments are readable when the record they belong to is.
pub fn can_read(store: &Store, p: &Principal, table: &str, record: &Record) -> bool {
    match table {
        "sys_attachment" => {
            let get = |f: &str| record.get(f).map(String::as_str).unwrap_or("");
            match store.get(get("table_name"), get("table_sys_id")) {
                Some(parent) => can_read(store, p, get("table_name"), parent),
                None => p.is_admin(),
            }
        }
        "incident" => {
            p.can_write_incidents()
                || p.has_role("itil_admin")
                || record.get("caller_id").is_some_and(|c| *c == p.sys_id)
        }
        // Task readers see every problem or change; others only those they opened.
        "problem" | "change_request" => {
            p.can_write_task(table)
                || p.has_role(if table == "problem" {
                    "sn_problem_read"
                } else {
                    "sn_change_read"
                })
                || record.get("opened_by").is_some_and(|o| *o == p.sys_id)
        }
        // Both are admin-only on a base instance (reference §5: Jump Start ACLs).
        "sys_journal_field" | "sys_audit" => p.is_admin(),
        // Users may read their own role grants; admins read everyone's.
        "sys_user_has_role" => p.is_admin() || record.get("user").is_some_and(|u| *u == p.sys_id),
        _ => true,
    }
}

pub fn check_create(p: &Principal, table: &str) -> Result<(), ApiError> {
    let ok = match table {
        "incident" | "problem" | "change_request" => p.can_write_task(table),
        _ => p.is_admin(),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::acl("Insert"))
    }
}

/// Closed incidents are read-only for everyone but admins and itil_admin.
pub fn check_update(p: &Principal, table: &str, stored: &Record) -> Result<(), ApiError> {
    let ok = match table {
        "incident" => {
            p.can_write_incidents()
                && (stored.get("state").is_none_or(|s| s != "7") || p.can_close_incidents())
        }
        "problem" | "change_request" => p.can_write_task(table),
        _ => p.is_admin(),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::acl("Update"))
    }
}

pub fn check_delete(p: &Principal, _table: &str) -> Result<(), ApiError> {
    if p.is_admin() {
        Ok(())
    } else {
        Err(ApiError::acl("Delete"))
    }
}

/// Attaching files to (or removing them from) a record: incident writers for any
/// incident, the caller for their own; admins for everything else (§12).
pub fn can_attach(p: &Principal, table: &str, parent: &Record) -> bool {
    match table {
        "incident" => {
            p.can_write_incidents() || parent.get("caller_id").is_some_and(|c| *c == p.sys_id)
        }
        "problem" | "change_request" => {
            p.can_write_task(table) || parent.get("opened_by").is_some_and(|o| *o == p.sys_id)
        }
        _ => p.is_admin(),
    }
}
