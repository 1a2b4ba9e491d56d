//! The actions a user takes — load anomalies, create or link a ticket, acknowledge, archive,
//! comment — shared by the CLI commands and the dashboard. They compose the store, the
//! ServiceNow client and the sync worker; neither the CLI nor the dashboard talks to those
//! directly for a user action.

mod activity;
mod error;
mod event;
mod load;
mod lookup;
mod offline;
mod policy;
mod rediscover;
mod rediscover_parse;
mod rediscover_read;
mod rediscover_resolve;
mod session;
mod ticket;
mod ticket_fields;
mod ticket_find;
mod triage;

pub use activity::{IncidentActivity, JournalLine, read_activity};
pub use error::{OpsError, OpsResult};
pub use event::{QueuedEvent, enqueue_event};
pub use load::{SourceLoad, load_file};
pub use lookup::{NamedRef, search_group_members, search_groups, search_users};
pub use offline::{
    CacheNote, ChoiceItem, RefSearch, Served, is_unreachable, outage_reason, resolve_draft_offline,
    served_choices, served_refs,
};
pub use policy::{DataPolicy, incident_data_policies};
pub use rediscover::{
    InstanceReport, RediscoverOptions, TableReport, Unparseable, rediscover_instance,
};
pub use rediscover_read::{MAX_RECORDS_PER_TABLE, PAGE_SIZE, REDISCOVER_TABLES, ReadBounds};
pub use session::Session;
pub use ticket::{
    CreatePlan, CreateStart, Linked, enqueue_create, link, link_key, load_anomaly,
    load_anomaly_by_key, plan_create, start_create, unlink, unlink_key,
};
pub use ticket_fields::{check_choice, choice_by_value_or_label, resolve_draft};
pub use ticket_find::{IncidentSummary, find_incident, search};
pub use triage::{Recorded, comment, comment_for, set_status, set_status_for};
