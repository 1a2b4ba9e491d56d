//! Table API operations (reference §1–§4): list with paging, get, create, update, delete.

use reqwest::Method;
use serde_json::{Map, Value};

use crate::classify::{Expect, Reply};
use crate::client::{Call, Client, encode};
use crate::error::{Error, UnavailableKind};
use crate::query::{Query, QueryError};
use crate::value::{Record, check_record, json_kind};
use crate::verify::{Answer, with_field};

/// Page size `list_all` uses when the caller sets no limit.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// `sysparm_display_value`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DisplayValue {
    #[default]
    False,
    True,
    All,
}

impl DisplayValue {
    pub fn as_param(self) -> &'static str {
        match self {
            DisplayValue::False => "false",
            DisplayValue::True => "true",
            DisplayValue::All => "all",
        }
    }
}

/// Parameters for `list`/`list_all`. Display value and reference links are always sent explicitly.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub query: Option<Query>,
    pub fields: Vec<String>,
    /// `sysparm_limit`; for `list_all` the page size (default [`DEFAULT_PAGE_SIZE`]).
    pub limit: Option<u32>,
    pub offset: u64,
    pub display: DisplayValue,
    pub exclude_reference_link: bool,
}

impl ListParams {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn query(mut self, q: Query) -> Self {
        self.query = Some(q);
        self
    }
    pub fn fields<S: AsRef<str>>(mut self, fields: &[S]) -> Self {
        self.fields = fields.iter().map(|f| f.as_ref().to_string()).collect();
        self
    }
    pub fn limit(mut self, n: u32) -> Self {
        self.limit = Some(n);
        self
    }
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = n;
        self
    }
    pub fn display(mut self, d: DisplayValue) -> Self {
        self.display = d;
        self
    }
    pub fn exclude_reference_link(mut self, yes: bool) -> Self {
        self.exclude_reference_link = yes;
        self
    }
}

/// Parameters for a single-record read.
#[derive(Debug, Clone, Default)]
pub struct GetParams {
    pub fields: Vec<String>,
    pub display: DisplayValue,
    pub exclude_reference_link: bool,
}

impl GetParams {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn fields<S: AsRef<str>>(mut self, fields: &[S]) -> Self {
        self.fields = fields.iter().map(|f| f.as_ref().to_string()).collect();
        self
    }
    pub fn display(mut self, d: DisplayValue) -> Self {
        self.display = d;
        self
    }
    pub fn exclude_reference_link(mut self, yes: bool) -> Self {
        self.exclude_reference_link = yes;
        self
    }
}

/// One page of a list call.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    /// `X-Total-Count` (rows matching before ACL filtering), when the server sent it.
    pub total_count: Option<u64>,
    pub offset: u64,
}

fn check_table(table: &str) -> Result<(), Error> {
    let ok = !table.is_empty() && table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Query(QueryError::BadTable(table.to_string())))
    }
}

fn table_path(table: &str) -> Result<String, Error> {
    check_table(table)?;
    Ok(format!("/api/now/table/{table}"))
}

fn record_path(table: &str, sys_id: &str) -> Result<String, Error> {
    if sys_id.is_empty() {
        return Err(Error::Query(QueryError::BadSysId(sys_id.to_string())));
    }
    Ok(format!("{}/{}", table_path(table)?, encode(sys_id)))
}

fn common_params(
    fields: &[String],
    display: DisplayValue,
    excl: bool,
) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("sysparm_display_value", display.as_param().to_string()),
        ("sysparm_exclude_reference_link", excl.to_string()),
    ];
    if !fields.is_empty() {
        q.push(("sysparm_fields", fields.join(",")));
    }
    q
}

pub(crate) fn write_params(fields: &[&str]) -> Vec<(&'static str, String)> {
    write_params_answering(fields, DisplayValue::False)
}

/// Write parameters whose answer carries `display` values (the input stays raw).
fn write_params_answering(fields: &[&str], display: DisplayValue) -> Vec<(&'static str, String)> {
    let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let mut q = common_params(&fields, display, true);
    // Raw values in, raw values out: no time-zone or label interpretation on writes.
    q.push(("sysparm_input_display_value", "false".into()));
    q
}

/// A single record from `result`, its fields checked (see [`check_record`]).
fn object_result(reply: Reply, url: String, write: bool) -> Result<Record, Error> {
    match reply.result {
        Some(Value::Object(m)) => match check_record(&m) {
            Ok(()) => Ok(Record(m)),
            Err(problem) => Err(Error::UnexpectedAnswer {
                url,
                status: reply.status,
                write,
                problem,
            }),
        },
        other => Err(Error::Unavailable {
            kind: UnavailableKind::MissingResult,
            url,
            status: reply.status,
            write,
            snippet: format!(
                "result is {}",
                other.map(|v| kind_of(&v)).unwrap_or("absent")
            ),
            retry_after: None,
        }),
    }
}

/// Rows of a list answer: each must be an object whose fields pass [`check_record`].
fn rows_of(rows: Vec<Value>) -> Result<Vec<Record>, String> {
    rows.into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Object(m) => match check_record(&m) {
                Ok(()) => Ok(Record(m)),
                Err(problem) => Err(format!("row {i}: {problem}")),
            },
            other => Err(format!("row {i} is {}, not a record", json_kind(&other))),
        })
        .collect()
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        _ => "not a record",
    }
}

