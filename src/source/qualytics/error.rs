//! Typed errors of the Qualytics client. Each names the cause and the fix; none carries the
//! token (the URL never holds it and server text is cut short). See docs/sources-qualytics.md.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum QualyticsError {
    #[error("Qualytics source misconfigured: {message}")]
    Config { message: String },

    #[error(
        "Qualytics refused the token at {url} (401: {detail}); it is missing, expired or from another instance: create a new API token in Qualytics (Settings > Tokens) and update token_command/token_env of this source"
    )]
    Unauthorized { url: String, detail: String },

    #[error(
        "Qualytics answered 403 at {url} ({detail}): the token's user lacks Author/Editor on the datastore; ask a Qualytics admin to add that user to the datastore's team with write permission, or use another user's token"
    )]
    Forbidden { url: String, detail: String },

    #[error(
        "Qualytics has no {what} at {url} (404: {detail}); check the id, and that url points at the Qualytics host (the API is served under /api)"
    )]
    NotFound {
        url: String,
        what: String,
        detail: String,
    },

    #[error(
        "Qualytics refused the change at {url} (409 conflict: {detail}); the anomaly changed meanwhile (an archived anomaly cannot be updated): refresh it and retry"
    )]
    Conflict { url: String, detail: String },

    #[error(
        "Qualytics rejected the request to {url} (422: {detail}); this is a snowlink bug or an API change: report it with this message"
    )]
    Invalid { url: String, detail: String },

    #[error("{}", rate_limited(url, *retry_after))]
    RateLimited {
        url: String,
        retry_after: Option<Duration>,
    },

    #[error(
        "Qualytics server error {status} at {url} ({detail}); the server is failing, not snowlink: it is retried with backoff, check the Qualytics status page if it persists"
    )]
    Server {
        url: String,
        status: u16,
        detail: String,
    },

    #[error("Qualytics answered {status} at {url} ({detail}); {hint}")]
    UnexpectedStatus {
        url: String,
        status: u16,
        detail: String,
        hint: &'static str,
    },

    #[error(
        "no answer from Qualytics at {url} within {after:?}; the host is slow or unreachable: check url and the network, or raise timeout_secs of this source"
    )]
    Timeout { url: String, after: Duration },

    #[error(
        "cannot reach Qualytics at {url} ({cause}); check url of this source, DNS and the network (a proxy or VPN?)"
    )]
    Connect { url: String, cause: String },

    #[error(
        "the answer from Qualytics at {url} is over the {limit}-byte cap; the server sent far more than a page of anomalies: check url points at the Qualytics API, or raise max_response_bytes of this source"
    )]
    TooLarge { url: String, limit: usize },

    #[error(
        "the answer from Qualytics at {url} is not the JSON expected ({cause}); the server or a proxy in front of it sent something else: check url, and retry (a cut-off page is retried)"
    )]
    Malformed { url: String, cause: String },

    #[error(
        "listing Qualytics anomalies stopped after {requests} requests (the cap); narrow the source's filters (datastores, containers, statuses, tags) or raise max_requests"
    )]
    RequestCap { requests: u32 },

    #[error(
        "listing Qualytics anomalies stopped at {records} records (the cap); narrow the source's filters (datastores, containers, statuses, tags) or raise max_records"
    )]
    RecordCap { records: usize },

    #[error(
        "Qualytics repeated page {page} of {url} (every id on it was already read); the server's paging is broken: the listing stopped to avoid looping, retry later"
    )]
    RepeatedPage { url: String, page: u64 },

    #[error(
        "this Qualytics does not offer comments (its {openapi} lists no POST /api/comments); the comment is kept in snowlink only"
    )]
    CommentsUnsupported { openapi: String },

    #[error(
        "Qualytics accepted the change to anomaly {id} but answered with {got}, not {expected}; the write may not have applied: refresh the anomaly and retry"
    )]
    WriteNotApplied {
        id: u64,
        expected: String,
        got: String,
    },
}

fn rate_limited(url: &str, retry_after: Option<Duration>) -> String {
    let when = match retry_after {
        Some(d) => format!("retry after {} s", d.as_secs()),
        None => "retry later (no Retry-After given)".to_owned(),
    };
    format!(
        "Qualytics is rate-limiting requests to {url} (429); {when}: snowlink backs off, or lower the source's poll frequency (poll_secs)"
    )
}

impl QualyticsError {
    /// Worth retrying later with backoff (429, 5xx, timeouts, connection and cut-off answers).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            QualyticsError::RateLimited { .. }
                | QualyticsError::Server { .. }
                | QualyticsError::Timeout { .. }
                | QualyticsError::Connect { .. }
                | QualyticsError::Malformed { .. }
                | QualyticsError::RepeatedPage { .. }
        )
    }

    /// The server's requested wait, for 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            QualyticsError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
