//! One task record (incident, problem, change…) with display values and its journal: work notes
//! and additional comments, newest first (`docs/servicenow-client.md` §Activity).
//!
//! The journal comes from `sys_journal_field` when the user may read it. Reading that table
//! needs a role many integration users lack: a 403, or an ACL that silently answers no rows
//! (reference §9, tables §5). Then it comes from the display values of `work_notes` and
//! `comments` on the record, parsed (`activity_parse`). Both reads are one bounded page.

use std::collections::{BTreeSet, HashMap};

use crate::activity_parse::{
    Bounded, JournalKind, MAX_ACTIVITY_ENTRIES, ParsedEntry, merge_newest_first, parse_history_into,
};
use crate::client::Client;
use crate::error::Error;
use crate::incident::looks_like_sys_id;
use crate::query::Query;
use crate::table::{DisplayValue, GetParams, ListParams};
use crate::value::Record;

/// Fields read for the record (with `sysparm_display_value=all`).
pub const ACTIVITY_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
    "caller_id",
    "opened_at",
    "sys_updated_on",
];

/// The record's fields as a person reads them (display values; empty when unset).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskRecord {
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
}

/// Where the journal was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivitySource {
    /// `sys_journal_field`: times are raw UTC `YYYY-MM-DD HH:MM:SS`.
    JournalTable,
    /// The display values of `work_notes` and `comments`: times in the reading user's time zone
    /// and date format, as ServiceNow wrote them.
    DisplayValue,
}

/// One work note or additional comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEntry {
    pub kind: JournalKind,
    /// As the source gives it (see [`ActivitySource`]).
    pub created_on: String,
    /// The author's full name when known, else their user name.
    pub author: String,
    /// `sys_created_by` (only from the journal table).
    pub author_user_name: Option<String>,
    pub text: String,
}

/// A record and its journal, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub record: TaskRecord,
    pub entries: Vec<ActivityEntry>,
    pub source: ActivitySource,
    /// More entries exist than were kept (caps in `activity_parse`).
    pub truncated: bool,
}

fn disp(r: &Record, f: &str) -> String {
    r.display(f)
        .map(str::to_string)
        .unwrap_or_else(|| r.str(f).to_string())
}

fn task_record(table: &str, r: &Record) -> TaskRecord {
    TaskRecord {
        table: table.to_string(),
        sys_id: r.value("sys_id").unwrap_or_default().to_string(),
        number: disp(r, "number"),
        short_description: disp(r, "short_description"),
        state: disp(r, "state"),
        priority: disp(r, "priority"),
        assignment_group: disp(r, "assignment_group"),
        assigned_to: disp(r, "assigned_to"),
        caller: disp(r, "caller_id"),
        opened_at: disp(r, "opened_at"),
        updated_at: disp(r, "sys_updated_on"),
    }
}

/// Errors that mean "this user may not read the journal table", not "ServiceNow is down".
fn journal_unreadable(e: &Error) -> bool {
    matches!(
        e,
        Error::Permission { .. } | Error::NotFound { .. } | Error::InvalidRequest { .. }
    )
}

