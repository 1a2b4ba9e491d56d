//! Which anomalies a listing asks for, as `GET /api/anomalies` query parameters.

use jiff::civil::Date;

use super::model::QualyticsStatus;

/// `archived=`: absent lists open anomalies only (the API's default, see docs/sources-qualytics.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    #[default]
    Exclude,
    Include,
    Only,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

/// The filters of one listing. `datastores` and `containers` may hold several ids: the API
/// takes one of each per request, so a listing runs once per container (or per datastore when
/// no container is given) and merges the runs by id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnomalyFilter {
    pub datastores: Vec<u64>,
    pub containers: Vec<u64>,
    /// Repeatable `status`; empty = whatever `archived` selects.
    pub statuses: Vec<QualyticsStatus>,
    /// Repeatable `tag`; the API matches anomalies with any of them.
    pub tags: Vec<String>,
    pub archived: ArchivedFilter,
    pub sort_created: Option<SortOrder>,
    /// Created on or after this UTC date (the API's granularity is a day).
    pub start_date: Option<Date>,
}

/// One datastore/container pair a listing runs over (`None` = not filtered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scope {
    pub datastore: Option<u64>,
    pub container: Option<u64>,
}

impl AnomalyFilter {
    /// The scopes to run. With containers, the datastore filter is applied on the records
    /// (a container id already names one datastore, so the two are never sent crossed).
    pub(super) fn scopes(&self) -> Vec<Scope> {
        let dedup = |ids: &[u64]| {
            let mut v = ids.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        };
        if !self.containers.is_empty() {
            let single_ds = (self.datastores.len() == 1).then(|| self.datastores[0]);
            return dedup(&self.containers)
                .into_iter()
                .map(|c| Scope {
                    datastore: single_ds,
                    container: Some(c),
                })
                .collect();
        }
        if self.datastores.is_empty() {
            return vec![Scope {
                datastore: None,
                container: None,
            }];
        }
        dedup(&self.datastores)
            .into_iter()
            .map(|d| Scope {
                datastore: Some(d),
                container: None,
            })
            .collect()
    }

    /// True when a record from a container scope also passes the datastore filter.
    pub(super) fn datastore_allows(&self, datastore: Option<u64>) -> bool {
        self.datastores.is_empty() || datastore.is_some_and(|d| self.datastores.contains(&d))
    }

    /// Query parameters for one page of one scope.
    pub(super) fn query(&self, scope: Scope, page: u64, size: u32) -> Vec<(&'static str, String)> {
        let mut q = vec![("page", page.to_string()), ("size", size.to_string())];
        if let Some(d) = scope.datastore {
            q.push(("datastore", d.to_string()));
        }
        if let Some(c) = scope.container {
            q.push(("container", c.to_string()));
        }
        for s in &self.statuses {
            q.push(("status", s.as_str().to_owned()));
        }
        for t in &self.tags {
            q.push(("tag", t.clone()));
        }
        // As qualytics-cli: archive statuses are only found with `archived` set, so asking for
        // one widens the listing even when the caller left `archived` at its default.
        let wants_archived = self.statuses.iter().any(|s| !s.is_open());
        let wants_open = self.statuses.iter().any(|s| s.is_open());
        let archived = match self.archived {
            ArchivedFilter::Exclude if wants_archived && wants_open => ArchivedFilter::Include,
            ArchivedFilter::Exclude if wants_archived => ArchivedFilter::Only,
            a => a,
        };
        match archived {
            ArchivedFilter::Exclude => {}
            ArchivedFilter::Include => q.push(("archived", "include".to_owned())),
            ArchivedFilter::Only => q.push(("archived", "only".to_owned())),
        }
        if let Some(o) = self.sort_created {
            q.push((
                "sort_created",
                match o {
                    SortOrder::Asc => "asc",
                    SortOrder::Desc => "desc",
                }
                .to_owned(),
            ));
        }
        if let Some(d) = self.start_date {
            q.push(("start_date", d.strftime("%Y-%m-%d").to_string()));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn get<'a>(q: &'a [(&str, String)], k: &str) -> Vec<&'a str> {
        q.iter()
            .filter(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn repeatable_params_and_archived_widening() {
        let f = AnomalyFilter {
            statuses: vec![QualyticsStatus::Active, QualyticsStatus::Resolved],
            tags: vec!["a".into(), "b c".into()],
            start_date: Some(jiff::civil::date(2026, 11, 3)),
            sort_created: Some(SortOrder::Asc),
            ..Default::default()
        };
        let scope = f.scopes()[0];
        let q = f.query(scope, 2, 100);
        assert_eq!(get(&q, "status"), ["Active", "Resolved"]);
        assert_eq!(get(&q, "tag"), ["a", "b c"]);
        assert_eq!(get(&q, "archived"), ["include"]);
        assert_eq!(get(&q, "start_date"), ["2026-11-03"]);
        assert_eq!(get(&q, "sort_created"), ["asc"]);
        assert_eq!(get(&q, "page"), ["2"]);
        let only = AnomalyFilter {
            statuses: vec![QualyticsStatus::Invalid],
            ..Default::default()
        };
        assert_eq!(
            get(&only.query(only.scopes()[0], 1, 100), "archived"),
            ["only"]
        );
    }

    #[test]
    fn scopes_per_container_then_datastore() {
        let f = AnomalyFilter {
            datastores: vec![2, 1, 2],
            ..Default::default()
        };
        let ds: Vec<_> = f.scopes().iter().map(|s| s.datastore).collect();
        assert_eq!(ds, [Some(1), Some(2)]);
        let g = AnomalyFilter {
            datastores: vec![1, 2],
            containers: vec![101],
            ..Default::default()
        };
        assert_eq!(
            g.scopes(),
            [Scope {
                datastore: None,
                container: Some(101)
            }]
        );
        assert!(g.datastore_allows(Some(2)) && !g.datastore_allows(Some(3)));
        assert_eq!(AnomalyFilter::default().scopes().len(), 1);
    }
}
