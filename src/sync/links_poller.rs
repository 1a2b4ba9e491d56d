//! Link state: re-reads state, priority, assignment group and assignee (display values) of
//! every incident linked on one instance, in `sys_idIN` batches of 100, so N links cost ⌈N/100⌉
//! requests. A record missing from the answer is deleted or hidden by an ACL (indistinguishable,
//! reference §6): its links are marked broken. A failed read keeps the last known values and
//! records why, so the dashboard shows them as stale ("unknown (<reason>)").

use crate::store::StoreLocation;
use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::{
    Client, DisplayValue, INCIDENT_TABLE, ListParams, Query, Record, SYS_ID_BATCH,
};

use crate::domain::IncidentState;

use super::error::Result;
use super::store_handle::StoreHandle;

/// Fields read for each linked incident.
pub const LINK_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
];

/// The read error recorded on links whose record did not come back.
pub const NOT_FOUND_OR_HIDDEN: &str = "not found or hidden";

/// Refreshes the link state of one instance. Used by `snowlink links refresh`, by
/// `sync --watch` and by the dashboard every `poll_interval`.
#[derive(Debug)]
pub struct LinkPoller {
    store: StoreHandle,
    instance: String,
    client: Client,
}

/// What a refresh did (`--json` schema: docs/json-output.md "links").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LinkRefreshReport {
    pub instance: String,
    /// Distinct linked records.
    pub records: usize,
    /// Requests made (⌈records/100⌉ per table when all succeed).
    pub requests: usize,
    /// Records read successfully.
    pub updated: usize,
    /// Numbers of records that did not come back (links marked broken).
    pub not_found: Vec<String>,
    /// Records whose read failed (last known state kept).
    pub unread: usize,
    /// The read error, when one batch failed (the rest were not attempted).
    pub error: Option<String>,
    pub read_at: Option<Timestamp>,
    /// Class of `error`, for exit codes.
    #[serde(skip)]
    pub error_category: Option<servicenow_client::ErrorCategory>,
}

impl LinkPoller {
    pub async fn new(
        location: &StoreLocation,
        instance: impl Into<String>,
        client: Client,
    ) -> Result<LinkPoller> {
        Ok(LinkPoller {
            store: StoreHandle::open(location).await?,
            instance: instance.into(),
            client,
        })
    }

    /// Reads every linked record of the instance once.
    pub async fn refresh(&self) -> Result<LinkRefreshReport> {
        let instance = self.instance.clone();
        let links = self
            .store
            .call(move |s| s.links_for_instance(&instance))
            .await?;
        // table → sys_id → number (one read per record, however many anomalies link it).
        let mut targets: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for l in links {
            targets
                .entry(l.incident.table)
                .or_default()
                .insert(l.incident.sys_id, l.incident.number);
        }
        let mut report = LinkRefreshReport {
            instance: self.instance.clone(),
            records: targets.values().map(BTreeMap::len).sum(),
            ..LinkRefreshReport::default()
        };
        for (table, records) in &targets {
            let ids: Vec<&String> = records.keys().collect();
            for (i, chunk) in ids.chunks(SYS_ID_BATCH).enumerate() {
                if let Some(err) = &report.error {
                    // One failure is enough to know the instance is not answering now.
                    let rest: Vec<String> = ids[i * SYS_ID_BATCH..]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    report.unread += rest.len();
                    self.record_error(rest, err.clone()).await?;
                    break;
                }
                report.requests += 1;
                match self.read(table, chunk).await {
                    Ok(found) => self.record(chunk, records, found, &mut report).await?,
                    Err(e) => {
                        report.unread += chunk.len();
                        let msg = e.to_string();
                        self.record_error(
                            chunk.iter().map(|s| s.to_string()).collect(),
                            msg.clone(),
                        )
                        .await?;
                        report.error = Some(msg);
                        report.error_category = Some(e.category());
                    }
                }
            }
        }
        Ok(report)
    }

    async fn read(
        &self,
        table: &str,
        ids: &[&String],
    ) -> Result<Vec<Record>, servicenow_client::Error> {
        if table == INCIDENT_TABLE {
            return self.client.incidents_by_sys_ids(ids, LINK_FIELDS).await;
        }
        let params = ListParams::new()
            .query(Query::new().in_list("sys_id", ids))
            .fields(LINK_FIELDS)
            .limit(u32::try_from(ids.len()).unwrap_or(u32::MAX))
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        Ok(self.client.list(table, &params).await?.records)
    }

    async fn record(
        &self,
        asked: &[&String],
        numbers: &BTreeMap<String, String>,
        found: Vec<Record>,
        report: &mut LinkRefreshReport,
    ) -> Result<()> {
        let now = Timestamp::now();
        report.read_at = Some(now);
        let rows: Vec<(String, String, IncidentState)> = found
            .iter()
            .map(|r| (r.sys_id().to_string(), r.number().to_string(), state_of(r)))
            .collect();
        let missing: Vec<String> = asked
            .iter()
            .filter(|id| !rows.iter().any(|(s, _, _)| s == **id))
            .map(|s| s.to_string())
            .collect();
        report.updated += rows.len();
        report.not_found.extend(
            missing
                .iter()
                .map(|id| numbers.get(id).cloned().unwrap_or_else(|| id.clone())),
        );
        let instance = self.instance.clone();
        self.store
            .call(move |s| {
                for (sys_id, number, state) in &rows {
                    let number = Some(number.as_str()).filter(|n| !n.is_empty());
                    s.update_link_state(&instance, sys_id, number, state, now)?;
                }
                for sys_id in &missing {
                    s.mark_link_broken(&instance, sys_id, NOT_FOUND_OR_HIDDEN)?;
                }
                Ok(())
            })
            .await
    }

    async fn record_error(&self, sys_ids: Vec<String>, error: String) -> Result<()> {
        let instance = self.instance.clone();
        self.store
            .call(move |s| {
                for sys_id in &sys_ids {
                    s.set_link_read_error(&instance, sys_id, &error)?;
                }
                Ok(())
            })
            .await
    }
}

/// Display values of the fields a link shows; empty means unset.
fn state_of(r: &Record) -> IncidentState {
    let get = |f: &str| r.display(f).filter(|v| !v.is_empty()).map(str::to_string);
    IncidentState {
        state: get("state"),
        priority: get("priority"),
        assignment_group: get("assignment_group"),
        assigned_to: get("assigned_to"),
    }
}
