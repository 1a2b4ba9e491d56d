#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use rand::SeedableRng;
use servicenow_client::{AuthKind, ConnectKind, Error, PermissionKind, UnavailableKind};

use super::*;

const URL: &str = "https://acme.service-now.com/api/now/table/incident/x";

fn sn_error(status: u16) -> Error {
    let (url, message, detail) = (URL.to_string(), "m".to_string(), None);
    match status {
        400 => Error::InvalidRequest {
            url,
            status,
            message,
            detail,
        },
        401 => Error::Auth {
            kind: AuthKind::Rejected,
            url,
            status,
            message,
            detail,
        },
        403 => Error::Permission {
            kind: PermissionKind::Acl,
            url,
            message,
            detail,
        },
        404 => Error::NotFound {
            url,
            message,
            detail,
        },
        _ => Error::Server {
            url,
            status,
            message,
            detail,
            write: true,
            retry_after: None,
        },
    }
}

fn rate_limited(retry_after: Option<u64>, reset_in: Option<i64>) -> Error {
    Error::RateLimited {
        url: URL.into(),
        retry_after: retry_after.map(Duration::from_secs),
        reset_at: reset_in.map(|s| jiff::Timestamp::now().as_second() + s),
        limit: Some(100),
        rule: None,
        message: "Rate limit exceeded".into(),
        detail: None,
    }
}

fn unavailable(kind: UnavailableKind, status: u16) -> Error {
    Error::Unavailable {
        kind,
        url: URL.into(),
        status,
        write: true,
        snippet: String::new(),
        retry_after: None,
    }
}

fn connect(kind: ConnectKind, sent: bool) -> Error {
    Error::Connect {
        kind,
        url: URL.into(),
        sent,
        write: true,
        cause: "x".into(),
    }
}

fn backoff() -> Backoff {
    Backoff {
        base: Duration::from_secs(2),
        cap: Duration::from_secs(60),
    }
}

fn run(e: &Error, attempt: u32) -> Action {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    classify(e, attempt, &backoff(), &mut rng)
}

/// Ok(Some((outcome_unknown, instance_wide, unreachable))) for a retry, Err(action) otherwise.
type Expect = Result<Option<(bool, bool, bool)>, Action>;

#[test]
fn every_error_class_maps_to_its_action() {
    let retry = |u, w, r| Some((u, w, r));
    let table: Vec<(&str, Error, Expect)> = vec![
        ("400", sn_error(400), Err(Action::Dead)),
        ("401", sn_error(401), Err(Action::Pause(PauseCause::Auth))),
        (
            "403 acl",
            sn_error(403),
            Err(Action::Pause(PauseCause::Permission)),
        ),
        (
            "403 data policy",
            Error::Permission {
                kind: PermissionKind::DataPolicy,
                url: URL.into(),
                message: "m".into(),
                detail: None,
            },
            Err(Action::Dead),
        ),
        ("404", sn_error(404), Err(Action::Failed)),
        ("500 write", sn_error(500), Ok(retry(true, false, false))),
        ("503 json", sn_error(503), Ok(retry(true, true, false))),
        (
            "429",
            rate_limited(Some(3), None),
            Ok(retry(false, true, false)),
        ),
        (
            "503 html",
            unavailable(UnavailableKind::Html, 503),
            Ok(retry(true, true, false)),
        ),
        (
            "hibernating",
            unavailable(UnavailableKind::Hibernating, 200),
            Ok(retry(false, true, true)),
        ),
        (
            "empty 202",
            unavailable(UnavailableKind::Empty202, 202),
            Ok(retry(true, true, false)),
        ),
        (
            "login page",
            unavailable(UnavailableKind::Html, 200),
            Err(Action::Pause(PauseCause::Unreachable)),
        ),
        (
            "redirect",
            unavailable(UnavailableKind::Redirect, 302),
            Err(Action::Pause(PauseCause::Unreachable)),
        ),
        (
            "tls",
            connect(ConnectKind::Tls, false),
            Err(Action::Pause(PauseCause::Unreachable)),
        ),
        (
            "refused",
            connect(ConnectKind::Refused, false),
            Ok(retry(false, true, true)),
        ),
        (
            "dns",
            connect(ConnectKind::Dns, false),
            Ok(retry(false, true, true)),
        ),
        (
            "reset after send",
            connect(ConnectKind::Reset, true),
            Ok(retry(true, false, false)),
        ),
        (
            "timeout after send",
            Error::Timeout {
                url: URL.into(),
                after: Duration::from_secs(30),
                sent: true,
                write: true,
            },
            Ok(retry(true, true, false)),
        ),
        (
            "connect timeout",
            Error::Timeout {
                url: URL.into(),
                after: Duration::from_secs(10),
                sent: false,
                write: true,
            },
            Ok(retry(false, true, true)),
        ),
        (
            "config",
            Error::Config {
                message: "bad".into(),
            },
            Err(Action::Pause(PauseCause::Unreachable)),
        ),
    ];
    for (name, e, want) in table {
        let got = run(&e, 1);
        match want {
            Err(action) => assert_eq!(got, action, "{name}"),
            Ok(Some((u, w, r))) => match got {
                Action::Retry {
                    outcome_unknown,
                    instance_wide,
                    unreachable,
                    ..
                } => {
                    assert_eq!(
                        (outcome_unknown, instance_wide, unreachable),
                        (u, w, r),
                        "{name}"
                    )
                }
                other => panic!("{name}: expected a retry, got {other:?}"),
            },
            Ok(None) => unreachable!(),
        }
    }
}