impl Client {
    pub(crate) fn url_of(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// One page: `GET /api/now/table/{table}` with the given parameters.
    pub async fn list(&self, table: &str, params: &ListParams) -> Result<Page, Error> {
        let path = table_path(table)?;
        let mut query = Vec::new();
        if let Some(q) = &params.query {
            let rendered = q.render()?;
            if !rendered.is_empty() {
                query.push(("sysparm_query", rendered));
            }
        }
        query.extend(common_params(
            &params.fields,
            params.display,
            params.exclude_reference_link,
        ));
        if let Some(limit) = params.limit {
            query.push(("sysparm_limit", limit.to_string()));
        }
        if params.offset > 0 {
            query.push(("sysparm_offset", params.offset.to_string()));
        }
        // The Link header repeats the whole query; we page by X-Total-Count instead.
        query.push(("sysparm_suppress_pagination_header", "true".into()));
        let reply = self
            .call(&Call {
                method: Method::GET,
                path: path.clone(),
                query,
                body: None,
                expect: Expect::Result,
            })
            .await?;
        let total_count = reply.total_count;
        let status = reply.status;
        let records = match reply.result {
            Some(Value::Array(rows)) => {
                rows_of(rows).map_err(|problem| Error::UnexpectedAnswer {
                    url: self.url_of(&path),
                    status,
                    write: false,
                    problem,
                })?
            }
            other => {
                return Err(Error::Unavailable {
                    kind: UnavailableKind::MissingResult,
                    url: self.url_of(&path),
                    status,
                    write: false,
                    snippet: format!(
                        "result is {}",
                        other.map(|v| kind_of(&v)).unwrap_or("absent")
                    ),
                    retry_after: None,
                });
            }
        };
        Ok(Page {
            records,
            total_count,
            offset: params.offset,
        })
    }

    /// `GET /api/now/table/{table}/{sys_id}`; a missing or hidden record is `Error::NotFound`.
    pub async fn get(
        &self,
        table: &str,
        sys_id: &str,
        params: &GetParams,
    ) -> Result<Record, Error> {
        let path = record_path(table, sys_id)?;
        let reply = self
            .call(&Call {
                method: Method::GET,
                path: path.clone(),
                query: common_params(
                    &params.fields,
                    params.display,
                    params.exclude_reference_link,
                ),
                body: None,
                expect: Expect::Result,
            })
            .await?;
        object_result(reply, self.url_of(&path), false)
    }

    /// `POST /api/now/table/{table}`; ServiceNow answers 201 with the created record. The answer
    /// must name the new record (a non-empty `sys_id`) and, when `body` has a `correlation_id`,
    /// carry the same one (both are asked for): otherwise `Error::UnexpectedAnswer`, which
    /// `outcome_unknown()` so the next attempt looks the record up instead of trusting this one.
    pub async fn create(
        &self,
        table: &str,
        body: &Map<String, Value>,
        fields: &[&str],
    ) -> Result<Record, Error> {
        self.create_answering(table, body, fields, DisplayValue::False)
            .await
    }

    /// [`Client::create`] whose answer carries `display` values too
    /// (`sysparm_display_value=all`: each field as `{value, display_value}`), so a caller can
    /// show the new record's state and priority labels without reading it again. The body is
    /// still taken as raw values.
    pub async fn create_answering(
        &self,
        table: &str,
        body: &Map<String, Value>,
        fields: &[&str],
        display: DisplayValue,
    ) -> Result<Record, Error> {
        let path = table_path(table)?;
        let correlation_id = body
            .get("correlation_id")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty());
        let mut asked = with_field(fields, "sys_id");
        if correlation_id.is_some() {
            asked = with_field(&asked, "correlation_id");
        }
        let body = Value::Object(body.clone());
        let reply = self
            .call(&Call {
                method: Method::POST,
                path: path.clone(),
                query: write_params_answering(&asked, display),
                body: Some(&body),
                expect: Expect::Result,
            })
            .await?;
        let status = reply.status;
        if status != 201 {
            tracing::warn!(status, table, "create answered without 201");
        }
        let url = self.url_of(&path);
        let rec = object_result(reply, url.clone(), true)?;
        Answer {
            url: &url,
            status,
            write: true,
        }
        .is_created(&rec, correlation_id)?;
        Ok(rec)
    }

    /// `PATCH /api/now/table/{table}/{sys_id}` (partial update). The answer must be the target
    /// record (`sys_id` is asked for and compared): a `{"result":{}}` or another record's answer
    /// is `Error::UnexpectedAnswer`, never a delivered write.
    pub async fn update(
        &self,
        table: &str,
        sys_id: &str,
        body: &Map<String, Value>,
        fields: &[&str],
    ) -> Result<Record, Error> {
        let path = record_path(table, sys_id)?;
        let body = Value::Object(body.clone());
        let reply = self
            .call(&Call {
                method: Method::PATCH,
                path: path.clone(),
                query: write_params(&with_field(fields, "sys_id")),
                body: Some(&body),
                expect: Expect::Result,
            })
            .await?;
        let status = reply.status;
        let url = self.url_of(&path);
        let rec = object_result(reply, url.clone(), true)?;
        Answer {
            url: &url,
            status,
            write: true,
        }
        .is_record(&rec, sys_id)?;
        Ok(rec)
    }

    /// `DELETE /api/now/table/{table}/{sys_id}` (204).
    pub async fn delete(&self, table: &str, sys_id: &str) -> Result<(), Error> {
        let path = record_path(table, sys_id)?;
        self.call(&Call {
            method: Method::DELETE,
            path,
            query: Vec::new(),
            body: None,
            expect: Expect::Empty,
        })
        .await?;
        Ok(())
    }
}
