//! The ServiceNow tables snowlink creates and links (incident, problem, change_request) and the
//! fields each one has, so the CLI, the dashboard form and the create payload agree on them
//! (docs/servicenow-client.md, "Problems and change requests").

/// A table snowlink can create a ticket in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketTable {
    Incident,
    Problem,
    ChangeRequest,
}

/// The change types ServiceNow has; `standard` comes from a template (below).
pub const CHANGE_TYPES: &[&str] = &["normal", "emergency", "standard"];

impl TicketTable {
    pub const ALL: [TicketTable; 3] = [
        TicketTable::Incident,
        TicketTable::Problem,
        TicketTable::ChangeRequest,
    ];

    pub fn from_name(name: &str) -> Option<TicketTable> {
        TicketTable::ALL
            .into_iter()
            .find(|t| t.name() == name.trim())
    }

    /// The table's name in the Table API.
    pub fn name(self) -> &'static str {
        match self {
            TicketTable::Incident => "incident",
            TicketTable::Problem => "problem",
            TicketTable::ChangeRequest => "change_request",
        }
    }

    /// ServiceNow's label for the table.
    pub fn label(self) -> &'static str {
        match self {
            TicketTable::Incident => "Incident",
            TicketTable::Problem => "Problem",
            TicketTable::ChangeRequest => "Change Request",
        }
    }

    /// Only incidents have a caller (`caller_id`).
    pub fn has_caller(self) -> bool {
        self == TicketTable::Incident
    }

    /// Subcategories depend on the incident category; snowlink offers them for incidents only.
    pub fn has_subcategory(self) -> bool {
        self == TicketTable::Incident
    }

    /// `type` and `risk` are change fields.
    pub fn has_change_fields(self) -> bool {
        self == TicketTable::ChangeRequest
    }
}

/// The label of a table by name (`incident` → `Incident`); other names as they are.
pub fn table_label(name: &str) -> &str {
    match TicketTable::from_name(name) {
        Some(t) => t.label(),
        None => name,
    }
}

/// The names of the tables, comma-separated, for messages.
pub fn table_names() -> String {
    TicketTable::ALL
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_by_name_and_their_fields() {
        assert_eq!(
            TicketTable::from_name("change_request"),
            Some(TicketTable::ChangeRequest)
        );
        assert_eq!(TicketTable::from_name("sc_task"), None);
        assert!(TicketTable::Incident.has_caller());
        assert!(!TicketTable::Problem.has_caller());
        assert!(!TicketTable::ChangeRequest.has_caller());
        assert!(TicketTable::ChangeRequest.has_change_fields());
        assert!(!TicketTable::Problem.has_change_fields());
        assert_eq!(table_label("problem"), "Problem");
        assert_eq!(table_label("sc_task"), "sc_task");
        assert_eq!(table_names(), "incident, problem, change_request");
    }
}