fn after(a: Action) -> Duration {
    match a {
        Action::Retry { after, .. } => after,
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[test]
fn retry_after_wins_over_backoff() {
    assert_eq!(
        after(run(&rate_limited(Some(7), None), 9)),
        Duration::from_secs(7)
    );
    // Retry-After beats X-RateLimit-Reset.
    assert_eq!(
        after(run(&rate_limited(Some(7), Some(100)), 1)),
        Duration::from_secs(7)
    );
}

#[test]
fn rate_limit_reset_is_waited_for() {
    let d = after(run(&rate_limited(None, Some(120)), 1));
    assert!(
        d >= Duration::from_secs(118) && d <= Duration::from_secs(120),
        "{d:?}"
    );
    // A reset in the past means "now".
    assert_eq!(after(run(&rate_limited(None, Some(-5)), 1)), Duration::ZERO);
    // Capped at an hour.
    assert_eq!(
        after(run(&rate_limited(Some(90_000), None), 1)),
        MAX_SERVER_WAIT
    );
}

#[test]
fn rate_limit_without_headers_backs_off() {
    for attempt in 1..=8 {
        let d = after(run(&rate_limited(None, None), attempt));
        let c = backoff().ceiling(attempt);
        assert!(d >= c / 2 && d <= c, "attempt {attempt}: {d:?}");
    }
}

#[test]
fn server_errors_back_off_exponentially_up_to_the_cap() {
    let first = after(run(&sn_error(500), 1));
    assert!(first <= Duration::from_secs(2));
    let late = after(run(&sn_error(500), 30));
    assert!(
        late >= Duration::from_secs(30) && late <= Duration::from_secs(60),
        "{late:?}"
    );
}

#[test]
fn a_503_with_retry_after_waits_as_asked() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let backoff = Backoff::default();
    let json_503 = Error::Server {
        url: URL.into(),
        status: 503,
        message: "m".into(),
        detail: None,
        write: true,
        retry_after: Some(Duration::from_secs(42)),
    };
    let html_503 = Error::Unavailable {
        kind: UnavailableKind::Html,
        url: URL.into(),
        status: 503,
        write: true,
        snippet: "down for maintenance".into(),
        retry_after: Some(Duration::from_secs(42)),
    };
    for e in [json_503, html_503] {
        match classify(&e, 1, &backoff, &mut rng) {
            Action::Retry { after, .. } => assert_eq!(after, Duration::from_secs(42), "{e}"),
            other => panic!("{other:?}"),
        }
    }
}
