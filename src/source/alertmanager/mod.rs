//! The Prometheus Alertmanager source (API v2): a bounded, typed client that lists alerts, maps
//! each to an anomaly, and acknowledges through silences (docs/sources-alertmanager.md).
//!
//! It is the API and mapping only; the ingester and the outbox call it. Use:
//! [`AlertmanagerClient::alerts`] on each poll, [`to_anomaly`] per alert and [`is_resolved`] to
//! archive the ones that ended; on acknowledge [`ack_silence_for`] then
//! [`AlertmanagerClient::create_silence`] (store the id), [`AlertmanagerClient::renew_silence`]
//! before it ends, [`AlertmanagerClient::expire_silence`] on un-acknowledge or archive.

mod alerts;
mod anomaly;
mod capabilities;
mod config;
mod error;
mod http;
mod model;
mod silences;

pub use alerts::AlertQuery;
pub use anomaly::{is_resolved, severity, to_anomaly};
pub use capabilities::{CAPABILITIES, Capabilities, Capability, Support};
pub use config::{
    AlertmanagerAuth, AlertmanagerConfig, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use error::AlertmanagerError;
pub use http::AlertmanagerClient;
pub use model::{
    Alert, AlertState, AlertStatus, Matcher, Silence, SilenceId, SilenceSpec, SilenceState,
    SilenceStatus,
};
pub use silences::{
    SILENCE_CREATED_BY, ack_comment, ack_silence_at, ack_silence_for, ends_after, is_ours_for,
};

#[cfg(test)]
mod http_tests;
