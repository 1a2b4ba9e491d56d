//! The dashboard's [`Backend`], over the real store, ServiceNow client and ops layer. Every user
//! action goes through `ops` (the same code as the CLI) and the outbox; the embedded sync worker
//! delivers. Errors become one display line naming the cause and the fix.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use servicenow_client::ProbeFinding;
use tokio::sync::{Notify, broadcast};

use crate::sync::SyncEvent;

use crate::domain::{AnomalyKey, IncidentRef, Status, TicketDraft, anomaly_url};
use crate::ops::{self, OpsError, Session};
use crate::store::{DeliveryKind, DeliveryState, OutboxFilter};
use crate::tui::backend::{
    AnomalyDetail, AnomalyRow, Backend, BackendInfo, ChoiceItem, Comment, ConnectionStatus,
    CreateOutcome, IncidentSummary, NamedRef, OutboxCounts, PendingCreate, Served, SourceHealth,
    StatusChange,
};

/// Polls every source now and returns how many anomaly rows were new or changed; an error names
/// the failing source(s). The dashboard's `r` runs it; `src/cli/dashboard/mod.rs` supplies it
/// (the ingester), so this backend does not depend on how sources are polled.
pub type SourceRefresh =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<usize, String>> + Send>> + Send + Sync>;

/// How long a connection probe result is reused. The dashboard asks every few seconds; an
/// instance with an hourly rate-limit rule should not pay a request for each: healthy results are
/// kept for two minutes, failures for fifteen seconds (so recovery shows quickly).
const PROBE_OK_FOR: Duration = Duration::from_secs(120);
const PROBE_FAILED_FOR: Duration = Duration::from_secs(15);

pub use super::backend_instances::OtherClients;
use super::backend_instances::{client_of, session_on};

/// Shared by the dashboard's tasks: cheap to clone.
#[derive(Clone)]
pub struct LiveBackend {
    session: Arc<Session>,
    /// The compiled `[[rules]]`, for the rules popup's counts (empty without rules), or why
    /// they do not compile (then none run, and the popup says so).
    rules: Arc<Result<crate::rules::RuleSet, String>>,
    last_probe: Arc<Mutex<Option<(Instant, ConnectionStatus)>>>,
    /// Wakes the embedded sync worker when something was queued.
    wake_sync: Arc<Notify>,
    /// The embedded worker's progress: a create is awaited on it, not by polling the store.
    sync_events: broadcast::Sender<SyncEvent>,
    /// `r` polls the sources through this; without it there is nothing to poll (Ok(0)).
    refresh_sources: Option<SourceRefresh>,
    /// Bumped by the background ingester each time it commits rows: the list follows at once.
    source_writes: Option<Arc<tokio::sync::Mutex<tokio::sync::watch::Receiver<u64>>>>,
    /// The other configured instances' clients, by name: an incident on another instance is
    /// read through its own credentials (docs/sync.md §Several instances).
    other_clients: OtherClients,
    /// Each configured source's `ack_ttl_secs`, by name: the UI says how long an
    /// acknowledge silences an alert.
    ack_ttls: Arc<HashMap<String, u64>>,
    /// The first list read, started early (see [`prefetch_list`]).
    prefetch: Arc<Mutex<Option<ListPrefetch>>>,
    /// Every configured instance, the selected one first (the ticket form's targets).
    instances: Arc<Vec<String>>,
    demo: bool,
}

impl LiveBackend {
    pub fn new(
        session: Session,
        wake_sync: Arc<Notify>,
        sync_events: broadcast::Sender<SyncEvent>,
        demo: bool,
    ) -> Self {
        Self {
            session: Arc::new(session),
            rules: Arc::new(Ok(crate::rules::RuleSet::default())),
            last_probe: Arc::new(Mutex::new(None)),
            wake_sync,
            sync_events,
            refresh_sources: None,
            source_writes: None,
            ack_ttls: Arc::new(HashMap::new()),
            other_clients: OtherClients::default(),
            prefetch: Arc::new(Mutex::new(None)),
            instances: Arc::new(Vec::new()),
            demo,
        }
    }

