//! `list_all`: every matching record, paged by `X-Total-Count`, bounded so a broken or hostile
//! server cannot keep it going (`docs/servicenow-client.md`): it stops with `Error::Paging` when a
//! page repeats only records already read (the server ignores `sysparm_offset`), when the records
//! would pass `max_list_records`, or the requests `max_list_requests`.

use std::collections::HashSet;

use crate::client::Client;
use crate::error::{Error, PagingStop};
use crate::table::{DEFAULT_PAGE_SIZE, ListParams};
use crate::value::Record;

/// How a record is recognised on a later page: its sys_id, else (a server that sends none) its
/// whole text.
fn identity(rec: &Record) -> String {
    match rec.value("sys_id") {
        Some(id) if !id.is_empty() => format!("id:{id}"),
        _ => format!("row:{}", serde_json::Value::Object(rec.0.clone())),
    }
}

impl Client {
    /// Every matching record. Pages by `X-Total-Count` (`offset += limit` while
    /// `offset < total`), never stopping on a short page (ACLs filter after the limit); without
    /// the header it stops on the first empty page. `sys_id` is requested (and removed again
    /// when the caller did not ask for it) so records repeated across pages are dropped and a
    /// page of nothing but repeats ends paging with `PagingStop::RepeatedPage`.
    pub async fn list_all(&self, table: &str, params: &ListParams) -> Result<Vec<Record>, Error> {
        let caps = self.limits;
        let page_size = params.limit.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
        let mut p = params.clone();
        p.limit = Some(page_size);
        let added_sys_id = !p.fields.is_empty() && !p.fields.iter().any(|f| f == "sys_id");
        if added_sys_id {
            p.fields.push("sys_id".into());
        }
        let url = self.url_of(&format!("/api/now/table/{table}"));
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut requests = 0u32;
        loop {
            let page = self.list(table, &p).await?;
            requests += 1;
            let stop = |stop: PagingStop, records: usize| Error::Paging {
                url: url.clone(),
                stop,
                requests,
                records,
            };
            let total = page.total_count;
            if let Some(t) = total.filter(|t| *t > caps.max_list_records as u64) {
                return Err(stop(
                    PagingStop::RecordCap {
                        cap: caps.max_list_records,
                        reported: Some(t),
                    },
                    out.len(),
                ));
            }
            let received = page.records.len();
            let mut added = 0usize;
            for mut rec in page.records {
                if seen.insert(identity(&rec)) {
                    if added_sys_id {
                        rec.0.remove("sys_id");
                    }
                    out.push(rec);
                    added += 1;
                }
            }
            if received > 0 && added == 0 {
                return Err(stop(
                    PagingStop::RepeatedPage { offset: p.offset },
                    out.len(),
                ));
            }
            if out.len() > caps.max_list_records {
                return Err(stop(
                    PagingStop::RecordCap {
                        cap: caps.max_list_records,
                        reported: total,
                    },
                    out.len(),
                ));
            }
            p.offset += u64::from(page_size);
            let more = match total {
                Some(t) => p.offset < t,
                None => received > 0,
            };
            if !more {
                return Ok(out);
            }
            // Known up front from the count: fail now rather than after the allowed requests.
            let needed = total.map_or(u64::from(requests) + 1, |t| {
                t.div_ceil(u64::from(page_size))
            });
            if needed > u64::from(caps.max_list_requests) {
                return Err(stop(
                    PagingStop::RequestCap {
                        cap: caps.max_list_requests,
                    },
                    out.len(),
                ));
            }
        }
    }
}
