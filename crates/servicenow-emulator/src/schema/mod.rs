//! The tables the emulator knows: field names, types and labels.
//! Types decide how a value is rendered (§3 of the reference) and how it is written.

/// How a field stores and renders its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    String,
    Integer,
    Boolean,
    DateTime,
    /// Labels live in `sys_choice` rows with `name` = this table.
    Choice(&'static str),
    /// A sys_id of a record in the named table.
    Reference(&'static str),
    /// `work_notes` / `comments`: write-only journal, read back as history.
    Journal,
    /// `comments_and_work_notes`: both journals merged, read-only.
    JournalMerged,
    /// `sys_domain`: a reference whose value is `global`.
    Domain,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: FieldType,
    pub label: &'static str,
}

#[derive(Debug)]
pub struct TableDef {
    pub name: &'static str,
    pub label: &'static str,
    /// The field whose value is the record's display value.
    pub display_field: &'static str,
    pub fields: &'static [FieldDef],
    /// Server-side defaults applied on insert (raw values).
    pub defaults: &'static [(&'static str, &'static str)],
}

impl TableDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

pub(super) const fn f(name: &'static str, kind: FieldType, label: &'static str) -> FieldDef {
    FieldDef { name, kind, label }
}

mod task_tables;

pub use task_tables::{CHANGE_REQUEST, PROBLEM};

use FieldType::{Boolean as B, DateTime as D, Integer as I, Journal as J, String as S};

pub(super) const fn c(name: &'static str, table: &'static str, label: &'static str) -> FieldDef {
    f(name, FieldType::Choice(table), label)
}
pub(super) const fn r(name: &'static str, table: &'static str, label: &'static str) -> FieldDef {
    f(name, FieldType::Reference(table), label)
}

pub static INCIDENT: TableDef = TableDef {
    name: "incident",
    label: "Incident",
    display_field: "number",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("number", S, "Number"),
        f("short_description", S, "Short description"),
        f("description", S, "Description"),
        c("state", "incident", "State"),
        c("incident_state", "incident", "Incident state"),
        c("impact", "task", "Impact"),
        c("urgency", "task", "Urgency"),
        c("priority", "task", "Priority"),
        c("severity", "incident", "Severity"),
        c("notify", "incident", "Notify"),
        c("escalation", "task", "Escalation"),
        c("approval", "task", "Approval"),
        f("active", B, "Active"),
        c("category", "incident", "Category"),
        c("subcategory", "incident", "Subcategory"),
        c("close_code", "incident", "Resolution code"),
        f("close_notes", S, "Resolution notes"),
        c("hold_reason", "incident", "On hold reason"),
        c("contact_type", "task", "Channel"),
        r("caller_id", "sys_user", "Caller"),
        r("assigned_to", "sys_user", "Assigned to"),
        r("assignment_group", "sys_user_group", "Assignment group"),
        r("opened_by", "sys_user", "Opened by"),
        f("opened_at", D, "Opened"),
        r("resolved_by", "sys_user", "Resolved by"),
        f("resolved_at", D, "Resolved"),
        r("closed_by", "sys_user", "Closed by"),
        f("closed_at", D, "Closed"),
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
        r("business_service", "cmdb_ci_service", "Service"),
        r("problem_id", "problem", "Problem"),
        r("parent_incident", "incident", "Parent Incident"),
        f("reopen_count", I, "Reopen count"),
        f("task_effective_number", S, "Effective number"),
        f("sys_class_name", S, "Task type"),
        f("sys_domain", FieldType::Domain, "Domain"),
        f("sys_domain_path", S, "Domain Path"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[
        ("state", "1"),
        ("incident_state", "1"),
        ("impact", "3"),
        ("urgency", "3"),
        ("priority", "5"),
        ("severity", "3"),
        ("notify", "1"),
        ("escalation", "0"),
        ("approval", "not requested"),
        ("active", "true"),
        ("category", "inquiry"),
        ("reopen_count", "0"),
        ("sys_class_name", "incident"),
        ("sys_domain", "global"),
        ("sys_domain_path", "/"),
    ],
};

pub static SYS_USER: TableDef = TableDef {
    name: "sys_user",
    label: "User",
    display_field: "name",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("user_name", S, "User ID"),
        f("name", S, "Name"),
        f("first_name", S, "First name"),
        f("last_name", S, "Last name"),
        f("email", S, "Email"),
        f("title", S, "Title"),
        f("phone", S, "Business phone"),
        f("department", S, "Department"),
        r("manager", "sys_user", "Manager"),
        f("active", B, "Active"),
        f("locked_out", B, "Locked out"),
        f("web_service_access_only", B, "Web service access only"),
        f("roles", S, "Roles"),
        f("time_zone", S, "Time zone"),
        f("sys_domain", FieldType::Domain, "Domain"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[
        ("active", "true"),
        ("locked_out", "false"),
        ("web_service_access_only", "false"),
        ("sys_domain", "global"),
    ],
};

pub static SYS_USER_GROUP: TableDef = TableDef {
    name: "sys_user_group",
    label: "Group",
    display_field: "name",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("name", S, "Name"),
        f("description", S, "Description"),
        f("active", B, "Active"),
        f("email", S, "Group email"),
        r("manager", "sys_user", "Manager"),
        r("parent", "sys_user_group", "Parent"),
        f("type", S, "Type"),
        f("sys_domain", FieldType::Domain, "Domain"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("active", "true"), ("sys_domain", "global")],
};

pub static SYS_USER_GRMEMBER: TableDef = TableDef {
    name: "sys_user_grmember",
    label: "Group Member",
    display_field: "sys_id",
    fields: &[
        f("sys_id", S, "Sys ID"),
        r("group", "sys_user_group", "Group"),
        r("user", "sys_user", "User"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[],
};

pub static SYS_CHOICE: TableDef = TableDef {
    name: "sys_choice",
    label: "Choice",
    display_field: "label",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("name", S, "Table"),
        f("element", S, "Element"),
        f("language", S, "Language"),
        f("value", S, "Value"),
        f("label", S, "Label"),
        f("sequence", I, "Sequence"),
        f("inactive", B, "Inactive"),
        f("dependent_value", S, "Dependent value"),
        f("hint", S, "Hint"),
        f("sys_domain", FieldType::Domain, "Domain"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[
        ("language", "en"),
        ("inactive", "false"),
        ("sequence", "0"),
        ("sys_domain", "global"),
    ],
};

pub static SYS_JOURNAL_FIELD: TableDef = TableDef {
    name: "sys_journal_field",
    label: "Journal Entry",
    display_field: "sys_id",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("element", S, "Element"),
        f("element_id", S, "Element ID"),
        f("name", S, "Table"),
        f("value", S, "Value"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
    ],
    defaults: &[],
};

/// One row per changed field of an audited record (docs/emulator.md, "Audit"); admin-only.
pub static SYS_AUDIT: TableDef = TableDef {
    name: "sys_audit",
    label: "Audit",
    display_field: "sys_id",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("tablename", S, "Table name"),
        f("documentkey", S, "Document key"),
        f("fieldname", S, "Field name"),
        f("oldvalue", S, "Old value"),
        f("newvalue", S, "New value"),
        f("user", S, "User"),
        f("reason", S, "Reason"),
        f("record_checkpoint", I, "Record checkpoint"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
    ],
    defaults: &[],
};

pub static SYS_DB_OBJECT: TableDef = TableDef {
    name: "sys_db_object",
    label: "Table",
    display_field: "label",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("name", S, "Name"),
        f("label", S, "Label"),
        r("super_class", "sys_db_object", "Extends table"),
        f("is_extendable", B, "Extensible"),
        f("number_ref", S, "Auto number"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("is_extendable", "false")],
};

pub static SYS_DICTIONARY: TableDef = TableDef {
    name: "sys_dictionary",
    label: "Dictionary Entry",
    display_field: "column_label",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("name", S, "Table"),
        f("element", S, "Column name"),
        f("column_label", S, "Column label"),
        // Both reference fields store a name, not a sys_id, as on real instances.
        r("internal_type", "sys_glide_object", "Type"),
        r("reference", "sys_db_object", "Reference"),
        f("max_length", I, "Max length"),
        f("mandatory", B, "Mandatory"),
        f("read_only", B, "Read only"),
        f("active", B, "Active"),
        f("display", B, "Display"),
        f("choice", I, "Choice"),
        f("default_value", S, "Default value"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[
        ("mandatory", "false"),
        ("read_only", "false"),
        ("active", "true"),
        ("display", "false"),
        ("choice", "0"),
    ],
};

pub static SYS_ATTACHMENT: TableDef = TableDef {
    name: "sys_attachment",
    label: "Attachment",
    display_field: "file_name",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("file_name", S, "File name"),
        f("content_type", S, "Content type"),
        f("size_bytes", I, "Size bytes"),
        f("size_compressed", I, "Size compressed"),
        f("compressed", B, "Compressed"),
        f("table_name", S, "Table name"),
        f("table_sys_id", S, "Table sys ID"),
        f("download_link", S, "Download link"),
        f("hash", S, "Hash"),
        f("image_width", I, "Image width"),
        f("image_height", I, "Image height"),
        f("average_image_color", S, "Average image color"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("compressed", "false")],
};

pub static SYS_USER_ROLE: TableDef = TableDef {
    name: "sys_user_role",
    label: "Role",
    display_field: "name",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("name", S, "Name"),
        f("description", S, "Description"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[],
};

pub static SYS_USER_HAS_ROLE: TableDef = TableDef {
    name: "sys_user_has_role",
    label: "User Role",
    display_field: "sys_id",
    fields: &[
        f("sys_id", S, "Sys ID"),
        r("user", "sys_user", "User"),
        r("role", "sys_user_role", "Role"),
        f("state", S, "State"),
        f("inherited", B, "Inherited"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("state", "active"), ("inherited", "false")],
};

/// Data policies: when `conditions` (an encoded query) match a record of `model_table`, the
/// policy's rules with `mandatory = true` must be filled (enforced on Table API writes too).
pub static SYS_DATA_POLICY2: TableDef = TableDef {
    name: "sys_data_policy2",
    label: "Data Policy",
    display_field: "short_description",
    fields: &[
        f("sys_id", S, "Sys ID"),
        f("short_description", S, "Short description"),
        f("model_table", S, "Table"),
        f("conditions", S, "Conditions"),
        f("active", B, "Active"),
        f("apply_import_set", B, "Use as UI Policy on client"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("active", "true"), ("apply_import_set", "true")],
};

pub static SYS_DATA_POLICY_RULE: TableDef = TableDef {
    name: "sys_data_policy_rule",
    label: "Data Policy Rule",
    display_field: "field",
    fields: &[
        f("sys_id", S, "Sys ID"),
        r("sys_data_policy", "sys_data_policy2", "Data policy"),
        f("table", S, "Table"),
        f("field", S, "Field name"),
        // "true" | "false" | "ignore" (leave alone), as on real instances.
        f("mandatory", S, "Mandatory"),
        f("disabled", S, "Read only"),
        f("sys_created_on", D, "Created"),
        f("sys_created_by", S, "Created by"),
        f("sys_updated_on", D, "Updated"),
        f("sys_updated_by", S, "Updated by"),
        f("sys_mod_count", I, "Updates"),
    ],
    defaults: &[("mandatory", "ignore"), ("disabled", "ignore")],
};

/// Every emulated table, in a fixed order.
pub static TABLES: &[&TableDef] = &[
    &INCIDENT,
    &PROBLEM,
    &CHANGE_REQUEST,
    &SYS_USER,
    &SYS_USER_GROUP,
    &SYS_USER_GRMEMBER,
    &SYS_CHOICE,
    &SYS_JOURNAL_FIELD,
    &SYS_AUDIT,
    &SYS_DB_OBJECT,
    &SYS_DICTIONARY,
    &SYS_ATTACHMENT,
    &SYS_USER_ROLE,
    &SYS_USER_HAS_ROLE,
    &SYS_DATA_POLICY2,
    &SYS_DATA_POLICY_RULE,
    &crate::em::schema::EM_EVENT,
    &crate::em::schema::EM_ALERT,
];

pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().copied().find(|t| t.name == name)
}

/// Choice fields whose values are numbers (dictionary type `integer`).
pub fn choice_is_integer(field: &str) -> bool {
    matches!(
        field,
        "state"
            | "incident_state"
            | "impact"
            | "urgency"
            | "priority"
            | "severity"
            | "notify"
            | "escalation"
            | "hold_reason"
            | "problem_state"
            | "risk"
    )
}

/// Fields a client may never write (`sys_id` is allowed on insert only).
pub fn is_read_only(field: &str) -> bool {
    field.starts_with("sys_") || field == "comments_and_work_notes"
}
