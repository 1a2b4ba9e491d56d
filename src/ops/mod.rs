//! The actions a user takes — load anomalies, create or link a ticket, acknowledge, archive,
//! comment — shared by the CLI commands and the dashboard. They compose the store, the
//! ServiceNow client and the sync worker; neither the CLI nor the dashboard talks to those
//! directly for a user action.

mod error;
mod ticket_fields;

pub use error::{OpsError, OpsResult};
pub use ticket_fields::{check_choice, resolve_draft};
