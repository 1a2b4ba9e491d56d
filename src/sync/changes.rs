//! Change detection (docs/sync.md §Change detection): per instance, one read per interval of the
//! linked records updated since the watermark — `sys_idIN<100 ids>^sys_updated_on>=<watermark −
//! overlap>` — so N links cost ⌈N/100⌉ requests and only records that changed come back. The
//! same read feeds the link state (display values) and, with `back_sync = true`, the anomalies'
//! statuses (store/changes.rs). Records a link has never seen are read without the time filter
//! once, to take their baseline. ServiceNow is only read here, never written.

use crate::store::StoreLocation;
use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::{Client, DisplayValue, ListParams, Op, Query, Record, SYS_ID_BATCH};

use crate::config::Profile;
use crate::domain::{BackSyncMap, IncidentState, Observed, archived_by_field, close_code_field};
use crate::store::{AppliedChange, ChangeBatch, ChangeTarget, ObservedRecord, servicenow_time};

use super::error::Result;
use super::links_poller::NOT_FOUND_OR_HIDDEN;
use super::store_handle::StoreHandle;

/// Fields read per record of every table: what the link pane shows, what the mapping reads,
/// and the version. The table's close code field is added ([`change_fields`]).
pub const CHANGE_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
    "sys_updated_on",
    "sys_updated_by",
    "sys_mod_count",
    "closed_by.user_name",
];

/// [`CHANGE_FIELDS`] for `table`, with the field that says how it ended (a problem's
/// `resolution_code`, else `close_code`) and `resolved_by` where the table has it.
pub fn change_fields(table: &str) -> Vec<&'static str> {
    let mut fields = CHANGE_FIELDS.to_vec();
    fields.push(close_code_field(table));
    if table != "change_request" {
        fields.push("resolved_by.user_name");
    }
    fields
}

/// How far before the watermark each read starts: ServiceNow's timestamps are whole seconds and
/// a change can commit after a later one was read. Records read again are recognised by version.
pub const OVERLAP: Duration = Duration::from_secs(60);

/// Reads the changes of one instance's linked records.
#[derive(Debug)]
pub struct ChangePoller {
    store: StoreHandle,
    instance: String,
    client: Client,
    back_sync: bool,
    map: BackSyncMap,
    own_users: Vec<String>,
}

/// What one pass did (`--json`: docs/json-output.md "changes").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeReport {
    pub instance: String,
    pub back_sync: bool,
    /// Distinct linked records.
    pub records: usize,
    /// Requests made (⌈records/100⌉ per table when every link has seen its record before).
    pub requests: usize,
    /// Records the reads returned (changed since the watermark, or first seen).
    pub returned: usize,
    /// Links that saw a newer version / took their first baseline / were read at a version
    /// they had seen / saw a change by snowlink's own user.
    pub changed: usize,
    pub baselined: usize,
    pub unchanged: usize,
    pub own_changes: usize,
    /// Statuses applied to anomalies.
    pub applied: Vec<AppliedChange>,
    /// Full passes only: numbers of records that did not come back (links marked broken).
    pub not_found: Vec<String>,
    /// The first read error (the rest of the pass was not attempted; the watermark stays).
    pub error: Option<String>,
    #[serde(skip)]
    pub error_category: Option<servicenow_client::ErrorCategory>,
    /// The watermark after the pass (ServiceNow's `sys_updated_on`, UTC).
    pub watermark: Option<String>,
}

impl ChangePoller {
    pub async fn new(
        location: &StoreLocation,
        profile: &Profile,
        client: Client,
    ) -> Result<ChangePoller> {
        Ok(ChangePoller {
            store: StoreHandle::open(location).await?,
            instance: profile.name.clone(),
            client,
            back_sync: profile.back_sync,
            map: profile.back_sync_map.clone(),
            own_users: profile.own_users.clone(),
        })
    }

    /// Reads what changed since the watermark.
    pub async fn pass(&self) -> Result<ChangeReport> {
        self.run().await
    }

    /// A change pass, then asks which linked records still exist (`sysparm_fields=sys_id`, the
    /// same `sys_idIN` batches): a deleted or hidden record is something a change read cannot
    /// see, and its links are marked broken. Nothing but sys_ids is re-read. The background
    /// runs one every [`FULL_EVERY`] passes.
    pub async fn full_pass(&self) -> Result<ChangeReport> {
        let mut report = self.run().await?;
        if report.error.is_none() {
            self.find_gone(&mut report).await?;
        }
        Ok(report)
    }

