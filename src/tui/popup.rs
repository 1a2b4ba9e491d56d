//! Popups and their state. Each popup's keys are handled in `update/popups.rs` (ticket form:
//! `form.rs`); each is drawn by one file under `ui/`.

use ratatui_textarea::TextArea;

use crate::domain::{AnomalyKey, ArchiveReason, IncidentRef};

use super::backend::IncidentSummary;
use super::form::TicketForm;
use super::line_edit::LineInput;
use super::msg::ReqId;

// At most one popup exists at a time; boxing the small ones gains nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Popup {
    Help(HelpView),
    /// Health of every source, with the full cause and fix of a failing one.
    Sources {
        scroll: u16,
    },
    /// Each automatic-ticket rule and its counts in the current intervals.
    Rules {
        scroll: u16,
    },
    /// The error log in full: every error with its time, count, cause and fix.
    Errors {
        scroll: u16,
    },
    Palette(Palette),
    Ticket(Box<TicketForm>),
    Link(LinkDialog),
    Confirm(Confirm),
    Archive(ArchivePicker),
    Comment(CommentComposer),
}

/// The keys overlay: typing searches it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelpView {
    pub query: LineInput,
    pub scroll: u16,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub query: LineInput,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkDialog {
    /// Anomalies to link (the marked rows, else the selected one).
    pub targets: Vec<AnomalyKey>,
    pub query: LineInput,
    pub results: Vec<IncidentSummary>,
    pub selected: usize,
    /// The search whose results we are waiting for; older replies are dropped.
    pub req: Option<ReqId>,
    pub error: Option<String>,
}

/// What a yes/no question does on "y".
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Unlink {
        anomaly: AnomalyKey,
        incident: IncidentRef,
    },
    Ack(Vec<AnomalyKey>),
    Archive(Vec<AnomalyKey>, ArchiveReason),
    /// Open the ticket form although the selected anomaly has an open incident.
    CreateAnother,
    Link {
        targets: Vec<AnomalyKey>,
        incident: String,
        /// What the user knows the incident as (its number), for the summary.
        label: String,
    },
    /// Open the bulk ticket form although some of the anomalies have an open incident.
    CreateManyAnyway(Box<super::bulk::BulkLoad>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    /// The anomalies it acts on (ids), listed under the question ("… and N more" past what fits).
    pub items: Vec<String>,
    pub then: Pending,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArchivePicker {
    pub targets: Vec<AnomalyKey>,
    pub selected: usize,
}

#[derive(Debug)]
pub struct CommentComposer {
    /// The marked rows (one comment each), else the selected one.
    pub targets: Vec<AnomalyKey>,
    /// `targets` are the marked rows.
    pub marked: bool,
    pub text: TextArea<'static>,
    /// Waiting for `$EDITOR`.
    pub editing: Option<ReqId>,
    /// `esc` with text written asks first: discard it or keep editing.
    pub confirm_discard: bool,
}
