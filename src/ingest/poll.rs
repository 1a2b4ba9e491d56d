//! One poll of an API source, as the drivers hand it to the ingester, and when the next poll is
//! due: the source's own period after a success; after a failure, backoff doubling from the period
//! (or the server's `Retry-After`) up to a ceiling — a rate-limited or broken service is never
//! hammered, and recovery is noticed within the ceiling.

use std::time::Duration;

use crate::domain::Anomaly;

use super::error::IngestError;

/// What a driver read in one poll.
#[derive(Debug, Clone, Default)]
pub struct PollResult {
    /// New, changed and still-open anomalies (unchanged ones cost one indexed read each).
    pub anomalies: Vec<Anomaly>,
    /// Ids the source resolved (an alert that ended, a deleted Qualytics anomaly).
    pub resolved: Vec<String>,
    /// Records skipped as malformed.
    pub problems: usize,
    /// HTTP requests the poll sent.
    pub requests: u32,
}

/// A poll and the state to keep for the next one.
#[derive(Debug, Clone)]
pub struct Polled {
    pub result: PollResult,
    /// The driver's cursor as JSON (empty: the driver keeps none).
    pub cursor: String,
    /// The write-back actions the source accepts.
    pub capabilities: Vec<String>,
}

/// The longest wait between attempts at a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

/// When to try again after `failures` failures in a row (1 for the first).
pub fn backoff(period: Duration, failures: u32, error: &IngestError) -> Duration {
    if let Some(after) = error.retry_after() {
        return after.clamp(Duration::from_secs(1), MAX_BACKOFF);
    }
    // A permanent error (bad token, bad URL) is retried too, slowly: someone may fix it.
    let base = if error.transient() {
        period
    } else {
        period.max(Duration::from_secs(60))
    };
    let exp = failures.saturating_sub(1).min(16);
    base.saturating_mul(1u32 << exp).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(transient: bool, retry_after: Option<Duration>) -> IngestError {
        IngestError::Remote {
            source_name: "q".into(),
            message: "x".into(),
            transient,
            retry_after,
        }
    }

    #[test]
    fn backoff_doubles_to_a_ceiling_and_honours_retry_after() {
        let p = Duration::from_secs(15);
        assert_eq!(backoff(p, 1, &remote(true, None)), p);
        assert_eq!(backoff(p, 3, &remote(true, None)), p * 4);
        assert_eq!(backoff(p, 30, &remote(true, None)), MAX_BACKOFF);
        assert_eq!(
            backoff(p, 1, &remote(true, Some(Duration::from_secs(120)))),
            Duration::from_secs(120)
        );
        assert_eq!(backoff(p, 1, &remote(false, None)), Duration::from_secs(60));
    }
}