    /// The configured instances the ticket form may target (the selected one is always first,
    /// whether or not it is in the list).
    pub fn with_instances(mut self, names: Vec<String>) -> Self {
        let selected = self.session.instance().to_owned();
        let mut all = vec![selected.clone()];
        all.extend(names.into_iter().filter(|n| *n != selected));
        self.instances = Arc::new(all);
        self
    }

    /// The session for an action on `instance` (the form's target).
    fn on(&self, instance: &str) -> Result<Arc<Session>, String> {
        session_on(&self.session, &self.other_clients, instance)
    }

    /// Where the other configured instances' clients go once they are connected (in the
    /// background, after the first frame).
    pub fn other_clients_slot(&self) -> OtherClients {
        self.other_clients.clone()
    }

    pub fn fill_other_clients(
        slot: &OtherClients,
        others: &[super::super::instances::OtherInstance],
    ) {
        super::backend_instances::fill(slot, others);
    }

    /// What `r` runs to poll the sources (the ingester).
    pub fn with_source_refresh(mut self, refresh: SourceRefresh) -> Self {
        self.refresh_sources = Some(refresh);
        self
    }

    /// The first list read, already under way.
    /// The configured rules (the rules popup shows their counts).
    pub fn with_rules(mut self, rules: Result<crate::rules::RuleSet, String>) -> Self {
        self.rules = Arc::new(rules);
        self
    }

    pub fn with_prefetch(self, read: ListPrefetch) -> Self {
        if let Ok(mut p) = self.prefetch.lock() {
            *p = Some(read);
        }
        self
    }

    /// The configured sources, for what the UI says about write-back (the ack TTL).
    pub fn with_source_configs(mut self, sources: &[crate::config::SourceConfig]) -> Self {
        self.ack_ttls = Arc::new(
            sources
                .iter()
                .map(|s| (s.name.clone(), s.ack_ttl_secs))
                .collect(),
        );
        self
    }

    /// The ingester's write counter, so the list follows its reads without waiting for the poll.
    pub fn with_source_writes(mut self, writes: tokio::sync::watch::Receiver<u64>) -> Self {
        self.source_writes = Some(Arc::new(tokio::sync::Mutex::new(writes)));
        self
    }

    fn queued(&self) {
        self.wake_sync.notify_one();
    }
}

fn msg(e: OpsError) -> String {
    e.to_string()
}

/// Runs blocking store work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| format!("internal: store task stopped: {e}"))?
}

/// The first full list read, started before the dashboard's background work so the two
/// overlap (the first frame waits for it).
pub type ListPrefetch = tokio::task::JoinHandle<Result<(Vec<AnomalyRow>, i64), String>>;

/// Starts reading every list row now, on a blocking thread.
pub fn prefetch_list(session: &Session) -> ListPrefetch {
    let path = session.store.clone();
    tokio::task::spawn_blocking(move || {
        let store = path.open().map_err(|e| e.to_string())?;
        read_list(&store, 0)
    })
}

fn read_list(store: &crate::store::Store, rev: i64) -> Result<(Vec<AnomalyRow>, i64), String> {
    let started = Instant::now();
    let (rows, top) = store.anomaly_rows_since(rev).map_err(|e| e.to_string())?;
    let rows: Vec<AnomalyRow> = rows.into_iter().map(list_row).collect();
    tracing::debug!(
        since = rev,
        rows = rows.len(),
        ms = started.elapsed().as_millis() as u64,
        "list rows read"
    );
    Ok((rows, top))
}

impl Backend for LiveBackend {
    async fn anomalies(&self) -> Result<(Vec<AnomalyRow>, i64), String> {
        // The prefetched read, once; then a fresh one. Either way the revision is read first:
        // a row written during the read has a higher one and comes with the next update.
        let prefetched = self.prefetch.lock().ok().and_then(|mut p| p.take());
        if let Some(read) = prefetched {
            return read
                .await
                .map_err(|e| format!("internal: store task stopped: {e}"))?;
        }
        self.anomalies_since(0).await
    }

    async fn anomalies_since(&self, rev: i64) -> Result<(Vec<AnomalyRow>, i64), String> {
        let session = self.session.clone();
        blocking(move || {
            let store = session.open_store().map_err(msg)?;
            read_list(&store, rev)
        })
        .await
    }

