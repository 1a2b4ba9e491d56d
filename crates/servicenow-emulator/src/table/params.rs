//! `sysparm_*` parameters (§2) and bare `field=value` filters.

use crate::auth::Principal;
use crate::error::ApiError;
use crate::query::EncodedQuery;
use crate::schema::TableDef;
use crate::store::lookup_known_path;

pub const DEFAULT_LIMIT: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayMode {
    Raw,
    Display,
    All,
}

#[derive(Debug, Clone)]
pub struct TableParams {
    /// The query string split at `&`, still percent-encoded, in order.
    pub raw_pairs: Vec<String>,
    pub query: EncodedQuery,
    pub fields: Option<Vec<String>>,
    pub limit: usize,
    pub offset: usize,
    pub display: DisplayMode,
    pub exclude_reference_link: bool,
    pub suppress_pagination_header: bool,
    pub input_display_value: bool,
    /// `field=value` parameters naming a field of the table.
    pub bare_filters: Vec<(String, String)>,
}

/// Replaces the script calls that name the current user with their values.
fn expand_user_calls(query: &str, user: &Principal) -> String {
    query
        .replace("javascript:gs.getUserID()", &user.sys_id)
        .replace("javascript:gs.getUser().getID()", &user.sys_id)
        .replace("javascript:gs.getUserName()", &user.user_name)
}

fn truthy(v: &str) -> bool {
    v.eq_ignore_ascii_case("true")
}

fn parse_count(name: &str, value: &str) -> Result<i64, ApiError> {
    value.trim().parse::<i64>().map_err(|_| {
        ApiError::bad_request(
            format!("Invalid value for {name}"),
            format!("{name} must be an integer, got '{value}'"),
        )
    })
}

impl TableParams {
    /// `user` is the caller: `javascript:gs.getUserID()` and friends in the query
    /// are evaluated on the server, as a real instance does.
    pub fn parse(
        raw_query: Option<&str>,
        def: &'static TableDef,
        user: &Principal,
    ) -> Result<TableParams, ApiError> {
        let raw = raw_query.unwrap_or("");
        let mut p = TableParams {
            raw_pairs: raw
                .split('&')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            query: EncodedQuery::default(),
            fields: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
            display: DisplayMode::Raw,
            exclude_reference_link: false,
            suppress_pagination_header: false,
            input_display_value: false,
            bare_filters: Vec::new(),
        };
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            let value = value.as_ref();
            match key.as_ref() {
                "sysparm_query" => p.query = EncodedQuery::parse(&expand_user_calls(value, user)),
                "sysparm_fields" => {
                    let list: Vec<String> = value
                        .split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(String::from)
                        .collect();
                    p.fields = (!list.is_empty()).then_some(list);
                }
                "sysparm_limit" => {
                    let n = parse_count("sysparm_limit", value)?;
                    if n <= 0 {
                        return Err(ApiError::bad_request(
                            "Invalid value for sysparm_limit",
                            format!("sysparm_limit must be a positive integer, got '{value}'"),
                        ));
                    }
                    p.limit = usize::try_from(n).unwrap_or(usize::MAX);
                }
                // Link headers carry a negative `prev`; following it reads the first page.
                "sysparm_offset" => {
                    p.offset = usize::try_from(parse_count("sysparm_offset", value)?.max(0))
                        .unwrap_or(usize::MAX)
                }
                "sysparm_display_value" => {
                    p.display = match value.to_ascii_lowercase().as_str() {
                        "true" => DisplayMode::Display,
                        "all" => DisplayMode::All,
                        _ => DisplayMode::Raw,
                    }
                }
                "sysparm_exclude_reference_link" => p.exclude_reference_link = truthy(value),
                "sysparm_suppress_pagination_header" => {
                    p.suppress_pagination_header = truthy(value)
                }
                "sysparm_input_display_value" => p.input_display_value = truthy(value),
                k if k.starts_with("sysparm_") => {}
                k if lookup_known_path(def, k) => {
                    p.bare_filters.push((k.to_string(), value.to_string()))
                }
                _ => {}
            }
        }
        Ok(p)
    }

    /// The requested output fields that exist (dot-walks included), in order.
    pub fn known_fields(&self, def: &'static TableDef) -> Option<Vec<String>> {
        self.fields.as_ref().map(|list| {
            list.iter()
                .filter(|f| lookup_known_path(def, f))
                .cloned()
                .collect()
        })
    }
}
