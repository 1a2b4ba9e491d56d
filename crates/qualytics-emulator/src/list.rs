//! `GET /api/anomalies`: query parameters, filters, order and the page envelope
//! `{items, total, page, size, pages}` (1-based pages, size 1–100).

use std::cmp::Ordering;

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::model::{Anomaly, AnomalyType, Status};
use crate::store::Store;

pub const MAX_PAGE_SIZE: u64 = 100;
pub const DEFAULT_PAGE_SIZE: u64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Archived {
    /// Open anomalies only (the default).
    #[default]
    Exclude,
    Include,
    Only,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub page: u64,
    pub size: u64,
    pub datastore: Option<u64>,
    pub container: Option<u64>,
    pub quality_check: Option<u64>,
    pub status: Vec<Status>,
    pub anomaly_type: Option<AnomalyType>,
    pub tag: Vec<String>,
    pub rule_type: Vec<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub archived: Archived,
    pub sort_created: Option<Order>,
    pub sort_weight: Option<Order>,
    pub source_enriched: Option<bool>,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            page: 1,
            size: DEFAULT_PAGE_SIZE,
            datastore: None,
            container: None,
            quality_check: None,
            status: Vec::new(),
            anomaly_type: None,
            tag: Vec::new(),
            rule_type: Vec::new(),
            start_date: None,
            end_date: None,
            archived: Archived::Exclude,
            sort_created: None,
            sort_weight: None,
            source_enriched: None,
        }
    }
}

fn bad(name: &str, msg: &str, input: &str) -> ApiError {
    ApiError::validation(&["query", name], msg, Value::String(input.to_string()))
}

fn int(name: &str, v: &str) -> Result<u64, ApiError> {
    v.parse()
        .map_err(|_| bad(name, "Input should be a valid integer", v))
}

fn order(name: &str, v: &str) -> Result<Order, ApiError> {
    match v {
        "asc" => Ok(Order::Asc),
        "desc" => Ok(Order::Desc),
        _ => Err(bad(name, "Input should be 'asc' or 'desc'", v)),
    }
}

fn date(name: &str, v: &str) -> Result<String, ApiError> {
    let ok = v.len() == 10 && v.parse::<jiff::civil::Date>().is_ok();
    if ok {
        Ok(v.to_string())
    } else {
        Err(bad(
            name,
            "Input should be a valid date in the format YYYY-MM-DD",
            v,
        ))
    }
}

/// Parses the raw query string. Repeatable: `status`, `tag`, `rule_type`;
/// for the others the last value wins; unknown names are ignored.
pub fn parse(raw: &str) -> Result<ListQuery, ApiError> {
    let mut q = ListQuery::default();
    for (k, v) in url::form_urlencoded::parse(raw.as_bytes()) {
        let v = v.as_ref();
        match k.as_ref() {
            "page" => q.page = int("page", v)?,
            "size" => q.size = int("size", v)?,
            "datastore" => q.datastore = Some(int("datastore", v)?),
            "container" => q.container = Some(int("container", v)?),
            "quality_check" => q.quality_check = Some(int("quality_check", v)?),
            "status" => q.status.push(Status::parse(v).ok_or_else(|| {
                bad(
                    "status",
                    "Input should be 'Active', 'Acknowledged', 'Resolved', 'Invalid', 'Duplicate' or 'Discarded'",
                    v,
                )
            })?),
            "anomaly_type" => {
                q.anomaly_type = Some(
                    AnomalyType::parse(v)
                        .ok_or_else(|| bad("anomaly_type", "Input should be 'record' or 'shape'", v))?,
                )
            }
            "tag" => q.tag.push(v.to_string()),
            "rule_type" => q.rule_type.push(v.to_string()),
            "start_date" => q.start_date = Some(date("start_date", v)?),
            "end_date" => q.end_date = Some(date("end_date", v)?),
            "archived" => {
                q.archived = match v {
                    "only" => Archived::Only,
                    "include" => Archived::Include,
                    _ => return Err(bad("archived", "Input should be 'only' or 'include'", v)),
                }
            }
            "sort_created" => q.sort_created = Some(order("sort_created", v)?),
            "sort_weight" => q.sort_weight = Some(order("sort_weight", v)?),
            "source_enriched" => {
                q.source_enriched = Some(match v {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("source_enriched", "Input should be a valid boolean", v)),
                })
            }
            _ => {}
        }
    }
    if q.page < 1 {
        return Err(bad(
            "page",
            "Input should be greater than or equal to 1",
            &q.page.to_string(),
        ));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&q.size) {
        return Err(bad(
            "size",
            "Input should be greater than or equal to 1 and less than or equal to 100",
            &q.size.to_string(),
        ));
    }
    Ok(q)
}

