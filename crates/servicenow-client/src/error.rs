//! The client's error type: one variant per cause an operator or the outbox must tell apart.
//!
//! Every variant carries the request URL (never credentials: the client never puts them in URLs)
//! and, when ServiceNow sent one, its own `message`/`detail`. `Display` is one line: cause + fix.

use std::time::Duration;

use crate::query::QueryError;

/// Which 403 it was, split on ServiceNow's message/detail prefix (reference §6, §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionKind {
    /// `ACL Exception Insert|Update|Delete Failed due to security constraints`.
    Acl,
    /// `Data Policy Exception: ... mandatory ...`.
    DataPolicy,
    /// `Insufficient rights to query records`: unknown or unreadable field in the query.
    UnreadableQueryField,
    /// `User Not Authorized` / `Failed API level ACL Validation`.
    ApiAcl,
    Other,
}

/// Why a response could not be used although the server answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnavailableKind {
    /// The developer-instance hibernation page.
    Hibernating,
    /// An HTML page (SSO login, load balancer or proxy error page).
    Html,
    /// A body that is neither JSON nor HTML.
    NonJson,
    /// 202 with an empty body: the session's request queue overflowed.
    Empty202,
    /// Any other empty body where JSON was expected.
    EmptyBody,
    /// JSON without `result` (or with a `result` of the wrong type).
    MissingResult,
    /// A 3xx: SSO or a wrong URL (redirects are never followed, so credentials stay put).
    Redirect,
    /// A 404 without ServiceNow's JSON error envelope: not a ServiceNow Table API.
    NotServiceNow,
}

/// Transport failure classes; DNS, TLS and refused mean the request was never sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectKind {
    Dns,
    Tls,
    Refused,
    /// Connection reset or closed (possibly mid-response).
    Reset,
    /// An `https://` URL answered in plain text (an HTTP port, or `http://` meant): no TLS at all.
    NotTls,
    Other,
}

/// Why `list_all` stopped before the server said it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingStop {
    /// The page at `offset` held only records earlier pages already had: the server ignores
    /// `sysparm_offset`, so paging on would repeat the same page for ever.
    RepeatedPage { offset: u64 },
    /// More than `cap` records (`reported` is `X-Total-Count` when the server sent it).
    RecordCap { cap: usize, reported: Option<u64> },
    /// More than `cap` requests would be needed.
    RequestCap { cap: u32 },
}

/// Which authentication step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// The API answered 401 to our credentials (basic) or to a freshly obtained token (OAuth).
    Rejected,
    /// `/oauth_token.do` refused to issue a token.
    TokenRequest,
}

/// Broad classes for exit codes and status lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCategory {
    Auth,
    Permission,
    NotFound,
    RateLimited,
    Unavailable,
    Invalid,
    Config,
}

