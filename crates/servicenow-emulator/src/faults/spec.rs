//! The `--fault SPEC` grammar (documented in docs/emulator.md):
//!
//! ```text
//! SPEC  := ITEM ("," ITEM)*
//! ITEM  := KIND | OPTION
//! KIND  := "hibernate" | "reset" | "empty-202" | "status=" CODE | "latency-ms=" MS
//!        | "reason=" ("acl-insert"|"acl-update"|"acl-delete"|"data-policy"|"query"|"api")
//!        | "edit-description"
//! OPTION:= "retry-after=" SECS | "rate-limit=" N | "html" | "count=" N | "always"
//!        | "method=" METHOD | "path=" PREFIX | "user=" USER_NAME
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which 403 body a `status=403` fault answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForbiddenReason {
    AclInsert,
    AclUpdate,
    AclDelete,
    DataPolicy,
    Query,
    Api,
}

impl ForbiddenReason {
    const ALL: [(ForbiddenReason, &'static str); 6] = [
        (Self::AclInsert, "acl-insert"),
        (Self::AclUpdate, "acl-update"),
        (Self::AclDelete, "acl-delete"),
        (Self::DataPolicy, "data-policy"),
        (Self::Query, "query"),
        (Self::Api, "api"),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, n)| *n)
            .unwrap_or("acl-update")
    }
}

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Delay, then serve the request normally.
    Latency(Duration),
    /// Answer with this status instead of serving the request.
    Status {
        code: u16,
        retry_after: Option<u64>,
        /// Adds `X-RateLimit-Limit|Reset|Rule` with this limit.
        rate_limit: Option<u64>,
        /// A load-balancer HTML page instead of the JSON error.
        html: bool,
        reason: Option<ForbiddenReason>,
    },
    /// 200 `text/html` "Your instance is hibernating" page.
    Hibernate,
    /// Close the connection without any response.
    Reset,
    /// 202 with an empty body.
    Empty202,
    /// Serve a single-record GET normally, then, before the client can act on the answer,
    /// update that record's `description` as `user` (a concurrent human edit).
    EditDescription { user: String },
}

/// Who a bare `edit-description` writes as (an itil user of the built-in seed).
pub const DEFAULT_EDITOR: &str = "beth.anglin";

