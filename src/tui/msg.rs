//! Everything that can happen to the dashboard, as one message type.

use crossterm::event::KeyEvent;

use crate::domain::{AnomalyKey, IncidentRef, Status};

use super::backend::{
    AnomalyDetail, AnomalyRow, ChoiceItem, ConnectionStatus, CreateOutcome, IncidentSummary,
    NamedRef, OutboxCounts, Served, SourceHealth,
};

/// Identifies one background request, so a result for a superseded request can be dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ReqId(pub u64);

// Messages are moved a few times each; boxing the big replies would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// New terminal size (columns, rows).
    Resize(u16, u16),
    /// Time passed (`State::now` is set by the loop before each batch).
    Tick,
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The result of an effect.
    Reply {
        req: ReqId,
        reply: Reply,
    },
    /// A local operation (clipboard, browser, editor) failed.
    LocalError(String),
    /// The store may have changed outside the dashboard (a source read wrote rows): poll now.
    StoreChanged,
}

/// Results of background work, one variant per effect.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Reply {
    /// A full load: every row and the store revision they reflect.
    Anomalies(Result<(Vec<AnomalyRow>, i64), String>),
    /// The rows changed since revision `since`, and the revision now.
    AnomaliesSince {
        since: i64,
        result: Result<(Vec<AnomalyRow>, i64), String>,
    },
    Sources(Result<Vec<SourceHealth>, String>),
    Rules(Result<Vec<super::backend::RuleSummary>, String>),
    SourcesRefreshed(Result<usize, String>),
    Detail {
        key: AnomalyKey,
        result: Result<AnomalyDetail, String>,
        /// `Backend::incident_url` of each link, in order.
        urls: Vec<String>,
    },
    Outbox(Result<OutboxCounts, String>),
    Connection(ConnectionStatus),
    Choices {
        element: String,
        result: Result<Served<ChoiceItem>, String>,
    },
    Groups(Result<Served<NamedRef>, String>),
    Users(Result<Served<NamedRef>, String>),
    Incidents(Result<Vec<IncidentSummary>, String>),
    Created {
        anomaly: AnomalyKey,
        result: Result<CreateOutcome, String>,
    },
    Linked {
        anomaly: AnomalyKey,
        result: Result<IncidentRef, String>,
    },
    Unlinked {
        anomaly: AnomalyKey,
        incident: IncidentRef,
        result: Result<(), String>,
    },
    StatusSet {
        ids: Vec<AnomalyKey>,
        status: Status,
        result: Result<usize, String>,
    },
    Commented {
        anomaly: AnomalyKey,
        result: Result<(), String>,
    },
    LinksRefreshed(Result<usize, String>),
    /// The incident view's read.
    Incident {
        incident: IncidentRef,
        result: Result<super::backend::IncidentActivity, String>,
        /// What the change poller had seen of it when it was read.
        mark: Option<String>,
    },
    /// The change poller saw nothing new on the incident since the view's read.
    IncidentUnchanged {
        incident: IncidentRef,
    },
    /// Text back from `$EDITOR`.
    Edited(Result<String, String>),
    /// The effect produced no result of its own: a write refused on a read-only profile, or a
    /// request that timed out.
    Failed(String),
}
