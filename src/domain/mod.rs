//! Pure domain types and the exact text formats snowlink writes to ServiceNow (DESIGN §Formats).
//! No I/O and no SQL here.

mod anomaly;
mod back_sync;
mod description;
mod event;
mod link;
mod notes;
mod own_notes;
mod parse;
mod rediscover;
mod status;
mod ticket;
mod ticket_table;

pub use anomaly::{Anomaly, AnomalyKey, FailedCheck};
pub use back_sync::{
    BackSyncMap, DEFAULT_DISCARDED_CODES, DEFAULT_INVALID_CODES, Observed, Target,
    archived_by_field, close_code_field, decide, pick_reason,
};
pub use description::{append_block, block_header, description_block, has_block};
pub use event::{
    ALERT_TABLE, EVENT_DESCRIPTION_MAX, EventOrigin, MESSAGE_KEY_MAX, event_fields, event_rule,
    event_severity, manual_message_key,
};
pub use link::{IncidentRef, IncidentState, Link};
pub use notes::{
    CORRELATION_DISPLAY, anomaly_url, comment_note, correlation_id, format_timestamp, link_note,
    new_create_id, percent_encode, status_note,
};
pub use own_notes::is_snowlink_note;
pub use parse::{FieldProblem, RecordError, anomaly_from_json, anomaly_from_value};
pub use rediscover::{
    BLOCK_MARKER, FoundBlock, MangledBlock, OWN_PREFIX, OwnCorrelation, RULE_PREFIX,
    consolidated_note_keys, find_blocks, parse_correlation_id, split_key,
};
pub use status::{ArchiveReason, SEVERITY_EXPECTED, STATUS_EXPECTED, Severity, Status};
pub use ticket::{
    DraftError, SHORT_DESCRIPTION_MAX, SeverityDefaults, TicketDraft, default_short_description,
    truncate_chars,
};
pub use ticket_table::{CHANGE_TYPES, TicketTable, table_label, table_names};
