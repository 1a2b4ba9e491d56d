//! What the outbox does with a failed attempt, decided from the client's typed error alone
//! (DESIGN §Outbox): wait and retry, pause the instance, fail (404) or dead-letter (400).

use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use servicenow_client::{ConnectKind, Error, PermissionKind, UnavailableKind};

use super::backoff::Backoff;

/// Why an instance's deliveries are stopped; decides the exit code (3 or 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseCause {
    /// 401: credentials rejected.
    Auth,
    /// 403: the user may not write (ACL, REST API ACL).
    Permission,
    /// The URL does not lead to a usable ServiceNow API (TLS failure, SSO redirect, login page,
    /// not ServiceNow, bad configuration): waiting will not fix it.
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Try again after `after`.
    Retry {
        after: Duration,
        /// The write may have applied: read back before resending.
        outcome_unknown: bool,
        /// The cause concerns the whole instance (rate limit, unreachable, overloaded): send
        /// nothing else to it before `after` has passed.
        instance_wide: bool,
        /// Nothing answered at all (refused, DNS, connect timeout, hibernating).
        unreachable: bool,
    },
    /// Stop every delivery to the instance until a probe succeeds or the user retries.
    Pause(PauseCause),
    /// 404: the record is gone or hidden; the delivery is kept as failed, its links broken.
    Failed,
    /// Rejected for good (400, data policy): kept as dead with ServiceNow's message.
    Dead,
}

/// The longest a server-requested wait is honoured as is (a `X-RateLimit-Reset` an hour away
/// is normal for hourly rules).
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(3600);

/// Decides what to do after failure number `attempt` (1 = first) of a delivery.
pub fn classify(e: &Error, attempt: u32, backoff: &Backoff, rng: &mut impl Rng) -> Action {
    let retry = |after: Duration, instance_wide: bool, unreachable: bool| Action::Retry {
        after,
        outcome_unknown: e.outcome_unknown(),
        instance_wide,
        unreachable,
    };
    let mut backoff_delay = || backoff.delay(attempt, &mut *rng);
    match e {
        Error::Auth { .. } => Action::Pause(PauseCause::Auth),
        // A data policy is about this payload (mandatory fields), not about the account.
        Error::Permission {
            kind: PermissionKind::DataPolicy,
            ..
        } => Action::Dead,
        Error::Permission { .. } => Action::Pause(PauseCause::Permission),
        Error::NotFound { .. } => Action::Failed,
        Error::InvalidRequest { .. } | Error::Query(_) => Action::Dead,
        Error::RateLimited { .. } => {
            // Retry-After, else until X-RateLimit-Reset, else (the semaphore queue is full) backoff.
            let after = e
                .retry_after()
                .map(|d| d.min(MAX_SERVER_WAIT))
                .unwrap_or_else(backoff_delay);
            retry(after, true, false)
        }
        // A 503 may say how long to wait (maintenance, overload): honour it like a 429's.
        Error::Server { status, .. } => retry(server_wait(e, backoff_delay), *status == 503, false),
        Error::Unavailable { kind, .. } if e.is_retryable() => retry(
            server_wait(e, backoff_delay),
            true,
            *kind == UnavailableKind::Hibernating,
        ),
        Error::Unavailable { .. } | Error::InsecureUrl { .. } | Error::Config { .. } => {
            Action::Pause(PauseCause::Unreachable)
        }
        Error::Timeout { sent, .. } => retry(backoff_delay(), true, !sent),
        // Answered, but not like ServiceNow (a PATCH without its record, a create without its
        // sys_id or correlation_id, a lookup returning another row, non-string values): never
        // delivered, and the next attempt reads back before it sends again.
        Error::UnexpectedAnswer { .. } => Action::Retry {
            after: backoff_delay(),
            outcome_unknown: true,
            instance_wide: false,
            unreachable: false,
        },
        // Oversized bodies and endless paging come from whatever answers for the instance, not
        // from one delivery: hold the instance back like an overloaded one.
        Error::ResponseTooLarge { .. } | Error::Paging { .. } => {
            retry(backoff_delay(), true, false)
        }
        // Heads too large to read are an SSO/auth gateway's (see `Error::category`).
        Error::HeadersTooLarge { .. } => Action::Pause(PauseCause::Auth),
        Error::Connect { kind, .. } => match kind {
            ConnectKind::Tls | ConnectKind::NotTls => Action::Pause(PauseCause::Unreachable),
            // A reset hits one connection; the next request may well go through.
            ConnectKind::Reset => retry(backoff_delay(), false, false),
            ConnectKind::Dns | ConnectKind::Refused | ConnectKind::Other => {
                retry(backoff_delay(), true, true)
            }
        },
        // A variant added to the client later: never lose the delivery, back off.
        _ => retry(backoff_delay(), false, false),
    }
}

/// The server's `Retry-After` (capped) when it sent one, else the backoff delay.
fn server_wait(e: &Error, backoff_delay: impl FnOnce() -> Duration) -> Duration {
    e.retry_after()
        .map(|d| d.min(MAX_SERVER_WAIT))
        .unwrap_or_else(backoff_delay)
}

#[cfg(test)]
#[path = "action_tests.rs"]
mod tests;

/// The client's answers-not-like-ServiceNow errors (issue 8 point 5).
#[cfg(test)]
mod hostile_answer_tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use rand::SeedableRng;
    use servicenow_client::PagingStop;

    use super::*;

    const URL: &str = "https://acme.service-now.com/api/now/table/incident/x";

    fn run(e: &Error) -> Action {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        classify(e, 1, &Backoff::default(), &mut rng)
    }

    fn retry_flags(a: &Action) -> Option<(bool, bool)> {
        match a {
            Action::Retry {
                outcome_unknown,
                instance_wide,
                ..
            } => Some((*outcome_unknown, *instance_wide)),
            _ => None,
        }
    }

    #[test]
    fn unexpected_answers_retry_with_outcome_unknown() {
        for write in [true, false] {
            let e = Error::UnexpectedAnswer {
                url: URL.into(),
                status: 200,
                write,
                problem: "the update of x was answered with an empty record".into(),
            };
            assert_eq!(retry_flags(&run(&e)), Some((true, false)), "write={write}");
        }
    }

    #[test]
    fn oversized_and_endless_answers_hold_the_instance() {
        let big = Error::ResponseTooLarge {
            url: URL.into(),
            status: 200,
            write: true,
            limit: 16 << 20,
        };
        assert_eq!(retry_flags(&run(&big)), Some((true, true)));
        let paging = Error::Paging {
            url: URL.into(),
            stop: PagingStop::RepeatedPage { offset: 1000 },
            requests: 2,
            records: 1000,
        };
        assert_eq!(retry_flags(&run(&paging)), Some((false, true)));
    }

    #[test]
    fn oversized_heads_pause_for_auth_and_plain_http_pauses_unreachable() {
        let heads = Error::HeadersTooLarge {
            url: URL.into(),
            write: true,
        };
        assert_eq!(run(&heads), Action::Pause(PauseCause::Auth));
        let plain = Error::Connect {
            kind: ConnectKind::NotTls,
            url: URL.into(),
            sent: false,
            write: true,
            cause: "received corrupt message of type InvalidContentType".into(),
        };
        assert_eq!(run(&plain), Action::Pause(PauseCause::Unreachable));
    }
}