/// One fault: what it does, which requests it hits and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpec {
    pub kind: FaultKind,
    /// Upper-case method; `None` hits every method (`empty-202` defaults to GET).
    pub method: Option<String>,
    /// Path prefix; `None` hits every path except the control API.
    pub path: Option<String>,
    /// How many requests it hits; `None` = always.
    pub count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    #[error("fault spec is empty")]
    Empty,
    #[error("unknown fault item {0:?}")]
    UnknownItem(String),
    #[error("bad value for {key}: {value:?}")]
    BadValue { key: String, value: String },
    #[error(
        "fault spec names no fault (use status=, latency-ms=, hibernate, reset, empty-202, reason= or edit-description)"
    )]
    NoKind,
    #[error("fault spec names two faults: {0} and {1}")]
    TwoKinds(String, String),
    #[error("{0} only applies to a status= fault")]
    NeedsStatus(&'static str),
    #[error("{0} only applies to an edit-description fault")]
    NeedsEdit(&'static str),
    #[error("edit-description only acts on GET (drop method={0})")]
    EditNeedsGet(String),
}

fn num<T: FromStr>(key: &str, value: &str) -> Result<T, FaultSpecError> {
    value.parse().map_err(|_| FaultSpecError::BadValue {
        key: key.into(),
        value: value.into(),
    })
}

#[derive(Default)]
struct Parts {
    kind: Option<(String, FaultKind)>,
    code: Option<u16>,
    reason: Option<ForbiddenReason>,
    retry_after: Option<u64>,
    rate_limit: Option<u64>,
    html: bool,
    method: Option<String>,
    path: Option<String>,
    count: Option<u64>,
    user: Option<String>,
}

impl Parts {
    fn set_kind(&mut self, item: &str, kind: FaultKind) -> Result<(), FaultSpecError> {
        if let Some((prev, _)) = &self.kind {
            return Err(FaultSpecError::TwoKinds(prev.clone(), item.into()));
        }
        self.kind = Some((item.to_string(), kind));
        Ok(())
    }

    fn item(&mut self, item: &str) -> Result<(), FaultSpecError> {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (item, None),
        };
        match (key, value) {
            ("hibernate", None) => self.set_kind(item, FaultKind::Hibernate),
            ("reset", None) => self.set_kind(item, FaultKind::Reset),
            ("empty-202" | "202", None) => self.set_kind(item, FaultKind::Empty202),
            ("edit-description", None) => self.set_kind(
                item,
                FaultKind::EditDescription {
                    user: DEFAULT_EDITOR.to_string(),
                },
            ),
            ("user", Some(v)) if !v.is_empty() => {
                self.user = Some(v.to_string());
                Ok(())
            }
            ("html", None) => {
                self.html = true;
                Ok(())
            }
            ("always", None) => {
                self.count = None;
                Ok(())
            }
            ("status", Some(v)) => {
                let code: u16 = num(key, v)?;
                if !(400..=599).contains(&code) {
                    return Err(FaultSpecError::BadValue {
                        key: key.into(),
                        value: v.into(),
                    });
                }
                self.code = Some(code);
                self.set_kind(item, FaultKind::Empty202)
            }
            ("latency-ms", Some(v)) => self.set_kind(
                item,
                FaultKind::Latency(Duration::from_millis(num(key, v)?)),
            ),
            ("reason", Some(v)) => {
                let reason = ForbiddenReason::ALL
                    .iter()
                    .find(|(_, n)| *n == v)
                    .map(|(r, _)| *r)
                    .ok_or_else(|| FaultSpecError::BadValue {
                        key: key.into(),
                        value: v.into(),
                    })?;
                self.reason = Some(reason);
                Ok(())
            }
            ("retry-after", Some(v)) => {
                self.retry_after = Some(num(key, v)?);
                Ok(())
            }
            ("rate-limit", Some(v)) => {
                self.rate_limit = Some(num(key, v)?);
                Ok(())
            }
            ("count", Some(v)) => {
                self.count = Some(num(key, v)?);
                Ok(())
            }
            ("method", Some(v)) if !v.is_empty() => {
                self.method = Some(v.to_ascii_uppercase());
                Ok(())
            }
            ("path", Some(v)) if v.starts_with('/') => {
                self.path = Some(v.to_string());
                Ok(())
            }
            ("method" | "path" | "user", Some(v)) => Err(FaultSpecError::BadValue {
                key: key.into(),
                value: v.into(),
            }),
            _ => Err(FaultSpecError::UnknownItem(item.into())),
        }
    }

    fn finish(self) -> Result<FaultSpec, FaultSpecError> {
        let status_only = |flag: bool, name| {
            if flag {
                Err(FaultSpecError::NeedsStatus(name))
            } else {
                Ok(())
            }
        };
        let kind = match (self.kind, self.code, self.reason) {
            // `status=` registered a placeholder kind; build the real one here.
            (Some(_), Some(code), reason) => {
                if reason.is_some() && code != 403 {
                    return Err(FaultSpecError::NeedsStatus(
                        "reason= with a code other than 403",
                    ));
                }
                FaultKind::Status {
                    code,
                    retry_after: self.retry_after,
                    rate_limit: self.rate_limit,
                    html: self.html,
                    reason,
                }
            }
            (None, None, Some(reason)) => FaultKind::Status {
                code: 403,
                retry_after: self.retry_after,
                rate_limit: self.rate_limit,
                html: self.html,
                reason: Some(reason),
            },
            (None, None, None) => return Err(FaultSpecError::NoKind),
            (Some((name, _)), None, Some(_)) => {
                return Err(FaultSpecError::TwoKinds(name, "reason=".into()));
            }
            (Some((_, kind)), None, None) => {
                status_only(self.retry_after.is_some(), "retry-after")?;
                status_only(self.rate_limit.is_some(), "rate-limit")?;
                status_only(self.html, "html")?;
                kind
            }
            (None, Some(_), _) => return Err(FaultSpecError::NoKind),
        };
        let kind = match (kind, self.user) {
            (FaultKind::EditDescription { .. }, Some(user)) => FaultKind::EditDescription { user },
            (_, Some(_)) => return Err(FaultSpecError::NeedsEdit("user=")),
            (kind, None) => kind,
        };
        let method = match (&kind, self.method) {
            (FaultKind::Empty202 | FaultKind::EditDescription { .. }, None) => {
                Some("GET".to_string())
            }
            (FaultKind::EditDescription { .. }, Some(m)) if m != "GET" => {
                return Err(FaultSpecError::EditNeedsGet(m));
            }
            (_, m) => m,
        };
        Ok(FaultSpec {
            kind,
            method,
            path: self.path,
            count: self.count,
        })
    }
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let items: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .collect();
        if items.is_empty() {
            return Err(FaultSpecError::Empty);
        }
        let mut parts = Parts::default();
        for item in items {
            parts.item(item)?;
        }
        parts.finish()
    }
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FaultKind::Latency(d) => write!(f, "latency-ms={}", d.as_millis())?,
            FaultKind::Hibernate => f.write_str("hibernate")?,
            FaultKind::Reset => f.write_str("reset")?,
            FaultKind::Empty202 => f.write_str("empty-202")?,
            FaultKind::EditDescription { user } => write!(f, "edit-description,user={user}")?,
            FaultKind::Status {
                code,
                retry_after,
                rate_limit,
                html,
                reason,
            } => {
                write!(f, "status={code}")?;
                if let Some(r) = reason {
                    write!(f, ",reason={}", r.name())?;
                }
                if let Some(s) = retry_after {
                    write!(f, ",retry-after={s}")?;
                }
                if let Some(n) = rate_limit {
                    write!(f, ",rate-limit={n}")?;
                }
                if *html {
                    f.write_str(",html")?;
                }
            }
        }
        if let Some(m) = &self.method {
            write!(f, ",method={m}")?;
        }
        if let Some(p) = &self.path {
            write!(f, ",path={p}")?;
        }
        match self.count {
            Some(n) => write!(f, ",count={n}"),
            None => f.write_str(",always"),
        }
    }
}

impl FaultSpec {
    /// Whether this fault targets a request with `method` and `path`.
    pub fn selects(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }
}
