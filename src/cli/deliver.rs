//! The one delivery path every CLI command (and the dashboard's create) uses after recording an
//! action: hand the outbox ids to the sync worker, wait until they are delivered, waiting for a
//! later retry, or a short deadline passes, and summarise for humans and `--json`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::Profile;
use crate::domain::IncidentRef;
use crate::ops::Session;
use crate::store::OutboxId;
use crate::sync::{LinkPoller, SyncReport, Worker, WorkerOptions};

use super::context::client_for;
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::outln;
use super::sync_cmd::{exit_for, sync_error};

/// How long a command waits for its deliveries before leaving them to `snowlink sync`.
const DEADLINE: Duration = Duration::from_secs(30);

/// What happened to the deliveries a command queued.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Delivered {
    pub queued: usize,
    pub delivered: usize,
    /// Still in the outbox (waiting for a retry, paused, failed or dead); `snowlink sync`
    /// delivers the waiting ones, `snowlink outbox` shows them all.
    pub pending: Vec<PendingItem>,
    /// Incidents created by these deliveries.
    pub created: Vec<IncidentRef>,
    #[serde(skip)]
    exit: Option<Exit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PendingItem {
    pub id: OutboxId,
    pub state: String,
    pub reason: Option<String>,
}

impl Delivered {
    pub fn exit(&self) -> Exit {
        self.exit.unwrap_or_else(|| exit_for_pending(&self.pending))
    }

    pub fn print_human(&self) {
        print_report(
            self.queued,
            self.delivered,
            &self.pending,
            Target::ServiceNow,
        );
    }
}

/// Where a command's deliveries went, for its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    ServiceNow,
    /// The anomalies' own sources (write-back).
    Source,
}

/// 0 when everything a command queued went out, 6 while some of it waits in the outbox.
pub fn exit_for_pending(pending: &[PendingItem]) -> Exit {
    if pending.is_empty() {
        Exit::Ok
    } else {
        Exit::Pending
    }
}

/// The human report of a command's deliveries: one line when all went out, else what is left
/// and why (one report for ServiceNow deliveries and source write-backs alike).
pub fn print_report(queued: usize, delivered: usize, pending: &[PendingItem], target: Target) {
    if queued == 0 {
        return;
    }
    if pending.is_empty() {
        match target {
            Target::ServiceNow => outln!("delivered {delivered} of {queued} to ServiceNow"),
            Target::Source => outln!("wrote back {delivered} of {queued} to the source"),
        }
        return;
    }
    let left = pending.len();
    match target {
        Target::ServiceNow => outln!(
            "{delivered} of {queued} delivered; {left} kept in the outbox (nothing is lost; `snowlink sync` or the dashboard delivers, `snowlink outbox` shows them):"
        ),
        Target::Source => outln!(
            "{delivered} of {queued} written back to the source; {left} kept in the outbox (`snowlink sync` retries, `snowlink outbox` shows them):"
        ),
    }
    for p in pending {
        outln!(
            "  #{} {}{}",
            p.id,
            p.state,
            p.reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
    }
}

/// The worker of `profile` (the session's own client for the selected instance; another
/// instance's credentials are resolved only when a delivery goes there).
async fn worker_for(session: &Session, profile: &Profile) -> CliResult<Worker> {
    let client = if profile.name == session.profile.name {
        session
            .client()
            .map_err(|e| CliError::other(e.to_string()))?
            .clone()
    } else {
        client_for(profile).await?
    };
    let opts = WorkerOptions::for_profile(profile, &session.user);
    Worker::new(&session.store, profile.name.clone(), client, opts)
        .await
        .map_err(sync_error)
}

/// The outbox ids by the instance they go to (an id no longer in the outbox is left out).
async fn by_instance(
    session: &Session,
    ids: &[OutboxId],
) -> CliResult<BTreeMap<String, Vec<OutboxId>>> {
    let (path, ids) = (session.store.clone(), ids.to_vec());
    tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
        let store = path.open()?;
        let mut out: BTreeMap<String, Vec<OutboxId>> = BTreeMap::new();
        for id in ids {
            if let Some(d) = store.outbox_get(id)? {
                out.entry(d.instance).or_default().push(id);
            }
        }
        Ok(out)
    })
    .await
    .map_err(|e| CliError::other(e.to_string()))?
    .map_err(super::sync_cmd::store_error)
}

