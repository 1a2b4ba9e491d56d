//! Finding and searching tickets by number, sys_id or text, in `incident`, `problem` and
//! `change_request` (docs/servicenow-client.md, "Problems and change requests").

use serde::Serialize;
use servicenow_client::{ErrorCategory, Record, TASK_TABLES, looks_like_sys_id, table_for_number};

use crate::domain::{IncidentState, TicketTable, table_names};

use super::error::{OpsError, OpsResult};
use super::session::Session;

/// A summary of one ticket (incident, problem or change request), from a display-value read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentSummary {
    /// `incident`, `problem` or `change_request`.
    pub table: String,
    pub sys_id: String,
    pub number: String,
    pub short_description: String,
    pub state: String,
    pub priority: String,
    pub assignment_group: String,
    pub assigned_to: String,
    pub active: bool,
}

impl IncidentSummary {
    pub fn from_record(table: &str, r: &Record) -> Self {
        let disp = |f: &str| {
            r.display(f)
                .map(str::to_string)
                .unwrap_or_else(|| r.str(f).to_string())
        };
        IncidentSummary {
            table: table.to_string(),
            sys_id: r.value("sys_id").unwrap_or_default().to_string(),
            number: disp("number"),
            short_description: disp("short_description"),
            state: disp("state"),
            priority: disp("priority"),
            assignment_group: disp("assignment_group"),
            assigned_to: disp("assigned_to"),
            active: r.value("active").is_some_and(|v| v == "true"),
        }
    }

    pub fn state_for_link(&self) -> IncidentState {
        let some = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        IncidentState {
            state: some(&self.state),
            priority: some(&self.priority),
            assignment_group: some(&self.assignment_group),
            assigned_to: some(&self.assigned_to),
        }
    }
}

/// The tables a lookup goes through: the one given, else the one the number's prefix names,
/// else all three.
fn tables_for(table: Option<&str>, wanted: &str) -> OpsResult<Vec<&'static str>> {
    if let Some(t) = table {
        let t = TicketTable::from_name(t).ok_or_else(|| {
            OpsError::Invalid(format!(
                "table {t:?} is not one snowlink works with: use one of {}",
                table_names()
            ))
        })?;
        return Ok(vec![t.name()]);
    }
    Ok(match table_for_number(wanted) {
        Some(t) => vec![t],
        None => TASK_TABLES.to_vec(),
    })
}

/// Finds a ticket by number (its table from the prefix: INC, PRB, CHG) or by sys_id (looked
/// for in incident, problem, then change_request); display values, so state and priority read
/// as labels.
pub async fn find_incident(
    session: &Session,
    number_or_sys_id: &str,
) -> OpsResult<IncidentSummary> {
    let client = session.client()?;
    let wanted = number_or_sys_id.trim();
    for table in tables_for(None, wanted)? {
        let record = if looks_like_sys_id(wanted) {
            match client.get_task(table, wanted).await {
                Ok(r) => Some(r),
                Err(e) if e.category() == ErrorCategory::NotFound => None,
                Err(e) => return Err(e.into()),
            }
        } else {
            client
                .find_task_by_number(table, &wanted.to_uppercase())
                .await?
        };
        if let Some(r) = record {
            return Ok(IncidentSummary::from_record(table, &r));
        }
    }
    Err(OpsError::NotFound(format!(
        "{wanted} not found on {} (or hidden from this user by ACLs): check the number, or search with `snowlink ticket search`",
        session.profile.base_url()
    )))
}

/// Searches by number or text (display values): in `table` when given, else in the table a
/// number names, else in incident, problem and change_request (up to `limit` from each).
pub async fn search(
    session: &Session,
    text: &str,
    limit: u32,
    table: Option<&str>,
) -> OpsResult<Vec<IncidentSummary>> {
    let client = session.client()?;
    let mut out = Vec::new();
    for t in tables_for(table, text.trim())? {
        let records = client.search_tasks(t, text.trim(), limit).await?;
        out.extend(records.iter().map(|r| IncidentSummary::from_record(t, r)));
    }
    Ok(out)
}
