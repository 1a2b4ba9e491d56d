//! Table API operations (reference §1–§4): list with paging, get, create, update, delete.

use reqwest::Method;
use serde_json::{Map, Value};

use crate::classify::{Expect, Reply};
use crate::client::{Call, Client, encode};
use crate::error::{Error, UnavailableKind};
use crate::query::{Query, QueryError};
use crate::value::Record;

/// Page size `list_all` uses when the caller sets no limit.
pub const DEFAULT_PAGE_SIZE: u32 = 1000;

/// Upper bound for `list_all` without a count header, so a server that ignores
/// `sysparm_offset` cannot keep us looping forever.
const MAX_PAGES_WITHOUT_COUNT: u32 = 10_000;

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

fn write_params(fields: &[&str]) -> Vec<(&'static str, String)> {
    let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    let mut q = common_params(&fields, DisplayValue::False, true);
    // Raw values in, raw values out: no time-zone or label interpretation on writes.
    q.push(("sysparm_input_display_value", "false".into()));
    q
}

fn object_result(reply: Reply, url: String, write: bool) -> Result<Record, Error> {
    match reply.result {
        Some(Value::Object(m)) => Ok(Record(m)),
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

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
        _ => "not a record",
    }
}

impl Client {
    fn url_of(&self, path: &str) -> String {
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
            Some(Value::Array(rows)) => rows
                .into_iter()
                .filter_map(|v| match v {
                    Value::Object(m) => Some(Record(m)),
                    _ => None,
                })
                .collect(),
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

    /// Every matching record. Pages by `X-Total-Count` (`offset += limit` while
    /// `offset < total`), never stopping on a short page (ACLs filter after the limit); without
    /// the header it stops on the first empty page.
    pub async fn list_all(&self, table: &str, params: &ListParams) -> Result<Vec<Record>, Error> {
        let page_size = params.limit.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
        let mut p = params.clone();
        p.limit = Some(page_size);
        let mut out = Vec::new();
        let mut pages = 0u32;
        loop {
            let page = self.list(table, &p).await?;
            pages += 1;
            let empty = page.records.is_empty();
            out.extend(page.records);
            p.offset += u64::from(page_size);
            let more = match page.total_count {
                Some(total) => p.offset < total,
                None => !empty && pages < MAX_PAGES_WITHOUT_COUNT,
            };
            if !more {
                return Ok(out);
            }
        }
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

    /// `POST /api/now/table/{table}`; ServiceNow answers 201 with the created record.
    pub async fn create(
        &self,
        table: &str,
        body: &Map<String, Value>,
        fields: &[&str],
    ) -> Result<Record, Error> {
        let path = table_path(table)?;
        let body = Value::Object(body.clone());
        let reply = self
            .call(&Call {
                method: Method::POST,
                path: path.clone(),
                query: write_params(fields),
                body: Some(&body),
                expect: Expect::Result,
            })
            .await?;
        if reply.status != 201 {
            tracing::warn!(status = reply.status, table, "create answered without 201");
        }
        object_result(reply, self.url_of(&path), true)
    }

    /// `PATCH /api/now/table/{table}/{sys_id}` (partial update).
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
                query: write_params(fields),
                body: Some(&body),
                expect: Expect::Result,
            })
            .await?;
        object_result(reply, self.url_of(&path), true)
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
