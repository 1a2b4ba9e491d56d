//! The dashboard's view of the rest of snowlink. The lead implements [`Backend`] over the store, the
//! ServiceNow client and the sync worker; the dashboard only ever sees the plain data below.
//! Every method may be slow: the runtime calls them on tokio tasks, never from `update` or render.
//! Errors are display strings that already name the cause and the fix.

use std::future::Future;

use jiff::Timestamp;

use crate::domain::{Anomaly, AnomalyKey, IncidentRef, Link, Severity, Status, TicketDraft};

/// One line of the anomaly list: just what the list shows and sorts on.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyRow {
    pub key: AnomalyKey,
    pub id: String,
    pub title: String,
    /// Local triage status (from the store, not the source).
    pub status: Status,
    pub severity: Option<Severity>,
    /// The configured source name.
    pub source: String,
    pub datastore: Option<String>,
    pub detected_at: Option<Timestamp>,
    pub link_count: usize,
}

/// One local status change.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub from: Status,
    pub to: Status,
    pub by: String,
    pub at: Timestamp,
    /// Where a change came from when it was not a person here: the incident, its state and
    /// who changed it in ServiceNow (back-sync, docs/sync.md §Back-sync).
    pub detail: Option<String>,
}

/// One local comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub author: String,
    pub text: String,
    pub at: Timestamp,
}

/// Everything the detail and links panes show for one anomaly.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyDetail {
    pub anomaly: Anomaly,
    /// Local triage status (the anomaly's own `status` is what the source said).
    pub status: Status,
    /// The anomaly's hyperlink (its own `url`, else the configured template), used in the
    /// description block the ticket form prefills.
    pub url: Option<String>,
    pub history: Vec<StatusChange>,
    pub comments: Vec<Comment>,
    pub links: Vec<Link>,
    /// Creates queued for this anomaly that have not made their incident yet (ServiceNow was
    /// unreachable, or is slow): the links pane shows each as "pending create (queued #N)".
    pub pending_creates: Vec<PendingCreate>,
}

/// A create still in the outbox for an anomaly (not delivered, not dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCreate {
    /// The outbox id (`snowlink outbox list` shows it).
    pub id: i64,
    /// The instance it is queued for (the form may target any configured one).
    pub instance: String,
    /// `pending`, `in_flight`, `paused`, `failed`, `dead`.
    pub state: String,
    /// Why the last attempt did not make the incident.
    pub last_error: Option<String>,
    pub queued_at: Timestamp,
}

/// What came of a create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    /// The incident exists and is linked.
    Created(IncidentRef),
    /// The create is in the outbox as `id`; the sync worker makes the incident when ServiceNow
    /// is back (`why`: what stands in the way now).
    Queued { id: i64, why: String },
}

/// Outbox progress for the status bar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub pending: usize,
    pub failed: usize,
    pub dead: usize,
    /// Why deliveries are paused (auth error, instance unreachable, …), if they are.
    pub paused: Option<String>,
    /// Fingerprint of the store's anomalies, links and comments, read with the counts: when it
    /// changes without an action of ours (another process, the link poller), the list reloads.
    pub store_version: u64,
    /// Every other instance (configured, or with rows in the outbox): its undelivered rows and
    /// whether its worker holds them back. The counts above are the selected instance's.
    pub others: Vec<InstanceOutbox>,
}

/// Another instance's outbox and connection, as its worker last recorded them in the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceOutbox {
    pub instance: String,
    /// Not yet delivered (pending, in flight, paused, failed, dead).
    pub undelivered: usize,
    /// Why its deliveries are held (paused for auth, or the instance is down), if they are.
    pub down: Option<String>,
}

