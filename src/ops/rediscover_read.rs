//! Reading the records snowlink touched on one instance, table by table (docs/store.md
//! §Rediscovery). Reads only: every request is a GET. Bounded: pages of [`PAGE_SIZE`], at most
//! [`MAX_RECORDS_PER_TABLE`] records per table and run (a clear message says where to go on),
//! and the client's own body and paging caps.

use std::collections::HashSet;

use jiff::Timestamp;
use servicenow_client::{Client, DisplayValue, ListParams, Op, Query, Record};

use crate::domain::{ALERT_TABLE, BLOCK_MARKER, IncidentState, OWN_PREFIX, RULE_PREFIX};

/// Records asked for per request.
pub const PAGE_SIZE: u32 = 200;
/// Records read per table and instance in one run.
pub const MAX_RECORDS_PER_TABLE: usize = 5_000;
/// The tables snowlink links to: the three task tables it creates and links, and the alerts
/// its events became.
pub const REDISCOVER_TABLES: [&str; 4] = ["incident", "problem", "change_request", ALERT_TABLE];

const TASK_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "correlation_id",
    "description",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
    "opened_at",
    "sys_created_on",
    "sys_updated_on",
];
const ALERT_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "message_key",
    "additional_info",
    "state",
    "assignment_group",
    "assigned_to",
    "sys_created_on",
    "sys_updated_on",
];

/// One record as read, with what rediscovery needs of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadRecord {
    pub sys_id: String,
    pub number: String,
    /// `correlation_id` (task tables) or `message_key` (alerts).
    pub correlation: String,
    pub description: String,
    /// An alert's `additional_info` (a JSON string).
    pub additional_info: String,
    /// Raw state code (a rule key keeps it).
    pub state_code: Option<String>,
    /// Display values for the link.
    pub state: IncidentState,
    pub opened_at: Option<Timestamp>,
    pub updated_on: String,
    /// Work-note texts, read only for a rule's records (its consolidated notes name the
    /// anomalies that joined), newest first.
    pub notes: Vec<String>,
    /// Why the work notes could not be read.
    pub notes_error: Option<String>,
}

/// One table's read.
#[derive(Debug, Default)]
pub struct TableRead {
    pub table: String,
    pub records: Vec<ReadRecord>,
    pub requests: usize,
    /// Set when the cap stopped the read: the `sys_updated_on` to go on from (empty when no
    /// record was visible).
    pub capped_after: Option<String>,
    /// `X-Total-Count` of the last page: the records that match before ACLs filter them.
    pub matched: Option<u64>,
    pub error: Option<servicenow_client::Error>,
}

/// The query for `table`: records whose correlation id (message key) is snowlink's, or whose
/// description holds a block, updated since `since` when given; oldest update first so a
/// capped run can be continued with `--since`.
pub fn table_query(table: &str, since: Option<&str>) -> Query {
    let mut q = if table == ALERT_TABLE {
        Query::new().starts_with("message_key", OWN_PREFIX)
    } else {
        Query::new()
            .starts_with("correlation_id", OWN_PREFIX)
            .or_like("description", BLOCK_MARKER.trim_end())
    };
    if let Some(at) = since {
        q = q.cond("sys_updated_on", Op::Ge, at);
    }
    q.order_by("sys_updated_on").order_by("sys_id")
}

/// How much one table's read may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadBounds {
    /// Records asked for per request ([`PAGE_SIZE`]).
    pub page_size: u32,
    /// Records read per table and instance in one run ([`MAX_RECORDS_PER_TABLE`]).
    pub cap: usize,
}

impl Default for ReadBounds {
    fn default() -> Self {
        ReadBounds {
            page_size: PAGE_SIZE,
            cap: MAX_RECORDS_PER_TABLE,
        }
    }
}

