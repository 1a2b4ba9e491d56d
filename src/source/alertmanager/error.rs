//! What can go wrong talking to an Alertmanager. Every message names the cause and the fix
//! (docs/sources-alertmanager.md, "Errors").

use std::time::Duration;

/// One failed Alertmanager call.
#[derive(Debug, thiserror::Error)]
pub enum AlertmanagerError {
    /// The source's settings cannot work (bad URL, a credential that is not a valid header, …).
    #[error("Alertmanager source settings are invalid: {message}")]
    Config { message: String },

    #[error(
        "cannot connect to Alertmanager at {url} ({cause}); check url in its [[sources]] table and that Alertmanager is running"
    )]
    Connect { url: String, cause: String },

    #[error(
        "Alertmanager at {url} did not answer within {} s; check that it is reachable, or raise timeout_secs in its [[sources]] table",
        timeout.as_secs_f64()
    )]
    Timeout { url: String, timeout: Duration },

    #[error("request to Alertmanager at {url} failed ({cause}); check url and the network path")]
    Transport { url: String, cause: String },

    #[error(
        "Alertmanager at {url} refused the credentials (HTTP {status}); Alertmanager has no auth of its own, so fix the basic auth or bearer token the proxy in front of it expects"
    )]
    Auth { url: String, status: u16 },

    #[error("{what} was not found at {url} (HTTP {status}); {fix}")]
    NotFound {
        url: String,
        status: u16,
        what: String,
        fix: &'static str,
    },

    #[error(
        "Alertmanager at {url} rejected the request (HTTP {status}: {message}); check the filter matchers and receiver regex in its [[sources]] table (for a silence: its matchers and times)"
    )]
    Rejected {
        url: String,
        status: u16,
        message: String,
    },

    #[error(
        "Alertmanager at {url} is failing or overloaded (HTTP {status}: {message}); the call can be retried later; if it persists, check Alertmanager's log (or the proxy's)"
    )]
    Server {
        url: String,
        status: u16,
        message: String,
    },

    #[error(
        "Alertmanager at {url} answered HTTP {status} ({message}), which it never does itself; check that url points at Alertmanager (not a login page or a redirecting proxy)"
    )]
    UnexpectedStatus {
        url: String,
        status: u16,
        message: String,
    },

    #[error(
        "Alertmanager at {url} sent more than {limit} bytes; raise max_response_bytes in its [[sources]] table, or narrow it with filter matchers"
    )]
    TooLarge { url: String, limit: usize },

    #[error(
        "Alertmanager at {url} sent an answer that is not the API v2 shape ({cause}); check that url points at Alertmanager 0.25 or later (not at Prometheus or a proxy page)"
    )]
    Malformed { url: String, cause: String },

    #[error(
        "silence {id} has expired, so it cannot be renewed; acknowledge the alert again to create a new silence"
    )]
    SilenceExpired { id: String },
}

impl AlertmanagerError {
    /// Whether trying the same call later may succeed (network trouble, a timeout, a 5xx), as
    /// opposed to a mistake that needs a fix (settings, credentials, a malformed answer).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AlertmanagerError::Connect { .. }
                | AlertmanagerError::Timeout { .. }
                | AlertmanagerError::Transport { .. }
                | AlertmanagerError::Server { .. }
        )
    }
}
