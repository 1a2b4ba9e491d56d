//! Paging `GET /api/anomalies` as qualytics-cli does: 1-based pages of `{items,total,page,size,
//! pages}`, size 100, until `page * size >= total`; merged across scopes, deduped by id, capped.

use std::collections::HashSet;

use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::client::{MAX_PAGE_SIZE, QualyticsClient};
use super::error::QualyticsError;
use super::filter::{AnomalyFilter, Scope};
use super::model::QualyticsAnomaly;

/// A record the client could not read; the rest of the page is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRecord {
    pub id: Option<String>,
    pub reason: String,
}

/// One page as served.
#[derive(Debug, Clone, PartialEq)]
pub struct AnomalyPage {
    pub items: Vec<QualyticsAnomaly>,
    pub skipped: Vec<SkippedRecord>,
    pub total: u64,
    pub page: u64,
    /// The page size the server applied (it may be smaller than the one asked for).
    pub size: u64,
}

/// Everything one listing read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listing {
    pub anomalies: Vec<QualyticsAnomaly>,
    pub skipped: Vec<SkippedRecord>,
    /// Requests sent, so callers (and tests) can check the cost.
    pub requests: u32,
}

#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    total: u64,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    size: Option<u64>,
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// When a listing stops early: `new_since` reads newest first and stops below its window.
pub(super) type StopBelow<'a> = &'a (dyn Fn(&AnomalyPage) -> bool + Sync);

impl QualyticsClient {
    /// One page. The filter must name at most one datastore and one container (the API takes
    /// one of each); `list_all` handles several.
    pub async fn list_page(
        &self,
        filter: &AnomalyFilter,
        page: u64,
        size: u32,
    ) -> Result<AnomalyPage, QualyticsError> {
        let scopes = filter.scopes();
        let [scope] = scopes.as_slice() else {
            return Err(QualyticsError::Config {
                message: "list_page reads one datastore and one container at a time; use list_all for several".to_owned(),
            });
        };
        self.page_of(filter, *scope, page, size).await
    }

    /// Every anomaly the filter selects, each once.
    pub async fn list_all(&self, filter: &AnomalyFilter) -> Result<Listing, QualyticsError> {
        self.list_until(filter, &|_: &AnomalyPage| false).await
    }

    /// Pages every scope until the last page, or until `stop` says the page just read is the
    /// last one needed.
    pub(super) async fn list_until(
        &self,
        filter: &AnomalyFilter,
        stop: StopBelow<'_>,
    ) -> Result<Listing, QualyticsError> {
        let mut out = Listing::default();
        let mut seen: HashSet<u64> = HashSet::new();
        for scope in filter.scopes() {
            let mut page = 1u64;
            loop {
                if out.requests >= self.cfg.max_requests {
                    return Err(QualyticsError::RequestCap {
                        requests: out.requests,
                    });
                }
                let got = self.page_of(filter, scope, page, MAX_PAGE_SIZE).await?;
                out.requests += 1;
                let read = got.items.len() + got.skipped.len();
                let mut fresh = 0usize;
                for a in &got.items {
                    if seen.insert(a.id) {
                        fresh += 1;
                        // Container scopes cannot also send the datastore filter (see filter.rs).
                        let ds = a.datastore.as_ref().map(|d| d.id);
                        if filter.datastore_allows(ds) {
                            out.anomalies.push(a.clone());
                        }
                    }
                }
                if !got.items.is_empty() && fresh == 0 {
                    return Err(QualyticsError::RepeatedPage {
                        url: self.url("/anomalies"),
                        page,
                    });
                }
                if out.anomalies.len() > self.cfg.max_records {
                    return Err(QualyticsError::RecordCap {
                        records: out.anomalies.len(),
                    });
                }
                out.skipped.extend(got.skipped.iter().cloned());
                let size = if got.size == 0 {
                    u64::from(MAX_PAGE_SIZE)
                } else {
                    got.size
                };
                if read == 0 || page.saturating_mul(size) >= got.total || stop(&got) {
                    break;
                }
                page += 1;
            }
        }
        Ok(out)
    }

    async fn page_of(
        &self,
        filter: &AnomalyFilter,
        scope: Scope,
        page: u64,
        size: u32,
    ) -> Result<AnomalyPage, QualyticsError> {
        let query = filter.query(scope, page, size);
        let answer = self
            .send(Method::GET, "/anomalies", &query, None, "anomaly listing")
            .await?;
        let malformed = |cause: String| QualyticsError::Malformed {
            url: answer.url.clone(),
            cause,
        };
        let raw: RawPage<'_> = serde_json::from_slice(&answer.body).map_err(|e| {
            malformed(format!(
                "{e}; a page is {{\"items\": [...], \"total\": N, \"page\": P, \"size\": S}}"
            ))
        })?;
        let mut items = Vec::with_capacity(raw.items.len());
        let mut skipped = Vec::new();
        for item in raw.items {
            match QualyticsAnomaly::from_json(item.get()) {
                Ok(a) => items.push(a),
                Err(e) => skipped.push(SkippedRecord {
                    id: serde_json::from_str::<IdOnly>(item.get())
                        .ok()
                        .and_then(|i| i.id)
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
                    reason: e.to_string(),
                }),
            }
        }
        Ok(AnomalyPage {
            items,
            skipped,
            total: raw.total,
            page: raw.page.unwrap_or(page),
            size: raw.size.unwrap_or(u64::from(size)),
        })
    }
}
