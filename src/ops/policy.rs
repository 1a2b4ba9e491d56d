//! What an instance's data policies require on incidents, for `doctor`.

use serde::Serialize;
use servicenow_client::{Client, DisplayValue, ErrorCategory, ListParams, Query};

use super::error::OpsResult;

/// One active data policy on incident and the fields it makes mandatory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataPolicy {
    pub name: String,
    /// Encoded query; empty = applies to every incident (so creates must fill the fields).
    pub conditions: String,
    pub mandatory: Vec<String>,
}

/// Active data policies on incident with mandatory fields, or `None` when the policy tables are
/// not readable (404/403/invalid table) for this user.
pub async fn incident_data_policies(client: &Client) -> OpsResult<Option<Vec<DataPolicy>>> {
    let policies = ListParams::new()
        .query(
            Query::new()
                .eq("model_table", "incident")
                .eq("active", "true"),
        )
        .fields(&["sys_id", "short_description", "conditions"])
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let policies = match client.list_all("sys_data_policy2", &policies).await {
        Ok(p) => p,
        Err(e) if unreadable(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for p in &policies {
        let rules = ListParams::new()
            .query(
                Query::new()
                    .eq("sys_data_policy", p.str("sys_id"))
                    .eq("mandatory", "true"),
            )
            .fields(&["field"])
            .display(DisplayValue::False)
            .exclude_reference_link(true);
        let rows = match client.list_all("sys_data_policy_rule", &rules).await {
            Ok(rows) => rows,
            Err(e) if unreadable(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let mandatory: Vec<String> = rows.iter().map(|r| r.str("field").to_string()).collect();
        if !mandatory.is_empty() {
            out.push(DataPolicy {
                name: p.str("short_description").to_string(),
                conditions: p.str("conditions").to_string(),
                mandatory,
            });
        }
    }
    Ok(Some(out))
}

fn unreadable(e: &servicenow_client::Error) -> bool {
    matches!(
        e.category(),
        ErrorCategory::NotFound | ErrorCategory::Permission | ErrorCategory::Invalid
    )
}
