//! What an instance's data policies require on incidents, for `doctor`.

use servicenow_client::{Client, DisplayValue, ErrorCategory, ListParams, Query};

use super::error::OpsResult;

/// Field names made mandatory by active data policy rules on incident, or `None` when the
/// policy tables are not readable (404/403/invalid table) for this user.
pub async fn mandatory_incident_fields(client: &Client) -> OpsResult<Option<Vec<String>>> {
    let policies = ListParams::new()
        .query(
            Query::new()
                .eq("model_table", "incident")
                .eq("active", "true"),
        )
        .fields(&["sys_id"])
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let policies = match client.list_all("sys_data_policy2", &policies).await {
        Ok(p) => p,
        Err(e) if unreadable(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut fields = Vec::new();
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
        match client.list_all("sys_data_policy_rule", &rules).await {
            Ok(rows) => fields.extend(rows.iter().map(|r| r.str("field").to_string())),
            Err(e) if unreadable(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
    fields.sort();
    fields.dedup();
    Ok(Some(fields))
}

fn unreadable(e: &servicenow_client::Error) -> bool {
    matches!(
        e.category(),
        ErrorCategory::NotFound | ErrorCategory::Permission | ErrorCategory::Invalid
    )
}