    async fn find_gone(&self, report: &mut ChangeReport) -> Result<()> {
        let instance = self.instance.clone();
        let targets = self
            .store
            .call(move |s| s.change_targets(&instance))
            .await?;
        let mut by_table: BTreeMap<String, Vec<ChangeTarget>> = BTreeMap::new();
        for t in targets {
            by_table.entry(t.table.clone()).or_default().push(t);
        }
        for (table, records) in &by_table {
            for chunk in records.chunks(SYS_ID_BATCH) {
                let ids: Vec<String> = chunk.iter().map(|t| t.sys_id.clone()).collect();
                let params = ListParams::new()
                    .query(Query::new().in_list("sys_id", &ids))
                    .fields(&["sys_id"])
                    .limit(u32::try_from(ids.len()).unwrap_or(u32::MAX))
                    .display(DisplayValue::False);
                report.requests += 1;
                let present: Vec<String> = match self.client.list(table, &params).await {
                    Ok(page) => page
                        .records
                        .iter()
                        .map(|r| r.str("sys_id").to_string())
                        .collect(),
                    Err(e) => {
                        // The existence check is best effort: the next full pass asks again.
                        report.error = Some(e.to_string());
                        report.error_category = Some(e.category());
                        return Ok(());
                    }
                };
                let gone: Vec<&ChangeTarget> = chunk
                    .iter()
                    .filter(|t| !present.contains(&t.sys_id))
                    .collect();
                report
                    .not_found
                    .extend(gone.iter().map(|t| t.number.clone()));
                let (instance, gone): (String, Vec<String>) = (
                    self.instance.clone(),
                    gone.iter().map(|t| t.sys_id.clone()).collect(),
                );
                self.store
                    .call(move |s| {
                        for id in &gone {
                            s.mark_link_broken(&instance, id, NOT_FOUND_OR_HIDDEN)?;
                        }
                        Ok(())
                    })
                    .await?;
            }
        }
        Ok(())
    }

    async fn run(&self) -> Result<ChangeReport> {
        let instance = self.instance.clone();
        let targets = self
            .store
            .call(move |s| s.change_targets(&instance))
            .await?;
        let mut report = ChangeReport {
            instance: self.instance.clone(),
            back_sync: self.back_sync,
            records: targets.len(),
            ..ChangeReport::default()
        };
        let mut by_table: BTreeMap<String, Vec<ChangeTarget>> = BTreeMap::new();
        for t in targets {
            by_table.entry(t.table.clone()).or_default().push(t);
        }
        for (table, records) in &by_table {
            let table = table.clone();
            let instance = self.instance.clone();
            let watermark = {
                let t = table.clone();
                self.store
                    .call(move |s| s.change_watermark(&instance, &t))
                    .await?
            };
            let since = watermark.as_deref().and_then(since_of);
            // Records some link has never seen are read whole once; the rest only if changed.
            let (seen, unseen): (Vec<&ChangeTarget>, Vec<&ChangeTarget>) =
                records.iter().partition(|t| t.seen && since.is_some());
            let mut newest = watermark.clone();
            for (group, filter) in [(unseen, None), (seen, since.as_deref())] {
                for chunk in group.chunks(SYS_ID_BATCH) {
                    if report.error.is_some() {
                        return Ok(report);
                    }
                    self.read_batch(&table, chunk, filter, &mut report, &mut newest)
                        .await?;
                }
            }
            if report.error.is_none()
                && let Some(n) = newest.clone()
            {
                let instance = self.instance.clone();
                let t = table.clone();
                let n2 = n.clone();
                self.store
                    .call(move |s| s.advance_change_watermark(&instance, &t, &n2, Timestamp::now()))
                    .await?;
                report.watermark = Some(n);
            }
        }
        Ok(report)
    }

    async fn read_batch(
        &self,
        table: &str,
        chunk: &[&ChangeTarget],
        since: Option<&str>,
        report: &mut ChangeReport,
        newest: &mut Option<String>,
    ) -> Result<()> {
        let ids: Vec<String> = chunk.iter().map(|t| t.sys_id.clone()).collect();
        let mut query = Query::new().in_list("sys_id", &ids);
        if let Some(since) = since {
            query = query.cond("sys_updated_on", Op::Ge, since);
        }
        let params = ListParams::new()
            .query(query)
            .fields(&change_fields(table))
            .limit(u32::try_from(ids.len()).unwrap_or(u32::MAX))
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        report.requests += 1;
        let found = match self.client.list(table, &params).await {
            Ok(page) => page.records,
            Err(e) => {
                let msg = e.to_string();
                report.error = Some(msg.clone());
                report.error_category = Some(e.category());
                let instance = self.instance.clone();
                return self
                    .store
                    .call(move |s| {
                        for id in &ids {
                            s.set_link_read_error(&instance, id, &msg)?;
                        }
                        Ok(())
                    })
                    .await;
            }
        };
        let records: Vec<ObservedRecord> = found.iter().map(|r| self.observe(table, r)).collect();
        for r in &records {
            if newest.as_deref().is_none_or(|n| r.updated_on.as_str() > n) {
                *newest = Some(r.updated_on.clone());
            }
        }
        report.returned += records.len();
        let (instance, own, apply) = (
            self.instance.clone(),
            self.own_users.clone(),
            self.back_sync,
        );
        let outcome = self
            .store
            .call(move |s| {
                let out = s.record_incident_changes(&ChangeBatch {
                    instance: &instance,
                    asked: &ids,
                    records: &records,
                    own_users: &own,
                    apply,
                    read_at: Timestamp::now(),
                })?;
                Ok(out)
            })
            .await?;
        report.changed += outcome.changed;
        report.baselined += outcome.baselined;
        report.unchanged += outcome.unchanged;
        report.own_changes += outcome.own_changes;
        report.applied.extend(outcome.applied);
        Ok(())
    }

