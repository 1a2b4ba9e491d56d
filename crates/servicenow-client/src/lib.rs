//! Typed async client for the ServiceNow Table API (see `docs/servicenow-client.md`).
//!
//! No UI, no store, never spawns tasks. Written from `reference/servicenow-api.md` only; it shares
//! no code with the emulator.

// Errors are built on network paths where a few hundred bytes do not matter; flat struct
// variants keep matching on them simple for the CLI and the outbox.
#![allow(clippy::result_large_err)]

mod activity;
mod activity_parse;
mod body;
mod classify;
mod client;
mod config;
mod error;
mod error_display;
mod events;
mod incident;
mod journal;
mod lookup;
mod oauth;
mod paging;
mod probe;
mod query;
mod table;
mod task_tables;
mod transport_error;
mod value;
mod verify;

pub use activity::{ACTIVITY_FIELDS, Activity, ActivityEntry, ActivitySource, TaskRecord};
pub use activity_parse::{
    JournalKind, MAX_ACTIVITY_BYTES, MAX_ACTIVITY_ENTRIES, MAX_ENTRY_BYTES, ParsedEntry,
    parse_journal_history,
};
pub use client::Client;
pub use config::{
    Auth, ClientConfig, DEFAULT_MAX_LIST_RECORDS, DEFAULT_MAX_LIST_REQUESTS,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, OAuthGrant,
};
pub use error::{
    AuthKind, ConnectKind, Error, ErrorCategory, PagingStop, PermissionKind, UnavailableKind,
};
pub use events::{ALERT_FIELDS, ALERT_TABLE, EVENT_PATH, Event};
pub use incident::{
    CORRELATION_FIELDS, INCIDENT_FIELDS, INCIDENT_TABLE, SYS_ID_BATCH, WORK_NOTE_FIELDS,
    looks_like_sys_id, looks_like_task_number,
};
pub use journal::{JournalEntry, JournalSource, normalize_note, parse_journal_display};
pub use lookup::{Choice, Group, Identity, User};
pub use probe::{ProbeFinding, ProbeReport};
pub use query::{Op, Query, QueryError, escape_value};
pub use table::{DEFAULT_PAGE_SIZE, DisplayValue, GetParams, ListParams, Page};
pub use task_tables::{
    CHANGE_REQUEST_FIELDS, CHANGE_REQUEST_TABLE, PROBLEM_FIELDS, PROBLEM_TABLE, TASK_TABLES,
    table_for_number, table_label, task_fields,
};
pub use value::{FieldValue, Record};

pub use secrecy::SecretString;