    async fn detail(&self, key: &AnomalyKey) -> Result<AnomalyDetail, String> {
        let session = self.session.clone();
        let key = key.clone();
        blocking(move || {
            let store = session.open_store().map_err(msg)?;
            let stored = store
                .get_anomaly(&key)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("anomaly {} is no longer in the store", key.id))?;
            let history = store
                .status_history(&key)
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|h| StatusChange {
                    from: h.from,
                    to: h.to,
                    by: h.user,
                    at: h.at,
                    detail: h.detail,
                })
                .collect();
            let comments = store
                .comments(&key)
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|c| Comment {
                    author: c.author,
                    text: c.text,
                    at: c.at,
                })
                .collect();
            let links = store.links_for_anomaly(&key).map_err(|e| e.to_string())?;
            let pending_creates = store
                .outbox_list(&OutboxFilter {
                    states: vec![
                        DeliveryState::Pending,
                        DeliveryState::InFlight,
                        DeliveryState::Paused,
                        DeliveryState::Failed,
                        DeliveryState::Dead,
                    ],
                    // Every instance's: the form may have queued it for another one.
                    instance: None,
                    anomaly: Some(key.clone()),
                    limit: Some(20),
                })
                .map_err(|e| e.to_string())?
                .into_iter()
                .filter(|d| d.kind == DeliveryKind::Create)
                .map(|d| PendingCreate {
                    id: d.id,
                    instance: d.instance,
                    state: d.state.to_string(),
                    last_error: d.last_error,
                    queued_at: d.created_at,
                })
                .collect();
            Ok(AnomalyDetail {
                pending_creates,
                url: anomaly_url(&stored.anomaly, session.url_template()),
                anomaly: stored.anomaly,
                status: stored.status,
                history,
                comments,
                links,
            })
        })
        .await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, String> {
        let session = self.session.clone();
        let configured: Vec<String> = self
            .other_clients
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        blocking(move || super::backend_outbox::outbox_counts(&session, configured)).await
    }

    async fn rules(&self) -> Result<Vec<crate::tui::RuleSummary>, String> {
        let (session, rules) = (self.session.clone(), self.rules.clone());
        blocking(move || {
            let rules = rules.as_ref().as_ref().map_err(Clone::clone)?;
            let store = session.open_store().map_err(msg)?;
            let now = jiff::Timestamp::now();
            let list =
                crate::rules::engine::summaries(&store, rules, now).map_err(|e| e.to_string())?;
            let n = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
            Ok(list
                .into_iter()
                .map(|s| crate::tui::RuleSummary {
                    name: s.rule.name.clone(),
                    action: match s.rule.action {
                        crate::rules::RuleAction::Create => "create".to_owned(),
                        crate::rules::RuleAction::Link => "link".to_owned(),
                    },
                    instance: s.rule.instance.clone(),
                    created: n(s.counts.created),
                    flood_limit: s.rule.flood.flood_limit,
                    linked: n(s.counts.linked),
                    merged: n(s.counts.merged),
                    suppressed: n(s.counts.suppressed),
                    delayed: n(s.counts.delayed),
                })
                .collect())
        })
        .await
    }

    async fn choices(
        &self,
        instance: &str,
        table: &str,
        element: &str,
        dependent: Option<&str>,
    ) -> Result<Served<ChoiceItem>, String> {
        // From ServiceNow when it answers, else the last good read (docs/store.md §Lookup cache),
        // both of the instance asked.
        ops::served_choices(&*self.on(instance)?, table, element, dependent)
            .await
            .map_err(msg)
    }

    async fn search_groups(&self, instance: &str, text: &str) -> Result<Served<NamedRef>, String> {
        ops::served_refs(&*self.on(instance)?, ops::RefSearch::Groups, text)
            .await
            .map_err(msg)
    }

    async fn search_users(&self, instance: &str, text: &str) -> Result<Served<NamedRef>, String> {
        ops::served_refs(&*self.on(instance)?, ops::RefSearch::Users, text)
            .await
            .map_err(msg)
    }

    async fn group_members(
        &self,
        instance: &str,
        group: &str,
        text: &str,
    ) -> Result<Served<NamedRef>, String> {
        ops::served_refs(
            &*self.on(instance)?,
            ops::RefSearch::Members(group.to_owned()),
            text,
        )
        .await
        .map_err(msg)
    }

    async fn incident_activity(
        &self,
        incident: &crate::domain::IncidentRef,
    ) -> Result<crate::tui::backend::IncidentActivity, String> {
        // Each instance's incident through that instance's own client.
        let client = if incident.instance == self.session.instance() {
            self.session.client().map_err(msg)?
        } else {
            &client_of(&self.other_clients, &incident.instance).ok_or_else(|| {
                format!(
                    "{} is on instance {:?}, which is not configured here (or its credentials \
                     failed: see the log): add [instances.{}], or run `snowlink --instance {} \
                     ticket show {}`",
                    incident.number,
                    incident.instance,
                    incident.instance,
                    incident.instance,
                    incident.number
                )
            })?
        };
        ops::read_activity(client, &incident.table, &incident.sys_id)
            .await
            .map_err(msg)
    }

    async fn search_incidents(&self, text: &str) -> Result<Vec<IncidentSummary>, String> {
        ops::search(&self.session, text, 20, None)
            .await
            .map_err(msg)
    }

    async fn create_ticket(
        &self,
        instance: &str,
        key: &AnomalyKey,
        draft: &TicketDraft,
        also: &[AnomalyKey],
    ) -> Result<CreateOutcome, String> {
        // Everything below runs as the target instance: its lookups plan the create, its
        // outbox row is delivered by its own worker (whose progress is relayed to the same
        // events, src/cli/dashboard/background.rs).
        let target = self.on(instance)?;
        // Subscribed before anything is queued, so no outcome can be missed.
        let events = self.sync_events.subscribe();
        super::create_wait::create(&target, key, draft, also, events, || self.queued()).await
    }

    async fn link(&self, key: &AnomalyKey, sys_id_or_number: &str) -> Result<IncidentRef, String> {
        // The incident is looked up over the network first; the store writes then run off the
        // async workers (`ops::link_key` keeps them to the end, after every await).
        let linked = ops::link_key(&self.session, key, sys_id_or_number)
            .await
            .map_err(msg)?;
        self.queued();
        Ok(linked.incident)
    }

    async fn unlink(&self, key: &AnomalyKey, incident: &IncidentRef) -> Result<(), String> {
        let session = self.session.clone();
        let key = key.clone();
        let sys_id = incident.sys_id.clone();
        blocking(move || {
            ops::unlink_key(&session, &key, &sys_id)
                .map(|_| ())
                .map_err(msg)
        })
        .await
    }

    async fn set_status(&self, keys: &[AnomalyKey], status: Status) -> Result<usize, String> {
        let session = self.session.clone();
        let keys = keys.to_vec();
        let changed = blocking(move || {
            ops::set_status_for(&session, &keys, status)
                .map(|r| r.iter().filter(|r| r.changed).count())
                .map_err(msg)
        })
        .await?;
        self.queued();
        Ok(changed)
    }

    async fn comment(&self, key: &AnomalyKey, text: &str) -> Result<(), String> {
        let session = self.session.clone();
        let key = key.clone();
        let text = text.to_string();
        blocking(move || {
            ops::comment_for(&session, &key, &text)
                .map(|_| ())
                .map_err(msg)
        })
        .await?;
        self.queued();
        Ok(())
    }

    async fn incident_mark(
        &self,
        incident: &crate::domain::IncidentRef,
    ) -> Result<Option<String>, String> {
        let (session, inc) = (self.session.clone(), incident.clone());
        blocking(move || {
            let store = session.open_store().map_err(msg)?;
            store
                .change_mark(&inc.instance, &inc.sys_id)
                .map_err(|e| e.to_string())
        })
        .await
    }

    async fn refresh_links(&self) -> Result<usize, String> {
        super::super::deliver::refresh_links(&self.session).await
    }

    async fn sources(&self) -> Result<Vec<SourceHealth>, String> {
        let session = self.session.clone();
        let ack_ttls = self.ack_ttls.clone();
        blocking(move || {
            let store = session.open_store().map_err(msg)?;
            let states = store.source_states().map_err(|e| e.to_string())?;
            Ok(states
                .into_iter()
                .map(|s| SourceHealth {
                    ok: s.last_error.is_none(),
                    ack_ttl_secs: (s.kind == "alertmanager")
                        .then(|| ack_ttls.get(&s.source).copied())
                        .flatten(),
                    name: s.source,
                    kind: s.kind,
                    last_success_at: s.last_success_at,
                    last_error: s.last_error,
                    next_poll_at: s.next_poll_at,
                    failures: s.failures,
                    capabilities: s.capabilities,
                })
                .collect())
        })
        .await
    }

    async fn store_changed(&self) {
        let Some(writes) = &self.source_writes else {
            return std::future::pending().await;
        };
        // One receiver for the backend's life: it remembers what it saw, so a write between
        // two calls is not missed (the next call returns at once) and none is seen twice.
        let mut rx = writes.lock().await;
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    async fn refresh_sources(&self) -> Result<usize, String> {
        match &self.refresh_sources {
            Some(refresh) => refresh().await,
            None => Ok(0),
        }
    }

    async fn connection(&self) -> ConnectionStatus {
        if let Ok(guard) = self.last_probe.lock()
            && let Some((at, status)) = guard.as_ref()
        {
            let keep = if *status == ConnectionStatus::Ok {
                PROBE_OK_FOR
            } else {
                PROBE_FAILED_FOR
            };
            if at.elapsed() < keep {
                return status.clone();
            }
        }
        let status = self.probe().await;
        if let Ok(mut guard) = self.last_probe.lock() {
            *guard = Some((Instant::now(), status.clone()));
        }
        status
    }

    fn incident_url(&self, incident: &IncidentRef) -> String {
        // A record's page is on its own instance.
        let other = (incident.instance != self.session.instance())
            .then(|| client_of(&self.other_clients, &incident.instance))
            .flatten();
        match other.as_ref().or(self.session.client.as_ref()) {
            Some(c) => c.record_ui_url(&incident.table, &incident.sys_id),
            None => String::new(),
        }
    }

    fn info(&self) -> BackendInfo {
        self.info_now()
    }
}

