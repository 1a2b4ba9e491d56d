//! Anomalies as last read from their sources, with their local triage status.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use crate::domain::{Anomaly, AnomalyKey, Severity, Status, anomaly_from_json};

use super::{Result, Store, StoreError, from_ms, ms, opt_from_ms};

/// What an upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpsertReport {
    pub inserted: usize,
    /// Existing anomalies whose source data changed.
    pub updated: usize,
    pub unchanged: usize,
}

/// One anomaly with everything the store knows about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredAnomaly {
    pub key: AnomalyKey,
    /// As the source last described it (its `status` is the source's status).
    pub anomaly: Anomaly,
    /// The local triage status (starts as the source status, then changes only locally).
    pub status: Status,
    pub status_changed_at: Option<Timestamp>,
    pub status_changed_by: Option<String>,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub link_count: usize,
}

/// A list row: the columns a list view shows, without re-parsing the raw payload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnomalyRow {
    pub key: AnomalyKey,
    pub title: String,
    pub severity: Option<Severity>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub source_status: Status,
    pub status: Status,
    pub detected_at: Option<Timestamp>,
    pub datastore: Option<String>,
    pub container: Option<String>,
    pub field: Option<String>,
    pub link_count: usize,
}

/// Which statuses to list. `Archived` matches every archive reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Active,
    Acknowledged,
    Archived,
    /// Not archived (active or acknowledged).
    Open,
    Exactly(Status),
}

/// Filters for [`Store::list_anomalies`]; the default lists everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnomalyFilter {
    pub source: Option<String>,
    pub status: Option<StatusFilter>,
    /// `Some(true)`: only anomalies with at least one link; `Some(false)`: only without.
    pub linked: Option<bool>,
    /// Case-insensitive substring of id, title, datastore, container or field.
    pub text: Option<String>,
    pub limit: Option<usize>,
}

const ROW_COLUMNS: &str = "a.source, a.id, a.title, a.severity, a.kind, a.source_status, a.status, \
     a.detected_at, a.datastore, a.container, a.field, \
     (SELECT COUNT(*) FROM links l WHERE l.source = a.source AND l.anomaly_id = a.id)";