/// Health of one configured anomaly source, as its ingester last recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    /// The configured source name.
    pub name: String,
    /// `file`, `qualytics`, `alertmanager`.
    pub kind: String,
    /// The last poll succeeded (no error recorded since).
    pub ok: bool,
    pub last_success_at: Option<Timestamp>,
    /// The last failure's cause and fix, while the source is failing.
    pub last_error: Option<String>,
    pub next_poll_at: Option<Timestamp>,
    /// Failed polls in a row.
    pub failures: u32,
    /// The write-back actions the source accepts (`acknowledge`, `unacknowledge`, `archive`,
    /// `comment`; docs/sources.md §Write-back), as its ingester recorded them. Anything else
    /// stays local, and the detail pane and the action's toast say so (`tui::writeback`).
    pub capabilities: Vec<String>,
    /// How long the silence of an acknowledge lasts (an Alertmanager source's `ack_ttl_secs`).
    pub ack_ttl_secs: Option<u64>,
}

/// One rule of `[[rules]]` and what it did in its current intervals (docs/rules.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSummary {
    pub name: String,
    /// `create` or `link`.
    pub action: String,
    pub instance: String,
    /// Incidents created in the current flood window, and the limit.
    pub created: usize,
    pub flood_limit: u32,
    /// Anomalies linked to an incident the rule had made or found.
    pub linked: usize,
    /// Repeats merged into consolidated work notes.
    pub merged: usize,
    /// Anomalies past the flood limit, put on the window's overflow incident.
    pub suppressed: usize,
    /// Anomalies waiting for their creation delay.
    pub delayed: usize,
}

/// Health of the ServiceNow instance as the sync worker last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionStatus {
    Ok,
    /// Not checked yet.
    Unknown,
    Unreachable(String),
    RateLimited(String),
    Hibernating(String),
    AuthError(String),
}

/// An incident found by search (display values), and a group or user found by name: the ops
/// layer's own types, so the backend passes them through unchanged.
pub use crate::ops::{IncidentSummary, NamedRef};

/// One incident's fields and journal as read for the incident view (the ops layer's own type,
/// the same `snowlink ticket show` prints).
pub use crate::ops::{IncidentActivity, JournalLine};

/// A choice list entry, and a lookup's answer with, when it came from the lookup cache, its age
/// and why (docs/store.md §Lookup cache): the ops layer's own types.
pub use crate::ops::{CacheNote, ChoiceItem, Served};

/// Static facts about the backend, read once at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    /// Instance profile name (the selected one: `--instance`, else the default).
    pub instance: String,
    /// Every configured instance, the selected one first: the ticket form offers them as its
    /// target when there are several.
    pub instances: Vec<String>,
    pub url: String,
    /// The configured user (default caller on the ticket form, author of comments).
    pub user: String,
    /// Writes are refused by the runtime when set.
    pub read_only: bool,
    /// The demo (emulator) instance.
    pub demo: bool,
    /// How often an open incident view is re-read (the profile's `poll_interval_secs`);
    /// `None`: only when asked (`r`).
    pub poll_secs: Option<u64>,
}

