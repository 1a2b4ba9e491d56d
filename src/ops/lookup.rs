//! Search-as-you-type lookups for the ticket form: groups and users by name.

use serde::Serialize;
use servicenow_client::{Client, DisplayValue, ListParams, Query};

use super::error::OpsResult;

/// A group or user: what the form shows and the sys_id it sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedRef {
    pub sys_id: String,
    pub name: String,
}

const LIMIT: u32 = 20;

/// Active groups whose name contains `text` (case-insensitive), by name; the first ones by name
/// for an empty text.
pub async fn search_groups(client: &Client, text: &str) -> OpsResult<Vec<NamedRef>> {
    let t = text.trim();
    let mut q = Query::new().eq("active", "true");
    // No `nameLIKE` with an empty value: what an instance makes of it is not something to rely on.
    if !t.is_empty() {
        q = q.like("name", t);
    }
    named(client, "sys_user_group", q.order_by("name"), "name").await
}

/// Active users whose name or user_name contains `text`, by name; the first ones by name for an
/// empty text (the assignee list widened to every user).
pub async fn search_users(client: &Client, text: &str) -> OpsResult<Vec<NamedRef>> {
    let t = text.trim();
    let mut q = Query::new().eq("active", "true");
    if !t.is_empty() {
        q = q.like("name", t).or_like("user_name", t);
    }
    named(client, "sys_user", q.order_by("name"), "name").await
}

/// Active members of the group `group` (a sys_id) whose name contains `text` (all members for an
/// empty text), by name: `sys_user_grmember` rows with `group=<sys_id>`, the `user` reference
/// and its dot-walked `user.name`.
pub async fn search_group_members(
    client: &Client,
    group: &str,
    text: &str,
) -> OpsResult<Vec<NamedRef>> {
    let t = text.trim();
    let mut q = Query::new().eq("group", group).eq("user.active", "true");
    if !t.is_empty() {
        q = q.like("user.name", t);
    }
    let params = ListParams::new()
        .query(q.order_by("user.name"))
        .fields(&["user", "user.name"])
        .limit(LIMIT)
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let page = client.list("sys_user_grmember", &params).await?;
    Ok(page
        .records
        .iter()
        .map(|r| NamedRef {
            sys_id: r.str("user").to_string(),
            name: r.str("user.name").to_string(),
        })
        .filter(|r| !r.sys_id.is_empty())
        .collect())
}

async fn named(client: &Client, table: &str, q: Query, label: &str) -> OpsResult<Vec<NamedRef>> {
    let params = ListParams::new()
        .query(q)
        .fields(&["sys_id", label])
        .limit(LIMIT)
        .display(DisplayValue::False)
        .exclude_reference_link(true);
    let page = client.list(table, &params).await?;
    Ok(page
        .records
        .iter()
        .map(|r| NamedRef {
            sys_id: r.str("sys_id").to_string(),
            name: r.str(label).to_string(),
        })
        .collect())
}
