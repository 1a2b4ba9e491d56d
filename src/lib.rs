//! snowlink: triage anomalies and turn them into ServiceNow incidents, from a terminal dashboard or
//! a scriptable CLI. The binary (`main.rs`) only parses arguments and dispatches into these modules.
//!
//! Boundaries (see `docs/architecture.md`): `domain` is pure; only `store` touches SQL; only the
//! `servicenow-client` crate speaks HTTP to ServiceNow; only `tui` imports ratatui/crossterm.

pub mod cli;
pub mod config;
pub mod domain;
pub mod ingest;
pub mod ops;
pub mod rules;
pub mod source;
pub mod store;
pub mod sync;
pub mod tui;
