//! Event Management tables: `em_event` (what `/api/global/em/jsonv2` inserts) and `em_alert`
//! (what event processing makes of them). Field names and limits: docs/emulator.md §Event
//! Management.

use crate::schema::{FieldDef, FieldType, TableDef};

const fn f(name: &'static str, kind: FieldType, label: &'static str) -> FieldDef {
    FieldDef { name, kind, label }
}

use FieldType::{DateTime as D, Integer as I, String as S};

/// Field lengths a real instance enforces on insert by truncating (an overlong value is
/// accepted with 200 and cut, never refused).
pub const FIELD_LIMITS: &[(&str, usize)] = &[
    ("source", 100),
    ("node", 100),
    ("type", 100),
    ("resource", 100),
    ("message_key", 1024),
    ("description", 4000),
];

pub static EM_EVENT: TableDef = TableDef {
    name: "em_event",
    label: "Event",
    display_field: "sys_id",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("source", S, "Source"),
        f("node", S, "Node"),
        f("type", S, "Type"),
        f("resource", S, "Resource"),
        f("metric_name", S, "Metric Name"),
        f("event_class", S, "Source Instance"),
        f("message_key", S, "Message key"),
        f("severity", FieldType::Choice("em_event"), "Severity"),
        f("description", S, "Description"),
        f("additional_info", S, "Additional information"),
        f("time_of_event", D, "Time of event"),
        f("resolution_state", S, "Resolution State"),
        // Ready / Processed / Ignored / Error; stored as the label, as on real instances.
        f("state", S, "State"),
        f("processing_notes", S, "Processing notes"),
        f("alert", FieldType::Reference("em_alert"), "Alert"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("state", "Ready"), ("resolution_state", "New")],
};

pub static EM_ALERT: TableDef = TableDef {
    name: "em_alert",
    label: "Alert",
    display_field: "number",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("number", S, "Number"),
        f("source", S, "Source"),
        f("node", S, "Node"),
        f("type", S, "Type"),
        f("resource", S, "Resource"),
        f("metric_name", S, "Metric Name"),
        f("event_class", S, "Source Instance"),
        f("message_key", S, "Message key"),
        f("severity", FieldType::Choice("em_alert"), "Severity"),
        // Open / Reopen / Flapping / Closed (raw values are the labels here; unverified).
        f("state", S, "State"),
        f("description", S, "Description"),
        f("additional_info", S, "Additional information"),
        f(
            "initial_event",
            FieldType::Reference("em_event"),
            "Initial event",
        ),
        f("event_count", I, "Event count"),
        f("last_event_time", D, "Last event time"),
        f("incident", FieldType::Reference("incident"), "Task"),
        f(
            "assignment_group",
            FieldType::Reference("sys_user_group"),
            "Assignment group",
        ),
        f(
            "assigned_to",
            FieldType::Reference("sys_user"),
            "Assigned to",
        ),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("state", "Open"), ("event_count", "1")],
};

/// Severity labels of both tables (1 Critical … 5 OK, 0 Clear).
pub const SEVERITY_LABELS: &[(&str, &str)] = &[
    ("1", "Critical"),
    ("2", "Major"),
    ("3", "Minor"),
    ("4", "Warning"),
    ("5", "OK"),
    ("0", "Clear"),
];
