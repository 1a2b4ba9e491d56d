//! `problem` and `change_request`: the two other task tables the emulator serves
//! (docs/emulator.md, "Problems and change requests"). Fields a real instance defines on
//! `task` are listed on each table, as for incident.

use super::FieldType::{
    self, Boolean as B, DateTime as D, Integer as I, Journal as J, String as S,
};
use super::{TableDef, c, f, r};

/// Fields every task table has (identity, assignment, journals, correlation, stamps).
macro_rules! task_fields {
    ($($own:expr),* $(,)?) => {
        &[
            f("sys_id", S, "Sys ID"),
            f("number", S, "Number"),
            f("short_description", S, "Short description"),
            f("description", S, "Description"),
            c("impact", "task", "Impact"),
            c("urgency", "task", "Urgency"),
            c("priority", "task", "Priority"),
            c("approval", "task", "Approval"),
            f("active", B, "Active"),
            r("assigned_to", "sys_user", "Assigned to"),
            r("assignment_group", "sys_user_group", "Assignment group"),
            r("opened_by", "sys_user", "Opened by"),
            f("opened_at", D, "Opened"),
            r("closed_by", "sys_user", "Closed by"),
            f("closed_at", D, "Closed"),
            f("close_notes", S, "Close notes"),
            f("correlation_id", S, "Correlation ID"),
            f("correlation_display", S, "Correlation display"),
            f("work_notes", J, "Work notes"),
            f("comments", J, "Additional comments"),
            f(
                "comments_and_work_notes",
                FieldType::JournalMerged,
                "Comments and Work notes",
            ),
            f("work_notes_list", S, "Work notes list"),
            f("watch_list", S, "Watch list"),
            r("cmdb_ci", "cmdb_ci", "Configuration item"),
            f("task_effective_number", S, "Effective number"),
            f("sys_class_name", S, "Task type"),
            f("sys_domain", FieldType::Domain, "Domain"),
            f("sys_domain_path", S, "Domain Path"),
            f("sys_created_on", D, "Created"),
            f("sys_created_by", S, "Created by"),
            f("sys_updated_on", D, "Updated"),
            f("sys_updated_by", S, "Updated by"),
            f("sys_mod_count", I, "Updates"),
            $($own,)*
        ]
    };
}

pub static PROBLEM: TableDef = TableDef {
    name: "problem",
    label: "Problem",
    display_field: "number",
    fields: task_fields![
        c("state", "problem", "State"),
        c("problem_state", "problem", "Problem state"),
        c("category", "problem", "Category"),
        c("subcategory", "problem", "Subcategory"),
        c("resolution_code", "problem", "Resolution code"),
        f("cause_notes", S, "Cause notes"),
        f("fix_notes", S, "Fix notes"),
        f("workaround", S, "Workaround"),
        f("known_error", B, "Known error"),
        f("major_problem", B, "Major problem"),
        r("duplicate_of", "problem", "Duplicate of"),
        r("first_reported_by_task", "task", "First reported by"),
        f("related_incidents", I, "Related Incidents"),
        f("reopen_count", I, "Reopen count"),
        r("resolved_by", "sys_user", "Resolved by"),
        f("resolved_at", D, "Resolved"),
        r("confirmed_by", "sys_user", "Confirmed by"),
        f("confirmed_at", D, "Confirmed"),
        r("reopened_by", "sys_user", "Last reopened by"),
        f("reopened_at", D, "Last reopened at"),
    ],
    defaults: &[
        ("state", "101"),
        ("problem_state", "101"),
        ("impact", "3"),
        ("urgency", "3"),
        ("priority", "5"),
        ("approval", "not requested"),
        ("active", "true"),
        ("known_error", "false"),
        ("major_problem", "false"),
        ("related_incidents", "0"),
        ("reopen_count", "0"),
        ("sys_class_name", "problem"),
        ("sys_domain", "global"),
        ("sys_domain_path", "/"),
    ],
};

pub static CHANGE_REQUEST: TableDef = TableDef {
    name: "change_request",
    label: "Change Request",
    display_field: "number",
    fields: task_fields![
        c("state", "change_request", "State"),
        c("type", "change_request", "Type"),
        r("chg_model", "chg_model", "Model"),
        r(
            "std_change_producer_version",
            "std_change_producer_version",
            "Standard change template version",
        ),
        c("category", "change_request", "Category"),
        c("risk", "change_request", "Risk"),
        c("close_code", "change_request", "Close code"),
        r("requested_by", "sys_user", "Requested by"),
        f("justification", S, "Justification"),
        f("implementation_plan", S, "Implementation plan"),
        f("backout_plan", S, "Backout plan"),
        f("test_plan", S, "Test plan"),
        f("start_date", D, "Planned start date"),
        f("end_date", D, "Planned end date"),
        f("work_start", D, "Actual start"),
        f("work_end", D, "Actual end"),
        f("on_hold", B, "On hold"),
        f("on_hold_reason", S, "On hold reason"),
    ],
    defaults: &[
        ("state", "-5"),
        ("type", "normal"),
        ("impact", "3"),
        ("urgency", "3"),
        ("priority", "4"),
        ("approval", "not requested"),
        ("active", "true"),
        ("on_hold", "false"),
        ("sys_class_name", "change_request"),
        ("sys_domain", "global"),
        ("sys_domain_path", "/"),
    ],
};