    fn observe(&self, table: &str, r: &Record) -> ObservedRecord {
        let raw = |f: &str| r.value(f).unwrap_or("").trim().to_string();
        let shown = |f: &str| r.display(f).unwrap_or("").trim().to_string();
        let code_field = close_code_field(table);
        let observed = Observed {
            state: raw("state"),
            state_label: shown("state"),
            close_code: raw(code_field),
            close_code_label: shown(code_field),
            assigned: !raw("assigned_to").is_empty(),
        };
        let opt = |f: &str| Some(shown(f)).filter(|v| !v.is_empty());
        let mut summary = opt("state").unwrap_or_else(|| format!("state {}", observed.state));
        if let Some(code) = opt(code_field) {
            let what = code_field.replace('_', " ");
            summary.push_str(&format!(", {what} {code}"));
        }
        if let Some(who) = opt("assigned_to") {
            summary.push_str(&format!(", assigned to {who}"));
        }
        ObservedRecord {
            sys_id: r.sys_id().to_string(),
            number: r.number().to_string(),
            state: IncidentState {
                state: opt("state"),
                priority: opt("priority"),
                assignment_group: opt("assignment_group"),
                assigned_to: opt("assigned_to"),
            },
            target: self.map.target(&observed),
            summary,
            updated_on: raw("sys_updated_on"),
            updated_by: raw("sys_updated_by"),
            version: raw("sys_mod_count").parse().ok(),
            archived_by: archived_by_field(table, &observed.state)
                .map(|f| raw(&format!("{f}.user_name")))
                .filter(|u| !u.is_empty()),
        }
    }
}

/// How many change passes the background makes per full pass (which also asks which records
/// still exist, to find deleted ones).
pub const FULL_EVERY: u32 = 10;

/// `watermark − OVERLAP` in ServiceNow's raw form; `None` for a watermark that does not parse.
fn since_of(watermark: &str) -> Option<String> {
    let at = servicenow_time(watermark)?;
    let from = at.checked_sub(OVERLAP).ok()?;
    Some(from.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

/// Runs change passes every `every` until `stop` changes: the first and every
/// [`FULL_EVERY`]th pass read everything. Used by `sync --watch` and the dashboard.
pub async fn poll_changes(
    poller: ChangePoller,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut n: u32 = 0;
    loop {
        let r = if n.is_multiple_of(FULL_EVERY) {
            poller.full_pass().await
        } else {
            poller.pass().await
        };
        n = n.wrapping_add(1);
        match r {
            Ok(r) => tracing::info!(
                records = r.records,
                requests = r.requests,
                returned = r.returned,
                applied = r.applied.len(),
                error = ?r.error,
                "changes read"
            ),
            Err(e) => tracing::warn!(error = %e, "change detection failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn each_table_is_read_with_the_field_it_ends_with() {
        let problem = change_fields("problem");
        assert!(problem.contains(&"resolution_code") && !problem.contains(&"close_code"));
        assert!(problem.contains(&"resolved_by.user_name"));
        let change = change_fields("change_request");
        assert!(change.contains(&"close_code") && !change.contains(&"resolution_code"));
        assert!(change.contains(&"closed_by.user_name"));
        assert!(
            !change.contains(&"resolved_by.user_name"),
            "a change has no resolved_by"
        );
        let incident = change_fields("incident");
        assert!(incident.contains(&"close_code") && incident.contains(&"resolved_by.user_name"));
    }

    #[test]
    fn since_is_the_watermark_minus_the_overlap_in_servicenow_form() {
        assert_eq!(
            since_of("2026-11-23 10:00:30").as_deref(),
            Some("2026-11-23 09:59:30")
        );
        assert_eq!(since_of("not a time"), None);
    }
}