impl ErrorCategory {
    /// The CLI exit code DESIGN.md assigns: 3 auth/permission, 4 unreachable or unavailable
    /// (rate limits included), 5 not found, 2 config, 1 anything else.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorCategory::Auth | ErrorCategory::Permission => 3,
            ErrorCategory::Unavailable | ErrorCategory::RateLimited => 4,
            ErrorCategory::NotFound => 5,
            ErrorCategory::Config => 2,
            ErrorCategory::Invalid => 1,
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    Auth {
        kind: AuthKind,
        url: String,
        status: u16,
        message: String,
        detail: Option<String>,
    },
    Permission {
        kind: PermissionKind,
        url: String,
        message: String,
        detail: Option<String>,
    },
    NotFound {
        url: String,
        message: String,
        detail: Option<String>,
    },
    RateLimited {
        url: String,
        retry_after: Option<Duration>,
        /// `X-RateLimit-Reset`, unix seconds.
        reset_at: Option<i64>,
        limit: Option<u64>,
        rule: Option<String>,
        message: String,
        detail: Option<String>,
    },
    Unavailable {
        kind: UnavailableKind,
        url: String,
        status: u16,
        /// True when the request was a write (POST/PATCH/PUT/DELETE).
        write: bool,
        /// A short, single-line excerpt of what came back (or the redirect target).
        snippet: String,
        /// `Retry-After` on a 503 (maintenance, overload), when the server sent one.
        retry_after: Option<Duration>,
    },
    Server {
        url: String,
        status: u16,
        message: String,
        detail: Option<String>,
        write: bool,
        /// `Retry-After` on a 503, when the server sent one.
        retry_after: Option<Duration>,
    },
    Timeout {
        url: String,
        after: Duration,
        /// False only when the timeout hit while connecting (nothing was sent).
        sent: bool,
        write: bool,
    },
    Connect {
        kind: ConnectKind,
        url: String,
        /// True when the connection broke after the request may have been written.
        sent: bool,
        write: bool,
        cause: String,
    },
    InvalidRequest {
        url: String,
        status: u16,
        message: String,
        detail: Option<String>,
    },
    /// The body grew past `max_response_bytes` while it was read (or `Content-Length` said so).
    ResponseTooLarge {
        url: String,
        status: u16,
        write: bool,
        limit: usize,
    },
    /// The server answered, but not the way ServiceNow does: a write answered without the target
    /// record, a lookup answered with another record, a field value that is not a string.
    UnexpectedAnswer {
        url: String,
        status: u16,
        write: bool,
        /// What was wrong, for the message.
        problem: String,
    },
    /// `list_all` stopped early; `requests` were made and `records` gathered so far.
    Paging {
        url: String,
        stop: PagingStop,
        requests: u32,
        records: usize,
    },
    /// The response head exceeded what the HTTP layer parses (100 headers or about 400 KiB), so
    /// its status could not be read.
    HeadersTooLarge {
        url: String,
        write: bool,
    },
    InsecureUrl {
        url: String,
    },
    Config {
        message: String,
    },
    Query(#[from] QueryError),
}

impl Error {
    /// Worth retrying later without changing anything (the outbox backs off or waits).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Server { .. } | Error::Timeout { .. } => true,
            // A write answered oddly may have applied: retrying reads back first.
            Error::UnexpectedAnswer { write, .. } | Error::ResponseTooLarge { write, .. } => *write,
            Error::Connect { kind, .. } => !matches!(kind, ConnectKind::Tls | ConnectKind::NotTls),
            Error::Unavailable { kind, status, .. } => match kind {
                UnavailableKind::Hibernating
                | UnavailableKind::Empty202
                | UnavailableKind::EmptyBody
                | UnavailableKind::MissingResult => true,
                // A 5xx error page from a proxy is transient; a 2xx HTML page is a login wall.
                UnavailableKind::Html | UnavailableKind::NonJson => *status >= 500,
                UnavailableKind::Redirect | UnavailableKind::NotServiceNow => false,
            },
            _ => false,
        }
    }

    /// How long the server asked us to wait: `Retry-After`, else until `X-RateLimit-Reset`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited {
                retry_after,
                reset_at,
                ..
            } => retry_after.or_else(|| {
                let now = jiff::Timestamp::now().as_second();
                reset_at.map(|r| Duration::from_secs(u64::try_from(r - now).unwrap_or(0)))
            }),
            Error::Server { retry_after, .. } | Error::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// True when a write may have taken effect although we got no success: the outbox must read
    /// the incident back before resending. False when the request certainly did not apply
    /// (never sent, or refused with a 4xx) or was a read.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Timeout { sent, write, .. } | Error::Connect { sent, write, .. } => {
                *sent && *write
            }
            Error::Server { write, .. } => *write,
            // The server took the request and answered something we cannot trust.
            Error::UnexpectedAnswer { write, .. } => *write,
            Error::ResponseTooLarge { write, status, .. } => *write && !(400..500).contains(status),
            Error::HeadersTooLarge { write, .. } => *write,
            Error::Unavailable {
                kind,
                write,
                status,
                ..
            } => {
                *write
                    && match kind {
                        // The hibernation page and redirects come from in front of the instance.
                        UnavailableKind::Hibernating
                        | UnavailableKind::Redirect
                        | UnavailableKind::NotServiceNow => false,
                        UnavailableKind::Html | UnavailableKind::NonJson => {
                            *status >= 500 || (200..300).contains(status)
                        }
                        UnavailableKind::Empty202
                        | UnavailableKind::EmptyBody
                        | UnavailableKind::MissingResult => true,
                    }
            }
            _ => false,
        }
    }

    pub fn category(&self) -> ErrorCategory {
        match self {
            Error::Auth { .. } => ErrorCategory::Auth,
            Error::Permission { .. } => ErrorCategory::Permission,
            Error::NotFound { .. } => ErrorCategory::NotFound,
            Error::RateLimited { .. } => ErrorCategory::RateLimited,
            // Oversized heads come from SSO/auth gateways (huge cookies or challenges), never
            // from ServiceNow itself; the fix is the account or the URL, as for a 401.
            Error::HeadersTooLarge { .. } => ErrorCategory::Auth,
            Error::Unavailable { .. }
            | Error::Server { .. }
            | Error::Timeout { .. }
            | Error::Connect { .. }
            | Error::ResponseTooLarge { .. } => ErrorCategory::Unavailable,
            // docs/json-output.md: an unexpected ServiceNow answer is exit 1.
            Error::InvalidRequest { .. }
            | Error::Query(_)
            | Error::UnexpectedAnswer { .. }
            | Error::Paging { .. } => ErrorCategory::Invalid,
            Error::InsecureUrl { .. } | Error::Config { .. } => ErrorCategory::Config,
        }
    }

    /// HTTP status when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. }
            | Error::Unavailable { status, .. }
            | Error::Server { status, .. }
            | Error::ResponseTooLarge { status, .. }
            | Error::UnexpectedAnswer { status, .. }
            | Error::InvalidRequest { status, .. } => Some(*status),
            Error::Permission { .. } => Some(403),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// ServiceNow's own `error.message`, when there was one.
    pub fn servicenow_message(&self) -> Option<&str> {
        match self {
            Error::Auth { message, .. }
            | Error::Permission { message, .. }
            | Error::NotFound { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Server { message, .. }
            | Error::InvalidRequest { message, .. } => Some(message),
            _ => None,
        }
    }
}
