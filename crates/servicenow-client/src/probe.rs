//! `snowlink doctor`: one request that tells what is wrong with the connection, if anything.

use crate::client::Client;
use crate::error::{ConnectKind, Error, UnavailableKind};
use crate::query::Query;
use crate::table::{DisplayValue, ListParams};

/// What the probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeFinding {
    /// ServiceNow answered and accepted the credentials.
    Ok,
    /// HTML, a 404 without the JSON envelope, a redirect: not a ServiceNow Table API.
    NotServiceNow,
    Dns,
    Tls,
    Refused,
    /// Timeout, reset or another transport failure.
    Unreachable,
    Hibernating,
    Unauthorized,
    /// 403: the user lacks a role (or a REST API ACL blocks it).
    MissingRole,
    RateLimited,
    /// 5xx or an overloaded instance.
    ServerError,
    Other,
}

#[derive(Debug)]
pub struct ProbeReport {
    pub finding: ProbeFinding,
    pub base_url: String,
    /// The signed-in user's `user_name` / full `name`, when its record was readable.
    pub user_name: Option<String>,
    pub name: Option<String>,
    pub error: Option<Error>,
}

impl ProbeReport {
    pub fn is_ok(&self) -> bool {
        self.finding == ProbeFinding::Ok
    }

    /// One actionable line for `doctor`.
    pub fn line(&self) -> String {
        match (&self.error, &self.user_name) {
            (Some(e), _) => e.to_string(),
            (None, Some(u)) => format!(
                "{} answers as ServiceNow; signed in as {u}{}",
                self.base_url,
                self.name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            ),
            (None, None) => format!(
                "{} answers as ServiceNow and accepts the credentials, but the user's sys_user \
                 record is not readable; grant a role that can read sys_user (e.g. itil)",
                self.base_url
            ),
        }
    }
}

fn finding_of(e: &Error) -> ProbeFinding {
    match e {
        Error::Unavailable {
            kind: UnavailableKind::Hibernating,
            ..
        } => ProbeFinding::Hibernating,
        Error::Unavailable {
            kind:
                UnavailableKind::Empty202 | UnavailableKind::EmptyBody | UnavailableKind::MissingResult,
            status,
            ..
        } if *status >= 500 || *status == 202 => ProbeFinding::ServerError,
        Error::Unavailable { status, kind, .. }
            if *status >= 500
                && matches!(kind, UnavailableKind::Html | UnavailableKind::NonJson) =>
        {
            ProbeFinding::ServerError
        }
        Error::Unavailable { .. }
        | Error::ResponseTooLarge { .. }
        | Error::UnexpectedAnswer { .. }
        | Error::Paging { .. } => ProbeFinding::NotServiceNow,
        // Status unknown, but the fix is the one for a 401 (see `Error::category`).
        Error::HeadersTooLarge { .. } => ProbeFinding::Unauthorized,
        Error::Connect { kind, .. } => match kind {
            ConnectKind::Dns => ProbeFinding::Dns,
            ConnectKind::Tls => ProbeFinding::Tls,
            ConnectKind::Refused => ProbeFinding::Refused,
            ConnectKind::NotTls => ProbeFinding::Tls,
            ConnectKind::Reset | ConnectKind::Other => ProbeFinding::Unreachable,
        },
        Error::Timeout { .. } => ProbeFinding::Unreachable,
        Error::Auth { .. } => ProbeFinding::Unauthorized,
        Error::Permission { .. } => ProbeFinding::MissingRole,
        Error::RateLimited { .. } => ProbeFinding::RateLimited,
        Error::Server { .. } => ProbeFinding::ServerError,
        _ => ProbeFinding::Other,
    }
}

impl Client {
    /// `GET /api/now/table/sys_user?sysparm_query=user_name=<me>&sysparm_limit=1` and classify.
    pub async fn probe(&self) -> ProbeReport {
        let query = match self.username() {
            Some(u) => Query::new().eq("user_name", u),
            None => Query::new().raw("sys_id=javascript:gs.getUserID()"),
        };
        let params = ListParams::new()
            .query(query)
            .fields(&["sys_id", "user_name", "name"])
            .limit(1)
            .display(DisplayValue::False)
            .exclude_reference_link(true);
        let base_url = self.base_url().to_string();
        match self.list("sys_user", &params).await {
            Ok(page) => {
                let rec = page.records.first();
                ProbeReport {
                    finding: ProbeFinding::Ok,
                    base_url,
                    user_name: rec.map(|r| r.str("user_name").to_string()),
                    name: rec.map(|r| r.str("name").to_string()),
                    error: None,
                }
            }
            Err(e) => ProbeReport {
                finding: finding_of(&e),
                base_url,
                user_name: None,
                name: None,
                error: Some(e),
            },
        }
    }
}
