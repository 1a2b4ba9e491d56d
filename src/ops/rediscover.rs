//! `snowlink links rediscover`: rebuilding links from ServiceNow, the system of record, on a
//! new machine or after a lost store (docs/store.md §Rediscovery). Per instance: read each
//! table (`rediscover_read.rs`, GETs only), take each record apart (`rediscover_parse.rs`),
//! resolve the source of anomalies only a description block names, and record the links, rule
//! keys and rule decisions in one store transaction (`store::rediscover`).

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::{Client, ErrorCategory};

use crate::domain::ALERT_TABLE;
use crate::rules::RuleSet;

use super::error::{OpsError, OpsResult};
use super::rediscover_parse::{Candidate, KeyCandidate, parse_record};
use super::rediscover_read::{REDISCOVER_TABLES, ReadBounds, TableRead, read_table};

/// What a run is given besides the instance.
#[derive(Debug, Clone)]
pub struct RediscoverOptions {
    pub store: crate::store::StoreLocation,
    /// Only records updated at or after this time.
    pub since: Option<Timestamp>,
    /// Read and report, record nothing.
    pub dry_run: bool,
    /// Who runs it (`linked_by` of a person's record, the audit summary).
    pub user: String,
    /// The configured source names.
    pub sources: Vec<String>,
    pub url_template: Option<String>,
    pub rules: RuleSet,
    /// Page size and records per table and instance (`ReadBounds::default()`).
    pub bounds: ReadBounds,
}

/// A record, or a part of one, that could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unparseable {
    pub number: String,
    pub reason: String,
}

/// One table of one instance.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableReport {
    pub table: String,
    /// Records read.
    pub records: usize,
    pub requests: usize,
    /// Links the records name (after resolving sources).
    pub found: usize,
    pub added: usize,
    pub already_present: usize,
    /// Of `added`: anomalies no source had listed, recorded from what the record says.
    pub placeholders: usize,
    pub unparseable: Vec<Unparseable>,
    /// Records that match but ACLs hide from this user (`X-Total-Count` minus the rows seen).
    pub hidden: usize,
    /// The cap stopped the read: what to run to go on.
    pub capped: Option<String>,
    /// The read failed: the cause and the fix.
    pub error: Option<String>,
    /// Not read, and why (an instance without Event Management, a read that failed before).
    pub skipped: Option<String>,
    #[serde(skip)]
    pub error_category: Option<ErrorCategory>,
}

/// One instance.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InstanceReport {
    pub instance: String,
    pub tables: Vec<TableReport>,
    pub rule_keys_added: usize,
    pub rule_decisions_added: usize,
    /// The instance could not be used at all (its profile, credentials, or first read).
    pub error: Option<String>,
    #[serde(skip)]
    pub error_category: Option<ErrorCategory>,
}

impl InstanceReport {
    /// The worst error category of the instance (its own, else its tables').
    pub fn worst(&self) -> Option<ErrorCategory> {
        let rank = |c: &ErrorCategory| match c {
            ErrorCategory::Auth | ErrorCategory::Permission => 3,
            ErrorCategory::Unavailable | ErrorCategory::RateLimited => 2,
            _ => 1,
        };
        self.error_category
            .into_iter()
            .chain(self.tables.iter().filter_map(|t| t.error_category))
            .max_by_key(rank)
    }
}

