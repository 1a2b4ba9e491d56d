//! What `update` asks the outside world to do. The runtime performs each effect and answers with
//! a `Msg::Reply` carrying the same request id.

use crate::domain::{AnomalyKey, ArchiveReason, IncidentRef, TicketDraft};

use super::msg::ReqId;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadAnomalies {
        req: ReqId,
    },
    /// Only the rows changed since revision `rev`, merged into the list.
    LoadAnomaliesSince {
        req: ReqId,
        rev: i64,
    },
    LoadDetail {
        req: ReqId,
        id: AnomalyKey,
    },
    /// The rules and their counts, for the rules popup.
    LoadRules {
        req: ReqId,
    },
    LoadSources {
        req: ReqId,
    },
    LoadOutbox {
        req: ReqId,
    },
    CheckConnection {
        req: ReqId,
    },
    LoadChoices {
        req: ReqId,
        /// The instance asked (the form's target).
        instance: String,
        /// The table whose choices these are (the form's table).
        table: String,
        element: String,
        dependent: Option<String>,
    },
    SearchGroups {
        req: ReqId,
        instance: String,
        text: String,
    },
    /// Users by name; only the members of `group` (a sys_id) when set.
    SearchUsers {
        req: ReqId,
        instance: String,
        text: String,
        group: Option<String>,
    },
    SearchIncidents {
        req: ReqId,
        text: String,
    },
    CreateTicket {
        req: ReqId,
        /// Where the ticket is made.
        instance: String,
        anomaly: AnomalyKey,
        draft: TicketDraft,
        /// The other anomalies the incident is for (marked rows): linked by the worker.
        also: Vec<AnomalyKey>,
    },
    Link {
        req: ReqId,
        anomaly: AnomalyKey,
        /// sys_id or number.
        incident: String,
    },
    Unlink {
        req: ReqId,
        anomaly: AnomalyKey,
        incident: IncidentRef,
    },
    Ack {
        req: ReqId,
        ids: Vec<AnomalyKey>,
    },
    Archive {
        req: ReqId,
        ids: Vec<AnomalyKey>,
        reason: ArchiveReason,
    },
    Comment {
        req: ReqId,
        id: AnomalyKey,
        text: String,
    },
    RefreshLinks {
        req: ReqId,
    },
    /// Read one incident and its journal for the incident view. With `unless`, first ask the
    /// store what the change poller last saw of it, and read only when that differs.
    LoadIncident {
        req: ReqId,
        incident: IncidentRef,
        unless: Option<Option<String>>,
    },
    /// Poll every source now (writes anomalies to the local store only).
    RefreshSources {
        req: ReqId,
    },
    /// OSC 52, wrapped for tmux passthrough when `$TMUX` is set.
    CopyToClipboard {
        text: String,
    },
    /// Only emitted when `$BROWSER` is set.
    OpenBrowser {
        url: String,
    },
    /// Suspend the terminal, run `$EDITOR` on a temp file holding `text`, resume.
    OpenEditor {
        req: ReqId,
        text: String,
    },
}

impl Effect {
    /// Whether the effect changes anything in ServiceNow (directly or through the outbox);
    /// the runtime refuses these on a read-only profile.
    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Effect::CreateTicket { .. }
                | Effect::Link { .. }
                | Effect::Unlink { .. }
                | Effect::Ack { .. }
                | Effect::Archive { .. }
                | Effect::Comment { .. }
        )
    }

    /// Effects the event loop performs itself because they need the terminal.
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Effect::CopyToClipboard { .. } | Effect::OpenBrowser { .. } | Effect::OpenEditor { .. }
        )
    }

    pub fn req(&self) -> Option<ReqId> {
        match self {
            Effect::LoadAnomalies { req }
            | Effect::LoadAnomaliesSince { req, .. }
            | Effect::LoadDetail { req, .. }
            | Effect::LoadSources { req }
            | Effect::LoadRules { req }
            | Effect::RefreshSources { req }
            | Effect::LoadOutbox { req }
            | Effect::CheckConnection { req }
            | Effect::LoadChoices { req, .. }
            | Effect::SearchGroups { req, .. }
            | Effect::SearchUsers { req, .. }
            | Effect::SearchIncidents { req, .. }
            | Effect::CreateTicket { req, .. }
            | Effect::Link { req, .. }
            | Effect::Unlink { req, .. }
            | Effect::Ack { req, .. }
            | Effect::Archive { req, .. }
            | Effect::Comment { req, .. }
            | Effect::RefreshLinks { req }
            | Effect::LoadIncident { req, .. }
            | Effect::OpenEditor { req, .. } => Some(*req),
            Effect::CopyToClipboard { .. } | Effect::OpenBrowser { .. } => None,
        }
    }
}
