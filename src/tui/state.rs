//! The whole dashboard state. `update` is the only writer; rendering only reads it.

use std::collections::HashSet;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use crate::domain::AnomalyKey;

use super::backend::{AnomalyDetail, BackendInfo, ConnectionStatus, OutboxCounts, SourceHealth};
use super::bulk::{BulkLoad, BulkRound};
use super::errors::ErrorLog;
use super::keymap::Keymap;
use super::list::ListModel;
use super::msg::ReqId;
use super::popup::Popup;
use super::theme::Theme;

/// Below this the dashboard shows a "needs more room" notice and ignores every key but quit.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;
/// How often the status bar asks for outbox counts and the connection state.
pub const POLL_SECS: i64 = 5;
const TOAST_SECS: i64 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    List,
    Detail,
    Links,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::List => Pane::Detail,
            Pane::Detail => Pane::Links,
            Pane::Links => Pane::List,
        }
    }

    pub fn prev(self) -> Pane {
        self.next().next()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    pub until: Timestamp,
}

/// The detail of the selected anomaly, as far as it has loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    pub key: AnomalyKey,
    pub req: ReqId,
    pub data: Option<AnomalyDetail>,
    /// `nav_to.do` URL of each link, in `data.links` order (filled by the runtime).
    pub urls: Vec<String>,
    pub error: Option<String>,
}

/// The incident view (`enter` on a link): one incident's fields and journal, read through the
/// backend, re-read every `poll_secs` and on `refresh` while open.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    pub incident: crate::domain::IncidentRef,
    /// The read in flight; replies to older reads are dropped.
    pub req: Option<ReqId>,
    /// The last good read (kept on screen while a re-read runs or after one fails).
    pub data: Option<super::backend::IncidentActivity>,
    /// When `data` was read (the dashboard's clock).
    pub read_at: Option<Timestamp>,
    /// Why the last read failed, until one succeeds.
    pub error: Option<String>,
    /// When the last read (or check) was asked for.
    pub asked_at: Timestamp,
    /// What the change poller had seen of the incident at the last good read.
    pub mark: Option<String>,
    /// When the store last said nothing changed since that read.
    pub checked_at: Option<Timestamp>,
    pub scroll: u16,
}

/// One press of `refresh`: sources and links are refreshed side by side; one toast reports both
/// once both have answered.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshRound {
    pub sources: ReqId,
    pub links: ReqId,
    pub sources_done: Option<Result<usize, String>>,
    pub links_done: Option<Result<usize, String>>,
}

/// Filter being typed in the list header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FilterInput {
    pub text: super::line_edit::LineInput,
    /// The filter when `/` was pressed: esc goes back to it (enter keeps the new one).
    pub kept: String,
}

#[derive(Debug)]
pub struct State {
    pub info: BackendInfo,
    pub keymap: Keymap,
    pub theme: Theme,
    pub banner: Option<String>,
    /// The ticket form's default impact and urgency by severity (`[ui] severity_impact_urgency`).
    pub ticket_defaults: crate::domain::SeverityDefaults,
    /// The anomaly list's columns (`[ui] columns`).
    pub columns: Vec<crate::config::ListColumn>,
    /// `$BROWSER` is set, so `open_browser` may run.
    pub browser: bool,
    pub now: Timestamp,
    pub size: (u16, u16),
    pub list: ListModel,
    pub focus: Pane,
    pub filter_input: Option<FilterInput>,
    pub detail: Option<DetailView>,
    pub detail_scroll: u16,
    /// The detail (and links) fill the screen instead of sharing it with the list (`open`).
    pub zoomed: bool,
    pub link_cursor: usize,
    /// The incident view, over the panes, while open (`esc` closes it).
    pub incident: Option<IncidentView>,
    pub popup: Option<Popup>,
    pub toasts: Vec<Toast>,
    pub connection: ConnectionStatus,
    pub outbox: Option<OutboxCounts>,
    /// The newest error, for the status bar (cut to fit there; `errors` shows it in full).
    pub last_error: Option<String>,
    /// Every error shown since start, bounded, repeats counted (the `errors` popup).
    pub errors: ErrorLog,
    /// When the anomaly list was last loaded, and whether the last reload failed.
    pub loaded_at: Option<Timestamp>,
    pub load_failed: bool,
    pub loading: Option<ReqId>,
    /// The store revision the list reflects: the next update asks only for rows above it.
    pub rev: i64,
    /// An incremental update (rows since `rev`) in flight.
    pub merging: Option<ReqId>,
    /// The list may be behind the store (it changed while a load was in flight, or a full load
    /// just finished): the next status poll asks for the rows since `rev` whatever the
    /// fingerprint says.
    pub list_stale: bool,
    /// The rules and their counts as last read (the rules popup); `None` until read.
    pub rules: Option<Result<Vec<super::backend::RuleSummary>, String>>,
    /// Health of each source, from the status poll (`None` until the first answer).
    pub sources: Option<Vec<SourceHealth>>,
    pub refresh: Option<RefreshRound>,
    /// Bulk actions waiting for their answers (one toast each when all are in).
    pub bulk: Vec<BulkRound>,
    /// `c` on marked rows: their details loading before the form opens.
    pub bulk_load: Option<BulkLoad>,
    /// The create in flight of a bulk create, and the other anomalies to link once it exists.
    pub create_also: Option<(ReqId, Vec<AnomalyKey>)>,
    /// User-visible requests in flight (the spinner turns while this is non-empty).
    pub busy: HashSet<ReqId>,
    pub spinner: usize,
    pub last_poll: Option<Timestamp>,
    pub polls: HashSet<ReqId>,
    /// Age labels last drawn, so a tick only redraws when one of them changed.
    pub drawn_ages: Vec<String>,
    pub next_req: u64,
    pub quit: bool,
    /// Something visible changed since the last draw.
    pub dirty: bool,
}