/// Rediscovers the links of one instance.
pub async fn rediscover_instance(
    client: &Client,
    instance: &str,
    opts: &RediscoverOptions,
) -> OpsResult<InstanceReport> {
    let since = opts
        .since
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string());
    let mut report = InstanceReport {
        instance: instance.to_owned(),
        ..InstanceReport::default()
    };
    let mut reads: Vec<TableRead> = Vec::new();
    let mut stop: Option<String> = None;
    for table in REDISCOVER_TABLES {
        if let Some(why) = &stop {
            report.tables.push(TableReport {
                table: table.to_owned(),
                skipped: Some(why.clone()),
                ..TableReport::default()
            });
            continue;
        }
        let read = read_table(client, table, since.as_deref(), opts.bounds).await;
        let mut t = TableReport {
            table: table.to_owned(),
            records: read.records.len(),
            requests: read.requests,
            ..TableReport::default()
        };
        if let Some(after) = &read.capped_after {
            t.capped = Some(if after.is_empty() {
                format!(
                    "stopped after {} requests of {table} (the cap of one run); run again \
                     with a later --since",
                    read.requests
                )
            } else {
                format!(
                    "stopped after {} records of {table} (the cap of one run); run again with \
                     --since '{after}' to read the rest",
                    read.records.len()
                )
            });
        }
        let visible = read.records.len() as u64;
        let matched = read.matched.unwrap_or(0);
        if read.error.is_none() && read.capped_after.is_none() && matched > visible {
            t.hidden = usize::try_from(matched - visible).unwrap_or(usize::MAX);
            if visible == 0 {
                // ACLs hide rows silently (a 200 with fewer rows): as good as a 403 here.
                let e = format!(
                    "{matched} records of {table} match but this user sees none of them (ACLs \
                     hide them)"
                );
                if table == ALERT_TABLE {
                    t.skipped = Some(format!("{e}; links to alerts need read access to em_alert"));
                } else {
                    t.error = Some(format!("{e}; {}", read_access_fix(table)));
                    t.error_category = Some(ErrorCategory::Permission);
                }
            }
        }
        if let Some(e) = &read.error {
            let category = e.category();
            let optional = table == ALERT_TABLE
                && matches!(
                    category,
                    ErrorCategory::Permission | ErrorCategory::NotFound | ErrorCategory::Invalid
                );
            if optional {
                // Event Management is a plugin and a role of its own: an instance (or user)
                // without it has no alerts snowlink could have linked.
                t.skipped = Some(format!(
                    "em_alert not readable ({e}); links to alerts are rediscovered once the \
                     user may read em_alert (role evt_mgmt_user or an ACL)"
                ));
            } else {
                t.error = Some(table_error(table, e));
                t.error_category = Some(category);
                if matches!(
                    category,
                    ErrorCategory::Auth
                        | ErrorCategory::Unavailable
                        | ErrorCategory::RateLimited
                        | ErrorCategory::Config
                ) {
                    stop = Some(format!("not read: {table} failed first ({e})"));
                }
            }
        }
        report.tables.push(t);
        reads.push(read);
    }
    // Take every record apart; what cannot be read back is reported with its number.
    let mut candidates: Vec<(usize, Candidate)> = Vec::new();
    let mut keys: Vec<KeyCandidate> = Vec::new();
    for read in &reads {
        let Some(idx) = report.tables.iter().position(|t| t.table == read.table) else {
            continue;
        };
        for r in &read.records {
            let p = parse_record(instance, &read.table, r, &opts.sources);
            candidates.extend(p.candidates.into_iter().map(|c| (idx, c)));
            keys.extend(p.key);
            report.tables[idx]
                .unparseable
                .extend(p.problems.into_iter().map(|reason| Unparseable {
                    number: r.number.clone(),
                    reason,
                }));
        }
    }
    let job = opts.clone();
    let resolved = tokio::task::spawn_blocking(move || {
        super::rediscover_resolve::resolve_and_record(&job, candidates, keys)
    })
    .await
    .map_err(|e| OpsError::Other(format!("rediscovery stopped unexpectedly: {e}")))??;
    for (idx, problem) in resolved.problems {
        report.tables[idx].unparseable.push(problem);
    }
    for ((idx, _), outcome) in resolved.links.iter().zip(&resolved.applied.links) {
        let t = &mut report.tables[*idx];
        t.found += 1;
        if outcome.added {
            t.added += 1;
        } else {
            t.already_present += 1;
        }
        if outcome.placeholder {
            t.placeholders += 1;
        }
    }
    report.rule_keys_added = resolved.applied.keys_added;
    report.rule_decisions_added = resolved.applied.decisions_added;
    Ok(report)
}

fn table_error(table: &str, e: &servicenow_client::Error) -> String {
    match e.category() {
        ErrorCategory::Permission => format!("{e}; {}", read_access_fix(table)),
        _ => e.to_string(),
    }
}

fn read_access_fix(table: &str) -> String {
    format!(
        "snowlink's user needs read access to {table} (role itil, or an ACL that allows \
         reading correlation_id and description) to rediscover its links"
    )
}
