//! The dashboard (DESIGN §Dashboard, §Data flow): TEA with effects.
//!
//! - [`State`] holds everything; [`update`] is the only writer and never does I/O;
//! - [`Effect`]s are performed by the runtime on tokio tasks against a [`Backend`], which answer
//!   with [`Msg::Reply`]; replies to superseded requests are dropped in `update`;
//! - [`ui::render`] is a pure read of the state, drawn once per batch of messages and only when
//!   something changed.
//!
//! Only this module imports ratatui and crossterm.

pub mod action;
mod app;
pub mod backend;
pub mod bulk;
pub mod effect;
mod error;
pub mod errors;
pub mod form;
mod form_field;
pub mod keymap;
pub mod keys;
pub mod line_edit;
mod list;
mod list_order;
mod local;
pub mod msg;
pub mod palette;
pub mod popup;
mod query;
pub mod runtime;
pub mod state;
mod terminal;
pub mod text;
pub mod theme;
pub mod ui;
pub mod update;
pub mod writeback;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod form_instance_tests;
#[cfg(test)]
mod form_table_tests;
#[cfg(test)]
mod form_tests;
#[cfg(test)]
mod incident_tests;
#[cfg(test)]
mod snapshot_errors_tests;
#[cfg(test)]
mod snapshot_instances_tests;
#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod update_bulk_tests;
#[cfg(test)]
mod update_tests;

pub use action::{Action, Context};
pub use app::{DashboardOptions, initial_state, run_dashboard};
pub use backend::{
    AnomalyDetail, AnomalyRow, Backend, BackendInfo, ChoiceItem, Comment, ConnectionStatus,
    IncidentSummary, InstanceOutbox, NamedRef, OutboxCounts, RuleSummary, SourceHealth,
    StatusChange,
};
pub use effect::Effect;
pub use error::TuiError;
pub use keymap::{Keymap, KeymapError, KeymapErrors};
pub use list::{Order, SortKey};
pub use msg::{Msg, Reply, ReqId};
pub use state::State;
pub use terminal::{install_panic_hook, restore as restore_terminal};
pub use update::update;