impl State {
    pub fn new(info: BackendInfo, keymap: Keymap, theme: Theme, now: Timestamp) -> State {
        State {
            info,
            keymap,
            theme,
            banner: None,
            ticket_defaults: Default::default(),
            columns: crate::config::ListColumn::defaults(),
            browser: false,
            now,
            size: (80, 24),
            list: ListModel::default(),
            focus: Pane::List,
            filter_input: None,
            detail: None,
            detail_scroll: 0,
            zoomed: false,
            link_cursor: 0,
            incident: None,
            popup: None,
            toasts: Vec::new(),
            connection: ConnectionStatus::Unknown,
            outbox: None,
            last_error: None,
            errors: ErrorLog::default(),
            loaded_at: None,
            load_failed: false,
            loading: None,
            rev: 0,
            merging: None,
            list_stale: false,
            rules: None,
            sources: None,
            refresh: None,
            bulk: Vec::new(),
            bulk_load: None,
            create_also: None,
            busy: HashSet::new(),
            spinner: 0,
            last_poll: None,
            polls: HashSet::new(),
            drawn_ages: Vec::new(),
            next_req: 0,
            quit: false,
            dirty: true,
        }
    }

    pub fn req(&mut self) -> ReqId {
        self.next_req += 1;
        ReqId(self.next_req)
    }

    /// A request the user waits for: the spinner turns until its reply arrives.
    pub fn busy_req(&mut self) -> ReqId {
        let r = self.req();
        self.busy.insert(r);
        r
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        if level == Level::Error {
            self.record_error(&text);
        }
        let until = self
            .now
            .checked_add(SignedDuration::from_secs(TOAST_SECS))
            .unwrap_or(self.now);
        self.toasts.push(Toast { text, level, until });
        // Keep the stack short: the status bar keeps the last error anyway.
        if self.toasts.len() > 4 {
            self.toasts.remove(0);
        }
    }

    /// Logs an error and makes it the status bar's last error (no toast: see [`State::toast`]).
    pub fn record_error(&mut self, text: &str) {
        self.errors.push(text, self.now);
        self.last_error = Some(text.to_owned());
    }

    /// The selected anomaly's links, as loaded.
    pub fn links(&self) -> &[crate::domain::Link] {
        match &self.detail {
            Some(DetailView {
                data: Some(d), key, ..
            }) if Some(key) == self.list.selected().map(|r| &r.key) => &d.links,
            _ => &[],
        }
    }

    /// The selected anomaly's creates still in the outbox, as loaded.
    pub fn pending_creates(&self) -> &[super::backend::PendingCreate] {
        match &self.detail {
            Some(DetailView {
                data: Some(d), key, ..
            }) if Some(key) == self.list.selected().map(|r| &r.key) => &d.pending_creates,
            _ => &[],
        }
    }

    pub fn selected_link(&self) -> Option<&crate::domain::Link> {
        self.links().get(self.link_cursor)
    }

    /// How long the loop may sleep before the next `Tick`: fast while the spinner turns, once a
    /// second otherwise (the tick only redraws when something visible changed).
    pub fn tick_period(&self) -> Duration {
        if self.busy.is_empty() {
            Duration::from_secs(1)
        } else {
            Duration::from_millis(100)
        }
    }
}
