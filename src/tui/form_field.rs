//! The ticket form's fields: which table has which, and their labels (`form.rs` holds the
//! form's state; `TicketForm::fields` adds the Instance field when several are configured).

use crate::domain::TicketTable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The target instance (only shown when several are configured).
    Instance,
    Table,
    Short,
    Description,
    ChangeType,
    Category,
    Risk,
    Subcategory,
    Impact,
    Urgency,
    Group,
    Assignee,
    Caller,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Instance,
        Field::Table,
        Field::Short,
        Field::Description,
        Field::ChangeType,
        Field::Category,
        Field::Risk,
        Field::Subcategory,
        Field::Impact,
        Field::Urgency,
        Field::Group,
        Field::Assignee,
        Field::Caller,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Field::Instance => "Instance",
            Field::Table => "Table",
            Field::Short => "Short descr.",
            Field::Description => "Description",
            Field::ChangeType => "Type",
            Field::Category => "Category",
            Field::Risk => "Risk",
            Field::Subcategory => "Subcategory",
            Field::Impact => "Impact",
            Field::Urgency => "Urgency",
            Field::Group => "Assign. group",
            Field::Assignee => "Assigned to",
            Field::Caller => "Caller",
        }
    }

    /// Whether `table` has this field: only incidents have a caller and a subcategory, only
    /// changes a type and a risk.
    pub fn on(self, table: TicketTable) -> bool {
        match self {
            Field::Caller => table.has_caller(),
            Field::Subcategory => table.has_subcategory(),
            Field::ChangeType | Field::Risk => table.has_change_fields(),
            _ => true,
        }
    }

    /// The fields `table` shows, in order.
    pub fn shown(table: TicketTable) -> Vec<Field> {
        Field::ALL.into_iter().filter(|f| f.on(table)).collect()
    }
}
