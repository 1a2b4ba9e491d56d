//! One-line `Display` for [`Error`]: the cause, ServiceNow's own words, and the fix.

use std::fmt;

use crate::error::{AuthKind, ConnectKind, Error, PagingStop, PermissionKind, UnavailableKind};

/// `message: detail` or `message` alone (detail may be null or repeat nothing useful).
fn sn(message: &str, detail: &Option<String>) -> String {
    let msg = if message.is_empty() {
        "no message"
    } else {
        message
    };
    match detail.as_deref().map(one_line) {
        Some(d) if !d.is_empty() => format!("{} ({d})", one_line(msg)),
        _ => one_line(msg),
    }
}

/// `16 MiB`, `64 KiB` or `1234 bytes`: caps are stated the way they are configured.
fn human_bytes(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

/// Display stays on one line: ServiceNow details contain `\n\t`.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Auth {
                kind: AuthKind::Rejected,
                url,
                status,
                message,
                detail,
            } => write!(
                f,
                "{status} from {url}: {}; check username/password (or the OAuth user); account \
                 locked, password expired, or basic auth restricted for this user (use a \
                 web_service_access_only user or OAuth)?",
                sn(message, detail)
            ),
            Error::Auth {
                kind: AuthKind::TokenRequest,
                url,
                status,
                message,
                detail,
            } => write!(
                f,
                "{status} from {url}: OAuth token refused ({}); check client_id/client_secret and \
                 username/password, and that the grant (password or client_credentials) is \
                 enabled on the instance",
                sn(message, detail)
            ),
            Error::Permission {
                kind,
                url,
                message,
                detail,
            } => {
                let fix = match kind {
                    PermissionKind::Acl => {
                        "an ACL denies this to the user; grant a role that allows it (itil for \
                         incidents)"
                    }
                    PermissionKind::DataPolicy => {
                        "a data policy requires fields; set the mandatory fields in the same update"
                    }
                    PermissionKind::UnreadableQueryField => {
                        "a field in the query is unknown or unreadable for this user; fix the \
                         query or grant read access"
                    }
                    PermissionKind::ApiAcl => {
                        "a REST API ACL blocks this user; ask an admin for the role that ACL \
                         requires"
                    }
                    PermissionKind::Other => "check the user's roles",
                };
                write!(f, "403 from {url}: {}; {fix}", sn(message, detail))
            }
            Error::NotFound {
                url,
                message,
                detail,
            } => write!(
                f,
                "404 from {url}: {}; the record does not exist or an ACL hides it from this user",
                sn(message, detail)
            ),
            Error::RateLimited {
                url,
                message,
                detail,
                limit,
                rule,
                ..
            } => {
                write!(f, "429 from {url}: {}; rate limited", sn(message, detail))?;
                if let Some(l) = limit {
                    write!(f, " (limit {l} per hour")?;
                    if let Some(r) = rule {
                        write!(f, ", rule {r}")?;
                    }
                    write!(f, ")")?;
                }
                match self.retry_after() {
                    Some(d) => write!(f, "; retry after {}s", d.as_secs()),
                    None => write!(f, "; retry later or ask an admin to raise the rate limit"),
                }
            }
            Error::Unavailable {
                kind,
                url,
                status,
                snippet,
                ..
            } => {
                let res = match kind {
                    UnavailableKind::Hibernating => write!(
                        f,
                        "{status} from {url}: the instance is hibernating; wake it from the developer \
                     portal (developer.servicenow.com) and retry"
                    ),
                    UnavailableKind::Html => write!(
                        f,
                        "{status} from {url}: HTML instead of JSON ({snippet}); wrong instance url, \
                     an SSO login page, or a proxy/load-balancer error page?"
                    ),
                    UnavailableKind::NonJson => write!(
                        f,
                        "{status} from {url}: response is not JSON ({snippet}); wrong instance url or \
                     a proxy in the way?"
                    ),
                    UnavailableKind::Empty202 => write!(
                        f,
                        "202 with an empty body from {url}: ServiceNow queued the request (session \
                     overloaded); retry later"
                    ),
                    UnavailableKind::EmptyBody => write!(
                        f,
                        "{status} with an empty body from {url}: instance unavailable; retry later"
                    ),
                    UnavailableKind::MissingResult => write!(
                        f,
                        "{status} from {url}: JSON without a usable \"result\" ({snippet}); not the \
                     ServiceNow Table API? check the instance url"
                    ),
                    UnavailableKind::Redirect => write!(
                        f,
                        "{status} redirect from {url} to {snippet}: SSO login or wrong url; use the \
                     instance's direct https url and an API-enabled account"
                    ),
                    UnavailableKind::NotServiceNow => write!(
                        f,
                        "{status} from {url} without ServiceNow's JSON error ({snippet}): not a \
                     ServiceNow instance or a wrong path; check the instance url"
                    ),
                };
                res?;
                match self.retry_after() {
                    Some(d) => write!(f, " (the server asks to retry after {}s)", d.as_secs()),
                    None => Ok(()),
                }
            }
            Error::Server {
                url,
                status,
                message,
                detail,
                ..
            } => {
                write!(
                    f,
                    "{status} from {url}: {}; ServiceNow server error, retry later",
                    sn(message, detail)
                )?;
                match self.retry_after() {
                    Some(d) => write!(f, " (the server asks to retry after {}s)", d.as_secs()),
                    None => Ok(()),
                }
            }
            Error::Timeout { url, after, .. } => write!(
                f,
                "no response from {url} within {}s: instance slow or unreachable; retry later or \
                 raise timeout_secs",
                after.as_secs_f32()
            ),
            Error::Connect {
                kind, url, cause, ..
            } => match kind {
                ConnectKind::Dns => write!(
                    f,
                    "cannot resolve the host of {url} ({cause}); check the instance url and your \
                     DNS/proxy settings"
                ),
                ConnectKind::Tls => write!(
                    f,
                    "TLS with {url} failed ({cause}); certificate not trusted or wrong host; set \
                     ca_file to your corporate CA bundle if a proxy re-signs traffic"
                ),
                ConnectKind::Refused => write!(
                    f,
                    "connection refused by {url}; nothing listens there: check host and port"
                ),
                ConnectKind::NotTls => write!(
                    f,
                    "not TLS: {url} answered in plain text where a TLS handshake was expected \
                     ({cause}); wrong port or scheme? use the instance's https port, or http:// \
                     for a local emulator"
                ),
                ConnectKind::Reset => write!(
                    f,
                    "connection to {url} was reset or closed ({cause}); network or proxy dropped \
                     it, retry"
                ),
                ConnectKind::Other => write!(
                    f,
                    "cannot talk to {url} ({cause}); check network and proxy settings"
                ),
            },
            Error::InvalidRequest {
                url,
                status,
                message,
                detail,
            } => write!(
                f,
                "{status} from {url}: {}; ServiceNow rejected the request as invalid",
                sn(message, detail)
            ),
            Error::ResponseTooLarge {
                url, status, limit, ..
            } => write!(
                f,
                "{status} from {url}: the answer is larger than the {} response cap, so reading \
                 stopped; a Table API page is far smaller: check the instance url (not \
                 ServiceNow?), ask for fewer rows or fields, or raise max_response_bytes",
                human_bytes(*limit)
            ),
            Error::UnexpectedAnswer {
                url,
                status,
                write,
                problem,
            } => {
                write!(
                    f,
                    "{status} from {url}: {problem}; the server does not behave like ServiceNow \
                     (a stub, proxy or wrong instance url?)"
                )?;
                if *write {
                    f.write_str(
                        "; the write is not counted as delivered and will be checked and retried",
                    )?;
                }
                Ok(())
            }
            Error::Paging {
                url,
                stop,
                requests,
                records,
            } => {
                match stop {
                    PagingStop::RepeatedPage { offset } => write!(
                        f,
                        "paging {url} stopped: the page at offset {offset} repeated records of \
                         earlier pages, so the server ignores sysparm_offset and does not behave \
                         like ServiceNow (check the instance url)"
                    ),
                    PagingStop::RecordCap { cap, reported } => {
                        write!(f, "paging {url} stopped at the cap of {cap} records")?;
                        if let Some(total) = reported {
                            write!(f, " (the server reports {total} matching)")?;
                        }
                        f.write_str("; narrow the query or raise max_list_records")
                    }
                    PagingStop::RequestCap { cap } => write!(
                        f,
                        "paging {url} stopped at the cap of {cap} requests; narrow the query, use \
                         a larger page, or raise max_list_requests"
                    ),
                }?;
                write!(f, " ({requests} requests made, {records} records read)")
            }
            Error::HeadersTooLarge { url, .. } => write!(
                f,
                "the answer from {url} has response headers too large to read (over 100 \
                 headers or about 400 KiB), so its status is unknown; ServiceNow never sends \
                 that, an SSO or authentication gateway does (e.g. a 401 with huge cookies or \
                 challenges): check username/password and that the url reaches the instance \
                 directly"
            ),
            Error::InsecureUrl { url } => write!(
                f,
                "refusing {url}: HTTPS is required except for loopback hosts (127.0.0.0/8, ::1, \
                 localhost); use https://"
            ),
            Error::Config { message } => f.write_str(message),
            Error::Query(e) => write!(f, "invalid query: {e}"),
        }
    }
}
