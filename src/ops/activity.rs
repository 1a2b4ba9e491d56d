//! Reading one incident's activity for `snowlink ticket show` and the dashboard's incident view:
//! the record's fields and its journal, newest first, with snowlink's own notes marked
//! (`domain::is_snowlink_note`). Read-only: nothing here writes to ServiceNow or the store.

use jiff::Timestamp;
use serde::Serialize;
use servicenow_client::{Activity, ActivitySource, Client, JournalKind};

use crate::domain::is_snowlink_note;

use super::error::{OpsError, OpsResult};

/// One work note or additional comment as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalLine {
    /// `work_note` or `comment`.
    pub kind: &'static str,
    /// As ServiceNow gave it: raw UTC from the journal table, the reading user's time zone and
    /// format from display values (`source` says which).
    pub created_on: String,
    pub author: String,
    /// The author's user name, when the journal table was readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_user_name: Option<String>,
    pub text: String,
    /// The text has one of snowlink's note formats.
    pub snowlink: bool,
}

/// A record and its journal, as `ticket show --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentActivity {
    pub table: String,
    pub sys_id: String,
    pub number: String,
    pub short_description: String,
    pub state: String,
    pub priority: String,
    pub assignment_group: String,
    pub assigned_to: String,
    pub caller: String,
    pub opened_at: String,
    pub updated_at: String,
    /// `sys_journal_field` or `display_value`.
    pub journal_source: &'static str,
    /// More entries exist than were read (the newest are kept).
    pub journal_truncated: bool,
    pub journal: Vec<JournalLine>,
    /// When snowlink read it.
    pub read_at: Timestamp,
}

pub fn kind_name(k: JournalKind) -> &'static str {
    match k {
        JournalKind::WorkNote => "work_note",
        JournalKind::Comment => "comment",
    }
}

impl IncidentActivity {
    pub fn from_client(a: Activity, read_at: Timestamp) -> Self {
        let r = a.record;
        IncidentActivity {
            table: r.table,
            sys_id: r.sys_id,
            number: r.number,
            short_description: r.short_description,
            state: r.state,
            priority: r.priority,
            assignment_group: r.assignment_group,
            assigned_to: r.assigned_to,
            caller: r.caller,
            opened_at: r.opened_at,
            updated_at: r.updated_at,
            journal_source: match a.source {
                ActivitySource::JournalTable => "sys_journal_field",
                ActivitySource::DisplayValue => "display_value",
            },
            journal_truncated: a.truncated,
            journal: a
                .entries
                .into_iter()
                .map(|e| JournalLine {
                    kind: kind_name(e.kind),
                    snowlink: is_snowlink_note(&e.text),
                    created_on: e.created_on,
                    author: e.author,
                    author_user_name: e.author_user_name,
                    text: e.text,
                })
                .collect(),
            read_at,
        }
    }
}

/// Reads `number_or_sys_id` of `table`; an unknown number is `OpsError::NotFound`.
pub async fn read_activity(
    client: &Client,
    table: &str,
    number_or_sys_id: &str,
) -> OpsResult<IncidentActivity> {
    let key = number_or_sys_id.trim();
    if key.is_empty() {
        return Err(OpsError::Invalid(
            "give an incident number (INC0010001) or sys_id".into(),
        ));
    }
    match client.read_activity(table, key).await? {
        Some(a) => Ok(IncidentActivity::from_client(a, Timestamp::now())),
        None => Err(OpsError::NotFound(format!(
            "no {table} {key} on {} (or this user may not see it): check the number with `snowlink ticket search {key}`",
            client.base_url()
        ))),
    }
}