/// Reads every matching record of `table`, page by page, up to the cap.
pub async fn read_table(
    client: &Client,
    table: &str,
    since: Option<&str>,
    bounds: ReadBounds,
) -> TableRead {
    let cap = bounds.cap;
    let mut out = TableRead {
        table: table.to_owned(),
        ..TableRead::default()
    };
    let fields = if table == ALERT_TABLE {
        ALERT_FIELDS
    } else {
        TASK_FIELDS
    };
    let mut seen = HashSet::new();
    let mut offset: u64 = 0;
    let limit = bounds.page_size.max(1);
    // Pages ACLs emptied still cost a request each: bounded too.
    let max_requests = cap.div_ceil(limit as usize) + 20;
    loop {
        if out.requests >= max_requests {
            out.capped_after = Some(
                out.records
                    .last()
                    .map(|l| l.updated_on.clone())
                    .unwrap_or_default(),
            );
            break;
        }
        let params = ListParams::new()
            .query(table_query(table, since))
            .fields(fields)
            .limit(limit)
            .offset(offset)
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        out.requests += 1;
        let page = match client.list(table, &params).await {
            Ok(p) => p,
            Err(e) => {
                out.error = Some(e);
                return out;
            }
        };
        let n = page.records.len() as u64;
        let mut new = 0;
        for rec in &page.records {
            let r = read_record(rec);
            if r.sys_id.is_empty() || !seen.insert(r.sys_id.clone()) {
                continue;
            }
            new += 1;
            if out.records.len() >= cap {
                out.capped_after = out.records.last().map(|l| l.updated_on.clone());
                break;
            }
            out.records.push(r);
        }
        out.matched = page.total_count;
        // The offset moves by the page size, not by the rows seen: ACLs filter a page after the
        // limit, so a short or empty page does not mean the end while the count says more.
        offset += u64::from(limit);
        let more = page.total_count.map_or(n > 0, |total| offset < total);
        // A page that adds nothing new means the server ignores the offset: stop, not loop.
        if out.capped_after.is_some() || !more || (n > 0 && new == 0) {
            break;
        }
    }
    if table != ALERT_TABLE {
        for r in out
            .records
            .iter_mut()
            .filter(|r| r.correlation.starts_with(RULE_PREFIX))
        {
            out.requests += 1;
            match client.work_notes_in(table, &r.sys_id).await {
                Ok(entries) => r.notes = entries.into_iter().map(|e| e.text).collect(),
                Err(e) => r.notes_error = Some(e.to_string()),
            }
        }
    }
    out
}

fn read_record(rec: &Record) -> ReadRecord {
    let raw = |f: &str| rec.value(f).unwrap_or("").trim().to_owned();
    let shown = |f: &str| {
        rec.display(f)
            .or(rec.value(f))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let opened = {
        let o = raw("opened_at");
        if o.is_empty() {
            raw("sys_created_on")
        } else {
            o
        }
    };
    ReadRecord {
        sys_id: raw("sys_id"),
        number: raw("number"),
        correlation: {
            let c = raw("correlation_id");
            if c.is_empty() { raw("message_key") } else { c }
        },
        description: rec.value("description").unwrap_or("").to_owned(),
        additional_info: raw("additional_info"),
        state_code: Some(raw("state")).filter(|s| !s.is_empty()),
        state: IncidentState {
            state: shown("state"),
            priority: shown("priority"),
            assignment_group: shown("assignment_group"),
            assigned_to: shown("assigned_to"),
        },
        opened_at: crate::store::servicenow_time(&opened),
        updated_on: raw("sys_updated_on"),
        notes: Vec::new(),
        notes_error: None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn queries_ask_for_snowlink_records_only() {
        assert_eq!(
            table_query("incident", None).render().unwrap(),
            "correlation_idSTARTSWITHsnowlink:^ORdescriptionLIKE--- snowlink anomaly\
             ^ORDERBYsys_updated_on^ORDERBYsys_id"
        );
        assert_eq!(
            table_query("em_alert", Some("2026-11-23 10:00:00"))
                .render()
                .unwrap(),
            "message_keySTARTSWITHsnowlink:^sys_updated_on>=2026-11-23 10:00:00\
             ^ORDERBYsys_updated_on^ORDERBYsys_id"
        );
    }
}