impl Store {
    /// Inserts new anomalies and refreshes the source fields of known ones, in one transaction.
    /// The local status of a known anomaly is never touched; a new one starts with its source
    /// status.
    pub fn upsert_anomalies(
        &mut self,
        source: &str,
        anomalies: &[Anomaly],
        now: Timestamp,
    ) -> Result<UpsertReport> {
        let tx = self.write_tx()?;
        let mut report = UpsertReport::default();
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO anomalies (source, id, title, severity, kind, source_status, \
                 detected_at, datastore, container, field, url, raw, status, first_seen_at, last_seen_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?6, ?13, ?13)",
            )?;
            let mut update = tx.prepare_cached(
                "UPDATE anomalies SET title = ?3, severity = ?4, kind = ?5, source_status = ?6, \
                 detected_at = ?7, datastore = ?8, container = ?9, field = ?10, url = ?11, raw = ?12, \
                 last_seen_at = ?13 WHERE source = ?1 AND id = ?2 AND raw IS NOT ?12",
            )?;
            let mut touch = tx.prepare_cached(
                "UPDATE anomalies SET last_seen_at = ?3 WHERE source = ?1 AND id = ?2",
            )?;
            for a in anomalies {
                let raw = if a.raw.is_empty() {
                    serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?
                } else {
                    a.raw.clone()
                };
                let p = params![
                    source,
                    a.id,
                    a.title,
                    a.severity.map(|s| s.as_str()),
                    a.kind,
                    a.status.code(),
                    a.detected_at.map(ms),
                    a.datastore,
                    a.container,
                    a.field,
                    a.url,
                    raw,
                    ms(now),
                ];
                if insert.execute(p)? == 1 {
                    report.inserted += 1;
                } else if update.execute(p)? == 1 {
                    report.updated += 1;
                } else {
                    touch.execute(params![source, a.id, ms(now)])?;
                    report.unchanged += 1;
                }
            }
        }
        tx.commit()?;
        Ok(report)
    }

    /// One anomaly, or `None`.
    pub fn get_anomaly(&self, key: &AnomalyKey) -> Result<Option<StoredAnomaly>> {
        self.conn
            .query_row(
                "SELECT a.raw, a.status, a.status_changed_at, a.status_changed_by, a.first_seen_at, \
                 a.last_seen_at, \
                 (SELECT COUNT(*) FROM links l WHERE l.source = a.source AND l.anomaly_id = a.id) \
                 FROM anomalies a WHERE a.source = ?1 AND a.id = ?2",
                params![key.source, key.id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                },
            )
            .optional()?
            .map(|(raw, status, changed_at, changed_by, first, last, links)| {
                let anomaly = anomaly_from_json(&raw)
                    .map_err(|e| StoreError::Corrupt(format!("anomaly {key}: {e}")))?;
                Ok(StoredAnomaly {
                    key: key.clone(),
                    anomaly,
                    status: parse_status(&status)?,
                    status_changed_at: opt_from_ms(changed_at)?,
                    status_changed_by: changed_by,
                    first_seen_at: from_ms(first)?,
                    last_seen_at: from_ms(last)?,
                    link_count: usize::try_from(links).unwrap_or(0),
                })
            })
            .transpose()
    }

    /// Lists anomalies, newest detection first (undated last), then by id.
    pub fn list_anomalies(&self, filter: &AnomalyFilter) -> Result<Vec<AnomalyRow>> {
        let mut sql = format!("SELECT {ROW_COLUMNS} FROM anomalies a WHERE 1 = 1");
        let mut args: Vec<String> = Vec::new();
        if let Some(source) = &filter.source {
            args.push(source.clone());
            sql.push_str(&format!(" AND a.source = ?{}", args.len()));
        }
        match filter.status {
            None => {}
            Some(StatusFilter::Active) => sql.push_str(" AND a.status = 'active'"),
            Some(StatusFilter::Acknowledged) => sql.push_str(" AND a.status = 'acknowledged'"),
            Some(StatusFilter::Archived) => sql.push_str(" AND a.status LIKE 'archived:%'"),
            Some(StatusFilter::Open) => sql.push_str(" AND a.status NOT LIKE 'archived:%'"),
            Some(StatusFilter::Exactly(s)) => {
                args.push(s.code());
                sql.push_str(&format!(" AND a.status = ?{}", args.len()));
            }
        }
        let linked =
            "EXISTS (SELECT 1 FROM links l WHERE l.source = a.source AND l.anomaly_id = a.id)";
        match filter.linked {
            Some(true) => sql.push_str(&format!(" AND {linked}")),
            Some(false) => sql.push_str(&format!(" AND NOT {linked}")),
            None => {}
        }
        if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
            args.push(format!("%{}%", escape_like(text)));
            let n = args.len();
            sql.push_str(&format!(
                " AND (a.id LIKE ?{n} ESCAPE '\\' OR a.title LIKE ?{n} ESCAPE '\\' \
                 OR a.datastore LIKE ?{n} ESCAPE '\\' OR a.container LIKE ?{n} ESCAPE '\\' \
                 OR a.field LIKE ?{n} ESCAPE '\\')"
            ));
        }
        sql.push_str(" ORDER BY a.detected_at DESC NULLS LAST, a.source, a.id");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), raw_row)?;
        rows.map(|r| r?.into_row()).collect()
    }

    /// Finds the anomaly with this id across sources. Errors when none or several match.
    pub fn resolve_anomaly_id(&self, id: &str) -> Result<AnomalyKey> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT source FROM anomalies WHERE id = ?1 ORDER BY source")?;
        let sources: Vec<String> = stmt
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match sources.as_slice() {
            [] => Err(StoreError::AnomalyNotFound(id.to_owned())),
            [one] => Ok(AnomalyKey::new(one.clone(), id)),
            many => Err(StoreError::AmbiguousAnomaly {
                id: id.to_owned(),
                sources: many.join(", "),
            }),
        }
    }

    /// How many anomalies the store holds.
    pub fn count_anomalies(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM anomalies", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

impl Store {
    /// A cheap fingerprint of what the dashboard lists: anomalies (count, last load, last status
    /// change), links, comments and link reads. Another process changing any of them changes it,
    /// so a dashboard can reload only when something did change.
    pub fn change_fingerprint(&self) -> Result<u64> {
        let parts: [i64; 6] = self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM anomalies), \
                    (SELECT COALESCE(MAX(last_seen_at), 0) FROM anomalies), \
                    (SELECT COALESCE(MAX(status_changed_at), 0) FROM anomalies), \
                    (SELECT COUNT(*) FROM links), \
                    (SELECT COALESCE(MAX(read_at), 0) FROM links), \
                    (SELECT COUNT(*) FROM comments)",
            [],
            |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ])
            },
        )?;
        // FNV-1a over the parts: stable across runs, no dependency.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in parts.iter().flat_map(|p| p.to_le_bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Ok(h)
    }
}

pub(super) fn parse_status(code: &str) -> Result<Status> {
    Status::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("unknown status {code:?}")))
}

/// Escapes LIKE wildcards so user text matches literally.
fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The raw column values of a list row; conversion errors surface as `StoreError`.
struct RawRow(
    AnomalyKey,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<i64>,
    [Option<String>; 3],
    i64,
);

fn raw_row(r: &Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow(
        AnomalyKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        [r.get(8)?, r.get(9)?, r.get(10)?],
        r.get(11)?,
    ))
}

impl RawRow {
    fn into_row(self) -> Result<AnomalyRow> {
        let RawRow(key, title, severity, kind, source_status, status, detected, [ds, ct, fd], n) =
            self;
        Ok(AnomalyRow {
            key,
            title,
            severity: severity.as_deref().and_then(Severity::parse),
            kind,
            source_status: parse_status(&source_status)?,
            status: parse_status(&status)?,
            detected_at: opt_from_ms(detected)?,
            datastore: ds,
            container: ct,
            field: fd,
            link_count: usize::try_from(n).unwrap_or(0),
        })
    }
}

#[cfg(test)]
#[path = "anomalies_tests.rs"]
mod tests;