impl Client {
    /// One record of `table` by number (`INC0010001`) or sys_id, display values included;
    /// `None` when it does not exist or the user may not see it.
    pub async fn find_task(
        &self,
        table: &str,
        number_or_sys_id: &str,
    ) -> Result<Option<TaskRecord>, Error> {
        let key = number_or_sys_id.trim();
        if looks_like_sys_id(key) {
            let params = GetParams::new()
                .fields(ACTIVITY_FIELDS)
                .display(DisplayValue::All)
                .exclude_reference_link(true);
            return match self.get(table, key, &params).await {
                Ok(r) => Ok(Some(task_record(table, &r))),
                Err(Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            };
        }
        let params = ListParams::new()
            .query(Query::new().eq("number", &key.to_ascii_uppercase()))
            .fields(ACTIVITY_FIELDS)
            .limit(1)
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        let page = self.list(table, &params).await?;
        Ok(page.records.first().map(|r| task_record(table, r)))
    }

    /// The record and its journal; `None` when the record is not found.
    pub async fn read_activity(
        &self,
        table: &str,
        number_or_sys_id: &str,
    ) -> Result<Option<Activity>, Error> {
        let Some(record) = self.find_task(table, number_or_sys_id).await? else {
            return Ok(None);
        };
        let (entries, source, truncated) = self.journal(table, &record.sys_id).await?;
        Ok(Some(Activity {
            record,
            entries,
            source,
            truncated,
        }))
    }

    /// Work notes and comments of one record, newest first: `sys_journal_field` when it answers
    /// with rows, else the parsed display values. Returns (entries, source, truncated).
    pub async fn journal(
        &self,
        table: &str,
        sys_id: &str,
    ) -> Result<(Vec<ActivityEntry>, ActivitySource, bool), Error> {
        if let Some((entries, truncated)) = self.journal_from_table(sys_id).await? {
            return Ok((entries, ActivitySource::JournalTable, truncated));
        }
        let (entries, truncated) = self.journal_from_display(table, sys_id).await?;
        Ok((entries, ActivitySource::DisplayValue, truncated))
    }

    /// `None` when the table is unreadable or answers no rows (an ACL filters silently).
    async fn journal_from_table(
        &self,
        sys_id: &str,
    ) -> Result<Option<(Vec<ActivityEntry>, bool)>, Error> {
        let params = ListParams::new()
            .query(
                Query::new()
                    .eq("element_id", sys_id)
                    .in_list("element", &["work_notes", "comments"][..])
                    .order_by_desc("sys_created_on"),
            )
            .fields(&["element", "value", "sys_created_on", "sys_created_by"])
            // One more than kept tells whether there were more.
            .limit(u32::try_from(MAX_ACTIVITY_ENTRIES + 1).unwrap_or(u32::MAX))
            .display(DisplayValue::False)
            .exclude_reference_link(true);
        let rows = match self.list("sys_journal_field", &params).await {
            Ok(page) => page.records,
            Err(e) if journal_unreadable(&e) => {
                tracing::debug!(error = %e, "sys_journal_field unreadable; using display values");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if rows.is_empty() {
            return Ok(None);
        }
        let mut kept = Bounded::default();
        let mut users = Vec::new();
        for r in &rows {
            // A row of another element is not ours to show (a server that ignored the filter).
            let Some(kind) = JournalKind::from_element(r.str("element")) else {
                continue;
            };
            let e = ParsedEntry {
                kind,
                created_on: r.str("sys_created_on").to_string(),
                author: r.str("sys_created_by").to_string(),
                text: r.str("value").replace("\r\n", "\n").trim_end().to_string(),
            };
            if !kept.push(e) {
                break;
            }
            users.push(r.str("sys_created_by").to_string());
        }
        let names = self.full_names(&users).await;
        let entries = kept
            .entries
            .into_iter()
            .map(|e| ActivityEntry {
                author: names
                    .get(&e.author)
                    .cloned()
                    .unwrap_or_else(|| e.author.clone()),
                author_user_name: Some(e.author),
                kind: e.kind,
                created_on: e.created_on,
                text: e.text,
            })
            .collect();
        Ok(Some((entries, kept.cut)))
    }

    /// user_name → full name for the journal's authors (one `user_nameIN` read). Names that
    /// cannot be read (ACL, error) stay user names: the journal is still worth showing.
    async fn full_names(&self, users: &[String]) -> HashMap<String, String> {
        let distinct: Vec<&String> = users
            .iter()
            .filter(|u| !u.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if distinct.is_empty() {
            return HashMap::new();
        }
        let params = ListParams::new()
            .query(Query::new().in_list("user_name", &distinct))
            .fields(&["user_name", "name"])
            .limit(u32::try_from(distinct.len()).unwrap_or(u32::MAX))
            .display(DisplayValue::False)
            .exclude_reference_link(true);
        match self.list("sys_user", &params).await {
            Ok(page) => page
                .records
                .iter()
                .filter(|r| !r.str("name").is_empty())
                .map(|r| (r.str("user_name").to_string(), r.str("name").to_string()))
                .collect(),
            Err(e) => {
                tracing::debug!(error = %e, "journal authors' names unreadable; showing user names");
                HashMap::new()
            }
        }
    }

    async fn journal_from_display(
        &self,
        table: &str,
        sys_id: &str,
    ) -> Result<(Vec<ActivityEntry>, bool), Error> {
        let params = GetParams::new()
            .fields(&["sys_id", "work_notes", "comments"])
            .display(DisplayValue::True)
            .exclude_reference_link(true);
        let rec = self.get(table, sys_id, &params).await?;
        let mut notes = Bounded::default();
        parse_history_into(rec.display("work_notes").unwrap_or(""), &mut notes);
        let mut comments = Bounded::default();
        parse_history_into(rec.display("comments").unwrap_or(""), &mut comments);
        // Each field's history is one journal; an entry of the other kind in it is dropped.
        notes.entries.retain(|e| e.kind == JournalKind::WorkNote);
        comments.entries.retain(|e| e.kind == JournalKind::Comment);
        let mut kept = Bounded {
            cut: notes.cut || comments.cut,
            ..Bounded::default()
        };
        for e in merge_newest_first(notes.entries, comments.entries) {
            if !kept.push(e) {
                break;
            }
        }
        let entries = kept
            .entries
            .into_iter()
            .map(|e| ActivityEntry {
                kind: e.kind,
                created_on: e.created_on,
                author: e.author,
                author_user_name: None,
                text: e.text,
            })
            .collect();
        Ok((entries, kept.cut))
    }
}
