//! How a worker behaves: parallelism, lease, backoff, and who it is.

use std::time::Duration;

use serde::Serialize;

use crate::config::Profile;

use super::backoff::Backoff;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkerOptions {
    /// Requests in flight at once, across incidents (one per incident queue at most).
    pub max_in_flight: usize,
    /// How long a claim is held without renewal. At least twice the client timeout; renewed
    /// every third of it while the delivery is in flight.
    pub lease: Duration,
    /// Unique per process (see [`new_owner_id`]); leases are held in this name.
    pub owner: String,
    pub backoff: Backoff,
    /// Refuse every write: nothing is sent, deliveries stay pending.
    pub read_only: bool,
    /// Recorded as `linked_by` on the links a create makes.
    pub user: String,
    /// `watch`: how often to look for deliveries other processes enqueued, and to probe a
    /// paused instance.
    pub poll_interval: Duration,
    /// `run_once`: the longest it sleeps for a retry, a rate-limit window or another process's
    /// expired lease; anything due later is reported as waiting.
    pub once_max_wait: Duration,
    /// `run_once`: the overall deadline. Past it nothing more is claimed, what is in flight
    /// finishes (each request has its own deadline), and the report lists what is left.
    pub once_deadline: Duration,
}

/// How long `sync --once` may run in all, unless configured (`once_deadline_secs`,
/// `--deadline`).
pub const DEFAULT_ONCE_DEADLINE: Duration = Duration::from_secs(300);

/// The smallest lease: short leases mean quick takeover after a crash, but a lease must
/// outlive a store write under contention.
pub const MIN_LEASE: Duration = Duration::from_secs(2);

impl WorkerOptions {
    /// Defaults for a client with `timeout` per request: lease = 2 × timeout (at least
    /// [`MIN_LEASE`]), backoff 1 s doubling to 5 min, poll every 60 s, `run_once` waits up to 30 s.
    pub fn new(max_in_flight: usize, timeout: Duration) -> WorkerOptions {
        WorkerOptions {
            max_in_flight: max_in_flight.max(1),
            lease: lease_for(timeout),
            owner: new_owner_id(),
            backoff: Backoff::default(),
            read_only: false,
            user: "snowlink".into(),
            poll_interval: Duration::from_secs(60),
            once_max_wait: Duration::from_secs(30),
            once_deadline: DEFAULT_ONCE_DEADLINE,
        }
    }

    /// Options for an instance profile (max_in_flight, timeout, read_only, poll_interval).
    pub fn for_profile(profile: &Profile, user: &str) -> WorkerOptions {
        WorkerOptions {
            read_only: profile.read_only,
            user: user.to_string(),
            poll_interval: profile.poll_interval.unwrap_or(Duration::from_secs(60)),
            once_deadline: profile.once_deadline,
            ..WorkerOptions::new(profile.max_in_flight, profile.timeout)
        }
    }
}

/// Twice the request timeout, never below [`MIN_LEASE`].
pub fn lease_for(timeout: Duration) -> Duration {
    timeout.saturating_mul(2).max(MIN_LEASE)
}

/// `<host>:<pid>:<random>`: unique per process, readable in `outbox list`; the host is the
/// kernel's hostname, so a dead owner on this host is recognised (docs/store.md).
pub fn new_owner_id() -> String {
    crate::store::new_owner_id()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn lease_is_at_least_twice_the_timeout() {
        assert_eq!(lease_for(Duration::from_secs(30)), Duration::from_secs(60));
        assert_eq!(lease_for(Duration::from_millis(200)), MIN_LEASE);
        let o = WorkerOptions::new(0, Duration::from_secs(10));
        assert_eq!(o.max_in_flight, 1);
        assert!(o.lease >= Duration::from_secs(20));
    }

    #[test]
    fn owner_ids_differ() {
        let a = new_owner_id();
        let b = new_owner_id();
        assert_ne!(a, b);
        assert!(a.contains(&std::process::id().to_string()));
    }
}
