//! The rule engine: decisions with flood control (pure, [`decide`]), the facts they are made
//! from (store and ServiceNow), the records they leave (one store transaction with the outbox
//! rows they cause), consolidated notes, and the runner that does it all after each source write
//! (docs/rules.md §Engine).

mod db;
mod decide;
mod error;
mod evaluate;
mod facts;
mod notes;
mod outcome;
mod payload;
mod refs;
mod remote;
mod runner;
mod summary;
mod views;

pub use db::Db;
pub use decide::{
    Facts, KeyFacts, Plan, STATE_CANCELED, STATE_CLOSED, STATE_IN_PROGRESS, STATE_RESOLVED, decide,
    window_start,
};
pub use error::EngineError;
pub use outcome::{Evaluated, Outcome};
pub use runner::{PassReport, Runner, RunnerOptions};
pub use summary::{RuleSummary, summaries};
