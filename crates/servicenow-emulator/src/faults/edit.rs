//! The `edit-description` fault: a concurrent writer. Right after a single-record GET has been
//! answered, the record's `description` gets a line appended by another user, through the same
//! update path a PATCH takes (ACLs, business rules, `sys_mod_count` / `sys_updated_on` /
//! `sys_updated_by` stamps, the audit trail). A client that then PATCHes the description it read
//! overwrites that edit unless it notices and repairs (docs/emulator.md, "Fault injection").

use serde_json::{Map, Value};

use crate::auth::principal_for;
use crate::clock;
use crate::schema;
use crate::state::AppState;
use crate::table::apply_update;

/// The `fault` the request log shows on a GET after which the edit was made.
pub const EDIT_FAULT_NAME: &str = "edit-description";

/// `(table, sys_id)` of a single-record Table API path
/// (`/api/now[/v1|/v2]/table/{table}/{sys_id}`), when that table has a description.
pub fn record_get_target(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/api/now/")?;
    let rest = rest
        .strip_prefix("v1/")
        .or_else(|| rest.strip_prefix("v2/"))
        .unwrap_or(rest);
    let rest = rest.strip_prefix("table/")?;
    let (table, sys_id) = rest.split_once('/')?;
    if sys_id.is_empty() || sys_id.contains('/') {
        return None;
    }
    schema::table(table)?.field("description")?;
    Some((table.to_string(), sys_id.to_string()))
}

/// Appends `Edited by a human (USER) at YYYY-MM-DD HH:MM:SS` as its own line to the record's
/// description, as `user`. Returns the new description, or why nothing was written.
pub fn edit_description(
    state: &AppState,
    table: &str,
    sys_id: &str,
    user: &str,
) -> Result<String, String> {
    let def = schema::table(table).ok_or_else(|| format!("unknown table {table}"))?;
    let mut store = state.write_store();
    let editor = principal_for(&store, user)
        .ok_or_else(|| format!("edit-description user {user:?} is not an active user"))?;
    let current = store
        .get(table, sys_id)
        .and_then(|r| r.get("description"))
        .cloned()
        .unwrap_or_default();
    let line = format!("Edited by a human ({user}) at {}", clock::now());
    let edited = if current.trim().is_empty() {
        line
    } else {
        format!("{}\n{line}", current.trim_end_matches(['\n', '\r']))
    };
    let mut body = Map::new();
    body.insert("description".into(), Value::String(edited.clone()));
    apply_update(&mut store, &editor, def, sys_id, &body, false)
        .map_err(|e| format!("edit-description update refused: {e:?}"))?;
    Ok(edited)
}