/// What the dashboard needs from the store, the ServiceNow client and the sync worker.
pub trait Backend: Send + Sync + 'static {
    /// All rows for the list, and the store's revision they reflect (the highest anomaly
    /// revision at the time of the read; see [`Backend::anomalies_since`]).
    fn anomalies(&self) -> impl Future<Output = Result<(Vec<AnomalyRow>, i64), String>> + Send;
    /// The rows whose revision is above `rev` (every insert, update, local status change and
    /// link change gives a row a new revision; anomalies are never deleted), and the highest
    /// revision now. `anomalies_since(0)` lists all rows.
    fn anomalies_since(
        &self,
        rev: i64,
    ) -> impl Future<Output = Result<(Vec<AnomalyRow>, i64), String>> + Send;
    fn detail(
        &self,
        key: &AnomalyKey,
    ) -> impl Future<Output = Result<AnomalyDetail, String>> + Send;
    /// Pending, failed, dead, paused reason.
    fn outbox_counts(&self) -> impl Future<Output = Result<OutboxCounts, String>> + Send;
    /// The choice list of `table.element` on `instance` (`dependent`: the parent value, e.g.
    /// the category of a subcategory). This and the three searches below go to the named
    /// instance (the ticket form's target, docs/dashboard.md §Ticket form) and answer from
    /// ServiceNow when it answers, else from that instance's last good read (`Served::cached`
    /// says how old, and why).
    fn choices(
        &self,
        instance: &str,
        table: &str,
        element: &str,
        dependent: Option<&str>,
    ) -> impl Future<Output = Result<Served<ChoiceItem>, String>> + Send;
    fn search_groups(
        &self,
        instance: &str,
        text: &str,
    ) -> impl Future<Output = Result<Served<NamedRef>, String>> + Send;
    fn search_users(
        &self,
        instance: &str,
        text: &str,
    ) -> impl Future<Output = Result<Served<NamedRef>, String>> + Send;
    /// Members of the assignment group `group` (a sys_id) whose name contains `text`; every
    /// member for an empty text (ServiceNow's `sys_user_grmember`).
    fn group_members(
        &self,
        instance: &str,
        group: &str,
        text: &str,
    ) -> impl Future<Output = Result<Served<NamedRef>, String>> + Send;
    /// By number or by text.
    fn search_incidents(
        &self,
        text: &str,
    ) -> impl Future<Output = Result<Vec<IncidentSummary>, String>> + Send;
    /// Creates and links an incident. The draft's description may already carry the anomaly block
    /// (the form prefills it; see `domain::has_block`), in which case it must not be appended again.
    /// With ServiceNow unreachable the create is planned from the lookup cache and queued
    /// ([`CreateOutcome::Queued`]) instead of waited for.
    /// `also`: the other anomalies the one incident is for (a bulk create); the sync worker links
    /// it to each of them when it records the create, whenever that happens.
    /// `instance`: where the ticket is made (its outbox row, its worker, its link).
    fn create_ticket(
        &self,
        instance: &str,
        key: &AnomalyKey,
        draft: &TicketDraft,
        also: &[AnomalyKey],
    ) -> impl Future<Output = Result<CreateOutcome, String>> + Send;
    fn link(
        &self,
        key: &AnomalyKey,
        sys_id_or_number: &str,
    ) -> impl Future<Output = Result<IncidentRef, String>> + Send;
    fn unlink(
        &self,
        key: &AnomalyKey,
        incident: &IncidentRef,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// Ack/archive: records locally and queues notes; returns how many anomalies changed.
    fn set_status(
        &self,
        keys: &[AnomalyKey],
        status: Status,
    ) -> impl Future<Output = Result<usize, String>> + Send;
    fn comment(
        &self,
        key: &AnomalyKey,
        text: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// One incident's fields and its journal (work notes and comments, newest first, snowlink's
    /// own notes marked), read from ServiceNow now: the incident view.
    fn incident_activity(
        &self,
        incident: &IncidentRef,
    ) -> impl Future<Output = Result<IncidentActivity, String>> + Send;
    /// What the change poller last saw of the incident (`None` before it saw it): the incident
    /// view re-reads only when this moves. A store read, no network.
    fn incident_mark(
        &self,
        incident: &IncidentRef,
    ) -> impl Future<Output = Result<Option<String>, String>> + Send;
    /// Re-reads linked incidents; returns how many were refreshed.
    fn refresh_links(&self) -> impl Future<Output = Result<usize, String>> + Send;
    /// Every configured rule with its counts in the current intervals (the `rules` popup).
    fn rules(&self) -> impl Future<Output = Result<Vec<RuleSummary>, String>> + Send;
    /// Health of every configured source (polled with the outbox counts).
    fn sources(&self) -> impl Future<Output = Result<Vec<SourceHealth>, String>> + Send;
    /// Polls every source now; returns how many anomaly rows were new or changed. An error
    /// names the failing source(s).
    fn refresh_sources(&self) -> impl Future<Output = Result<usize, String>> + Send;
    fn connection(&self) -> impl Future<Output = ConnectionStatus> + Send;
    /// `nav_to.do` URL of an incident.
    fn incident_url(&self, incident: &IncidentRef) -> String;
    fn info(&self) -> BackendInfo;
    /// Resolves when something other than the dashboard's own actions may have changed the
    /// store (a source read that wrote rows), so the list is updated at once instead of at the
    /// next status poll. Never resolving is fine: the poll still catches every change.
    fn store_changed(&self) -> impl Future<Output = ()> + Send;
}