fn matches(q: &ListQuery, a: &Anomaly) -> bool {
    let archived_ok = match q.archived {
        Archived::Exclude => !a.archived,
        Archived::Include => true,
        Archived::Only => a.archived,
    };
    let checks = || a.failed_checks.iter().map(|c| &c.quality_check);
    archived_ok
        && q.datastore.is_none_or(|id| a.datastore.id == id)
        && q.container.is_none_or(|id| a.container.id == id)
        && q.quality_check
            .is_none_or(|id| checks().any(|c| c.id == id))
        && (q.status.is_empty() || q.status.contains(&a.status))
        && q.anomaly_type.is_none_or(|t| a.anomaly_type == t)
        && (q.tag.is_empty() || q.tag.iter().any(|t| a.has_tag(t)))
        && (q.rule_type.is_empty() || checks().any(|c| q.rule_type.contains(&c.rule_type)))
        && q.start_date
            .as_deref()
            .is_none_or(|d| a.created_date() >= d)
        && q.end_date.as_deref().is_none_or(|d| a.created_date() <= d)
        && q.source_enriched.is_none_or(|e| a.source_enriched == e)
}

fn directed(o: Ordering, order: Order) -> Ordering {
    match order {
        Order::Asc => o,
        Order::Desc => o.reverse(),
    }
}

/// `sort_created` then `sort_weight` when given; default newest first. Ties
/// break on the id in the same direction, so pages never overlap.
fn compare(q: &ListQuery, x: &Anomaly, y: &Anomaly) -> Ordering {
    let mut primary = Order::Desc;
    let mut o = Ordering::Equal;
    if let Some(ord) = q.sort_created {
        primary = ord;
        o = directed(x.created.cmp(&y.created), ord);
    }
    if let Some(ord) = q.sort_weight {
        if q.sort_created.is_none() {
            primary = ord;
        }
        o = o.then(directed(x.weight.cmp(&y.weight), ord));
    }
    if q.sort_created.is_none() && q.sort_weight.is_none() {
        o = directed(x.created.cmp(&y.created), Order::Desc);
    }
    o.then(directed(x.id.cmp(&y.id), primary))
}

pub fn page(store: &Store, q: &ListQuery) -> Value {
    let mut hits: Vec<&Anomaly> = store.all().filter(|a| matches(q, a)).collect();
    hits.sort_by(|x, y| compare(q, x, y));
    let total = hits.len() as u64;
    let start = usize::try_from((q.page - 1).saturating_mul(q.size)).unwrap_or(usize::MAX);
    let items: Vec<&Anomaly> = hits.into_iter().skip(start).take(q.size as usize).collect();
    json!({
        "items": items,
        "total": total,
        "page": q.page,
        "size": q.size,
        "pages": total.div_ceil(q.size),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn repeatable_params_accumulate_and_bounds_are_enforced() {
        let q = parse("status=Active&status=Acknowledged&tag=a&tag=b&size=100&page=2").unwrap();
        assert_eq!(q.status, vec![Status::Active, Status::Acknowledged]);
        assert_eq!(q.tag, vec!["a", "b"]);
        assert_eq!((q.page, q.size), (2, 100));
        for bad in [
            "size=101",
            "size=0",
            "page=0",
            "page=x",
            "status=Open",
            "archived=yes",
            "start_date=2026-1-1",
        ] {
            let e = parse(bad).unwrap_err();
            assert_eq!(e.status.as_u16(), 422, "{bad}");
        }
        assert_eq!(
            parse("timeframe=7&unknown=1").unwrap(),
            ListQuery::default()
        );
    }
}