/// Delivers `ids` through the worker of each instance they go to, side by side: an incident on
/// another instance gets its note through that instance's credentials, and one instance's
/// outage never holds up another's deliveries.
pub async fn deliver(session: &Session, ids: &[OutboxId]) -> CliResult<Delivered> {
    if ids.is_empty() {
        return Ok(Delivered::default());
    }
    let groups = by_instance(session, ids).await?;
    let runs = groups.into_iter().map(|(instance, ids)| async move {
        let profile = if instance == session.profile.name {
            Some(&session.profile)
        } else {
            session.others.iter().find(|p| p.name == instance)
        };
        let Some(profile) = profile else {
            return Ok(not_configured(&instance, &ids));
        };
        let worker = worker_for(session, profile).await?;
        let report = worker
            .deliver(&ids, Instant::now() + DEADLINE)
            .await
            .map_err(sync_error)?;
        Ok::<_, CliError>(summarise(profile, &ids, &report))
    });
    let mut all = Delivered::default();
    for d in futures::future::join_all(runs).await {
        let d = d?;
        all.queued += d.queued;
        all.delivered += d.delivered;
        all.pending.extend(d.pending);
        all.created.extend(d.created);
        all.exit = match (all.exit, d.exit) {
            (Some(a), Some(b)) => Some(super::source_wiring::worse(a, b)),
            (a, b) => a.or(b),
        };
    }
    Ok(all)
}

/// Deliveries to an instance no longer in the config stay in the outbox, and say why.
fn not_configured(instance: &str, ids: &[OutboxId]) -> Delivered {
    Delivered {
        queued: ids.len(),
        delivered: 0,
        pending: ids
            .iter()
            .map(|&id| PendingItem {
                id,
                state: "waiting".into(),
                reason: Some(format!(
                    "instance {instance} is not configured (or its profile does not load): add \
                     [instances.{instance}] back, or `snowlink outbox drop {id}`"
                )),
            })
            .collect(),
        created: Vec::new(),
        exit: Some(Exit::Pending),
    }
}

fn summarise(profile: &Profile, ids: &[OutboxId], report: &SyncReport) -> Delivered {
    let done = |id: &OutboxId| report.delivered.contains(id) || report.reconciled.contains(id);
    let mut pending = Vec::new();
    for (list, label) in [
        (&report.waiting, "waiting"),
        (&report.failed, "failed"),
        (&report.dead, "dead"),
    ] {
        for p in list.iter().filter(|p| ids.contains(&p.id)) {
            pending.push(PendingItem {
                id: p.id,
                state: label.to_string(),
                reason: Some(match &p.last_error {
                    Some(e) => format!("{} ({e})", p.why),
                    None => p.why.clone(),
                }),
            });
        }
    }
    let created = report
        .created
        .iter()
        .filter(|c| ids.contains(&c.id))
        .map(|c| IncidentRef {
            instance: profile.name.clone(),
            table: c.table.clone(),
            sys_id: c.sys_id.clone(),
            number: c.number.clone(),
        })
        .collect();
    let exit = if pending.is_empty() {
        None
    } else {
        Some(match exit_for(report) {
            Exit::Ok => Exit::Pending,
            other => other,
        })
    };
    Delivered {
        queued: ids.len(),
        delivered: ids.iter().filter(|id| done(id)).count(),
        pending,
        created,
        exit,
    }
}

/// For the dashboard: re-read every linked incident's state.
pub async fn refresh_links(session: &Session) -> Result<usize, String> {
    let client = session.client().map_err(|e| e.to_string())?.clone();
    let poller = LinkPoller::new(&session.store, session.profile.name.clone(), client)
        .await
        .map_err(|e| e.to_string())?;
    let report = poller.refresh().await.map_err(|e| e.to_string())?;
    Ok(report.updated)
}
