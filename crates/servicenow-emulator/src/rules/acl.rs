//! Access control as a base instance applies it (§7, §9, §10): role-less users
//! see only incidents they are the caller of, journals are admin-only, and writes
//! need itil (incidents) or admin (everything else).

use crate::auth::Principal;
use crate::error::ApiError;
use crate::store::Record;

/// Whether `p` may read `record` of `table`. Hidden rows are filtered silently.
pub fn can_read(p: &Principal, table: &str, record: &Record) -> bool {
    match table {
        "incident" => {
            p.can_write_incidents()
                || p.has_role("itil_admin")
                || record.get("caller_id").is_some_and(|c| *c == p.sys_id)
        }
        "sys_journal_field" => p.is_admin(),
        _ => true,
    }
}

pub fn check_create(p: &Principal, table: &str) -> Result<(), ApiError> {
    let ok = match table {
        "incident" => p.can_write_incidents(),
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
