//! The task tables snowlink creates, links and notes besides `incident`: `problem` and
//! `change_request` (docs/servicenow-client.md, "Problems and change requests"). Reads take the
//! same shape as the incident helpers: display values with raw values (dv=all), no links.

use crate::client::Client;
use crate::error::Error;
use crate::incident::{INCIDENT_FIELDS, INCIDENT_TABLE, looks_like_task_number};
use crate::query::Query;
use crate::table::{DisplayValue, GetParams, ListParams};
use crate::value::Record;

pub const PROBLEM_TABLE: &str = "problem";
pub const CHANGE_REQUEST_TABLE: &str = "change_request";

/// The tables snowlink works with, in the order a search goes through them.
pub const TASK_TABLES: &[&str] = &[INCIDENT_TABLE, PROBLEM_TABLE, CHANGE_REQUEST_TABLE];

/// Fields shown for a linked problem.
pub const PROBLEM_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "priority",
    "impact",
    "urgency",
    "category",
    "assignment_group",
    "assigned_to",
    "active",
    "known_error",
    "resolution_code",
    "correlation_id",
    "correlation_display",
    "sys_created_on",
    "sys_updated_on",
];

/// Fields shown for a linked change request.
pub const CHANGE_REQUEST_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "description",
    "state",
    "type",
    "risk",
    "priority",
    "impact",
    "urgency",
    "category",
    "assignment_group",
    "assigned_to",
    "active",
    "start_date",
    "end_date",
    "correlation_id",
    "correlation_display",
    "sys_created_on",
    "sys_updated_on",
];

/// The fields read for a record of `table` (the incident's for any other table).
pub fn task_fields(table: &str) -> &'static [&'static str] {
    match table {
        PROBLEM_TABLE => PROBLEM_FIELDS,
        CHANGE_REQUEST_TABLE => CHANGE_REQUEST_FIELDS,
        _ => INCIDENT_FIELDS,
    }
}

/// The table a number belongs to, from its prefix (`INC…`, `PRB…`, `CHG…`); `None` for
/// anything else. Prefixes are the base instance's; an instance may renumber
/// (docs/servicenow-client.md).
pub fn table_for_number(number: &str) -> Option<&'static str> {
    let n = number.trim().to_ascii_uppercase();
    if !looks_like_task_number(&n) {
        return None;
    }
    [
        ("INC", INCIDENT_TABLE),
        ("PRB", PROBLEM_TABLE),
        ("CHG", CHANGE_REQUEST_TABLE),
    ]
    .iter()
    .find(|(prefix, _)| {
        n.starts_with(prefix) && n[prefix.len()..].starts_with(|c: char| c.is_ascii_digit())
    })
    .map(|(_, t)| *t)
}

/// The table's label, as ServiceNow names it (`Incident`, `Problem`, `Change Request`).
pub fn table_label(table: &str) -> &str {
    match table {
        INCIDENT_TABLE => "Incident",
        PROBLEM_TABLE => "Problem",
        CHANGE_REQUEST_TABLE => "Change Request",
        other => other,
    }
}

fn view(table: &str) -> ListParams {
    ListParams::new()
        .fields(task_fields(table))
        .display(DisplayValue::All)
        .exclude_reference_link(true)
}

impl Client {
    /// Exact lookup by number in `table` (dv=all).
    pub async fn find_task_by_number(
        &self,
        table: &str,
        number: &str,
    ) -> Result<Option<Record>, Error> {
        let params = view(table)
            .query(Query::new().eq("number", number.trim()))
            .limit(1);
        Ok(self.list(table, &params).await?.records.into_iter().next())
    }

    /// One record of `table` by sys_id (dv=all); `Error::NotFound` when missing or hidden.
    pub async fn get_task(&self, table: &str, sys_id: &str) -> Result<Record, Error> {
        let params = GetParams::new()
            .fields(task_fields(table))
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        self.get(table, sys_id, &params).await
    }

    /// `ticket search` in one table: a number is looked up exactly; other text uses
    /// `active=true^short_descriptionLIKE t^ORdescriptionLIKE t^ORnumber=t`, newest first.
    pub async fn search_tasks(
        &self,
        table: &str,
        text: &str,
        limit: u32,
    ) -> Result<Vec<Record>, Error> {
        let t = text.trim();
        let query = if looks_like_task_number(t) {
            Query::new().eq("number", &t.to_ascii_uppercase())
        } else {
            Query::new()
                .eq("active", "true")
                .like("short_description", t)
                .or_like("description", t)
                .or_eq("number", t)
                .order_by_desc("sys_updated_on")
        };
        let params = view(table).query(query).limit(limit.max(1));
        Ok(self.list(table, &params).await?.records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_name_their_table() {
        assert_eq!(table_for_number("INC0010001"), Some("incident"));
        assert_eq!(table_for_number(" prb0040001 "), Some("problem"));
        assert_eq!(table_for_number("CHG0030001"), Some("change_request"));
        assert_eq!(table_for_number("CTASK0010001"), None);
        assert_eq!(table_for_number("RITM0010001"), None);
        assert_eq!(table_for_number("PRB"), None);
        assert_eq!(table_label("change_request"), "Change Request");
        assert_eq!(task_fields("problem"), PROBLEM_FIELDS);
    }
}