fn list_row(r: crate::store::AnomalyRow) -> AnomalyRow {
    AnomalyRow {
        id: r.key.id.clone(),
        source: r.key.source.clone(),
        key: r.key,
        title: r.title,
        status: r.status,
        severity: r.severity,
        datastore: r.datastore,
        detected_at: r.detected_at,
        link_count: r.link_count,
    }
}

impl LiveBackend {
    async fn probe(&self) -> ConnectionStatus {
        let Ok(client) = self.session.client() else {
            return ConnectionStatus::Unknown;
        };
        let probe = client.probe().await;
        let line = probe.line();
        match probe.finding {
            ProbeFinding::Ok => ConnectionStatus::Ok,
            ProbeFinding::Hibernating => ConnectionStatus::Hibernating(line),
            ProbeFinding::RateLimited => ConnectionStatus::RateLimited(line),
            ProbeFinding::Unauthorized | ProbeFinding::MissingRole => {
                ConnectionStatus::AuthError(line)
            }
            _ => ConnectionStatus::Unreachable(line),
        }
    }

    fn info_now(&self) -> BackendInfo {
        BackendInfo {
            instance: self.session.profile.name.clone(),
            instances: if self.instances.is_empty() {
                vec![self.session.profile.name.clone()]
            } else {
                self.instances.as_ref().clone()
            },
            url: self.session.profile.base_url(),
            // The form's default caller: a ServiceNow user_name, not the display name in notes.
            user: self
                .session
                .profile
                .caller
                .clone()
                .or_else(|| self.session.profile.username.clone())
                .unwrap_or_else(|| self.session.user.clone()),
            read_only: self.session.profile.read_only,
            demo: self.demo,
            poll_secs: self.session.profile.poll_interval.map(|d| d.as_secs()),
        }
    }
}
