//! Anomalies as last read from their sources, with their local triage status.

use super::db::{OptionalExtension, Row, Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{Anomaly, AnomalyKey, ArchiveReason, Severity, Status, anomaly_from_json};

use super::status::{current_status, status_change_tx};
use super::writeback::ChangeOrigin;

use super::{Result, Store, StoreError, from_ms, ms, opt_from_ms};

/// What an upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpsertReport {
    pub inserted: usize,
    /// Existing anomalies whose source data changed.
    pub updated: usize,
    pub unchanged: usize,
    /// Local statuses changed because the source's status changed (or the source resolved it).
    pub status_changes: usize,
}

impl UpsertReport {
    /// Rows written (inserted or updated).
    pub fn changed(&self) -> usize {
        self.inserted + self.updated
    }

    pub fn add(&mut self, other: UpsertReport) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.status_changes += other.status_changes;
    }
}

/// What an anomaly's `raw` is. A file record is itself the anomaly (re-parsed on read); an API
/// payload (a Qualytics anomaly, an alert) is kept verbatim next to the normalized record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawForm {
    Record,
    Payload,
}

/// Who a status change applied by the ingester is attributed to: the source itself.
pub fn source_actor(source: &str) -> String {
    format!("source:{source}")
}

/// Inserts or updates `anomalies` of `source` inside `tx`, writing only rows whose content
/// changed (compared by digest, so unchanged rows cost one indexed read). Every written row gets
/// a new revision, so readers fetch only what changed ([`Store::anomaly_rows_since`]).
pub(super) fn upsert_tx(
    tx: &Tx<'_>,
    source: &str,
    anomalies: &[Anomaly],
    form: RawForm,
    now: Timestamp,
) -> Result<UpsertReport> {
    let mut report = UpsertReport::default();
    let mut known = tx.prepare_cached(
        "SELECT digest, source_status, status FROM anomalies WHERE source = ?1 AND id = ?2",
    )?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO anomalies (source, id, title, severity, kind, source_status, \
         detected_at, datastore, container, field, url, raw, status, first_seen_at, last_seen_at, \
         normalized, digest, rev) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?6, ?13, ?13, ?14, ?15, ?16)",
    )?;
    let mut update = tx.prepare_cached(
        "UPDATE anomalies SET title = ?3, severity = ?4, kind = ?5, source_status = ?6, \
         detected_at = ?7, datastore = ?8, container = ?9, field = ?10, url = ?11, raw = ?12, \
         last_seen_at = ?13, normalized = ?14, digest = ?15, rev = ?16 \
         WHERE source = ?1 AND id = ?2",
    )?;
    let actor = source_actor(source);
    // Revisions are handed out from one read of the top (we hold the write lock).
    let mut next_rev = max_rev_tx(tx)? + 1;
    for a in anomalies {
        let normalized = match form {
            RawForm::Record => None,
            RawForm::Payload => {
                Some(serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?)
            }
        };
        let raw = if a.raw.is_empty() {
            match &normalized {
                Some(n) => n.clone(),
                None => serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?,
            }
        } else {
            a.raw.clone()
        };
        // A payload's identity is its normalized form: volatile payload fields the mapping drops
        // (an alert's `updatedAt`) do not make a row change on every poll.
        let digest = content_digest(normalized.as_deref().unwrap_or(&raw));
        let before: Option<(Option<i64>, String, String)> = known
            .query_row(params![source, a.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
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
            normalized,
            digest,
            next_rev,
        ];
        match before {
            None => {
                insert.execute(p)?;
                next_rev += 1;
                report.inserted += 1;
            }
            Some((Some(d), _, _)) if d == digest => report.unchanged += 1,
            Some((_, old_source_status, local)) => {
                update.execute(p)?;
                next_rev += 1;
                report.updated += 1;
                let new_source_status = a.status.code();
                if old_source_status != new_source_status && local != new_source_status {
                    let key = AnomalyKey::new(source, a.id.clone());
                    status_change_tx(tx, &key, a.status, &actor, ChangeOrigin::Source, now)?;
                    next_rev = max_rev_tx(tx)? + 1; // the change gave the row a revision
                    report.status_changes += 1;
                }
            }
        }
    }
    Ok(report)
}

/// Marks anomalies the source no longer lists (an alert that stopped firing) as resolved by the
/// source: their source status becomes Archived (Resolved) and the local status follows unless
/// it is archived already. Returns how many changed.
pub(super) fn resolve_tx(
    tx: &Tx<'_>,
    source: &str,
    ids: &[String],
    now: Timestamp,
) -> Result<usize> {
    let resolved = Status::Archived(ArchiveReason::Resolved);
    let actor = source_actor(source);
    let mut changed = 0;
    for id in ids {
        let n = tx.execute(
            "UPDATE anomalies SET source_status = ?3, last_seen_at = ?4, digest = NULL, \
             rev = (SELECT COALESCE(MAX(rev), 0) + 1 FROM anomalies) \
             WHERE source = ?1 AND id = ?2 AND source_status NOT LIKE 'archived:%'",
            params![source, id, resolved.code(), ms(now)],
        )?;
        if n == 0 {
            continue;
        }
        changed += 1;
        let key = AnomalyKey::new(source, id.clone());
        if !matches!(current_status(tx, &key)?, Status::Archived(_)) {
            status_change_tx(tx, &key, resolved, &actor, ChangeOrigin::Source, now)?;
        }
    }
    Ok(changed)
}

fn max_rev_tx(tx: &Tx<'_>) -> Result<i64> {
    tx.query_row(
        "SELECT COALESCE(MAX(rev), 0) FROM anomalies",
        params![],
        |r| r.get(0),
    )
}

/// Gives the anomaly a new revision (its list row changed: status, link count).
pub(super) fn bump_rev(tx: &Tx<'_>, key: &AnomalyKey) -> Result<()> {
    tx.execute(
        "UPDATE anomalies SET rev = (SELECT COALESCE(MAX(rev), 0) + 1 FROM anomalies) \
         WHERE source = ?1 AND id = ?2",
        params![key.source, key.id],
    )?;
    Ok(())
}

/// FNV-1a of the content a row is compared by (stable across releases, unlike std's hasher).
fn content_digest(text: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
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

/// The list columns without the link count (filled in by [`Store::fill_link_counts`]).
const LIST_COLUMNS: &str = "a.source, a.id, a.title, a.severity, a.kind, a.source_status, a.status, \
     a.detected_at, a.datastore, a.container, a.field, 0";

const ROW_COLUMNS: &str = "a.source, a.id, a.title, a.severity, a.kind, a.source_status, a.status, \
     a.detected_at, a.datastore, a.container, a.field, \
     (SELECT COUNT(*) FROM links l WHERE l.source = a.source AND l.anomaly_id = a.id)";

impl Store {
    /// Inserts new anomalies and refreshes the source fields of known ones whose content changed,
    /// in one transaction; unchanged ones are not written at all. A change of the *source's*
    /// status (archived in Qualytics, an alert resolved) is applied to the local status too, as a
    /// change made by the source (history, notes to linked incidents, nothing written back).
    pub fn upsert_anomalies(
        &mut self,
        source: &str,
        anomalies: &[Anomaly],
        now: Timestamp,
    ) -> Result<UpsertReport> {
        let tx = self.write_tx()?;
        let report = upsert_tx(&tx, source, anomalies, RawForm::Record, now)?;
        tx.commit()?;
        if report.status_changes > 0 {
            self.wake_workers();
        }
        Ok(report)
    }

    /// One anomaly, or `None`.
    pub fn get_anomaly(&self, key: &AnomalyKey) -> Result<Option<StoredAnomaly>> {
        self.conn
            .query_row(
                "SELECT a.raw, a.status, a.status_changed_at, a.status_changed_by, a.first_seen_at, \
                 a.last_seen_at, \
                 (SELECT COUNT(*) FROM links l WHERE l.source = a.source AND l.anomaly_id = a.id), \
                 a.normalized \
                 FROM anomalies a WHERE a.source = ?1 AND a.id = ?2",
                params![key.source, key.id],
                |r| {
                    Ok((
                        (r.get::<_, String>(0)?, r.get::<_, Option<String>>(7)?),
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
            .map(|((raw, normalized), status, changed_at, changed_by, first, last, links)| {
                // An API payload is kept verbatim next to its normalized record.
                let mut anomaly = anomaly_from_json(normalized.as_deref().unwrap_or(&raw))
                    .map_err(|e| StoreError::Corrupt(format!("anomaly {key}: {e}")))?;
                anomaly.raw = raw;
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
            // "Any case": SQLite's LIKE ignores ASCII case, PostgreSQL's needs ILIKE.
            let like = match self.conn.dialect() {
                super::db::Dialect::Sqlite => "LIKE",
                super::db::Dialect::Postgres => "ILIKE",
            };
            sql.push_str(&format!(
                " AND (a.id {like} ?{n} ESCAPE '\\' OR a.title {like} ?{n} ESCAPE '\\' \
                 OR a.datastore {like} ?{n} ESCAPE '\\' OR a.container {like} ?{n} ESCAPE '\\' \
                 OR a.field {like} ?{n} ESCAPE '\\')"
            ));
        }
        // Sorted in memory: SQLite's sort of 100k wide rows costs twice the scan.
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(super::db::params_from_iter(args.iter()), raw_row)?;
        let mut rows = rows.map(|r| r?.into_row()).collect::<Result<Vec<_>>>()?;
        sort_for_list(&mut rows);
        if let Some(limit) = filter.limit {
            rows.truncate(limit);
        }
        Ok(rows)
    }

    /// Finds the anomaly with this id across sources. Errors when none or several match.
    pub fn resolve_anomaly_id(&self, id: &str) -> Result<AnomalyKey> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT source FROM anomalies WHERE id = ?1 ORDER BY source")?;
        let sources: Vec<String> = stmt.query_map([id], |r| r.get(0))?.collect::<Result<_>>()?;
        match sources.as_slice() {
            [] => Err(StoreError::AnomalyNotFound(id.to_owned())),
            [one] => Ok(AnomalyKey::new(one.clone(), id)),
            many => Err(StoreError::AmbiguousAnomaly {
                id: id.to_owned(),
                sources: many.join(", "),
            }),
        }
    }

    /// The list rows whose revision is above `rev` (changed or new since a reader last looked),
    /// and the highest revision now. `anomaly_rows_since(0)` lists everything. The rows come in
    /// no particular order: the reader (the dashboard's list) sorts them its own way.
    pub fn anomaly_rows_since(&self, rev: i64) -> Result<(Vec<AnomalyRow>, i64), StoreError> {
        let top = self.max_rev()?;
        let mut rows = if rev == 0 {
            self.all_rows()?
        } else {
            // A few changed rows: the rev index.
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {LIST_COLUMNS} FROM anomalies a WHERE a.rev > ?1 AND a.rev <= ?2"
            ))?;
            let rows = stmt.query_map(params![rev, top], raw_row)?;
            rows.map(|r| r?.into_row()).collect::<Result<Vec<_>>>()?
        };
        self.fill_link_counts(&mut rows)?;
        Ok((rows, top))
    }

    /// Every list row, in one scan of the table (a row written meanwhile may come now and
    /// again with the next update: readers merge by key).
    fn all_rows(&self) -> Result<Vec<AnomalyRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {LIST_COLUMNS} FROM anomalies a"))?;
        let rows = stmt.query_map(params![], raw_row)?;
        rows.map(|r| r?.into_row()).collect()
    }

    /// Link counts from one grouped read of the (small) links table, instead of a lookup per
    /// row.
    fn fill_link_counts(&self, rows: &mut [AnomalyRow]) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT source, anomaly_id, COUNT(*) FROM links GROUP BY source, anomaly_id",
        )?;
        let counts: std::collections::HashMap<(String, String), i64> = stmt
            .query_map(params![], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?
            .collect::<Result<_>>()?;
        if counts.is_empty() {
            return Ok(());
        }
        for row in rows {
            let k = (row.key.source.clone(), row.key.id.clone());
            if let Some(n) = counts.get(&k) {
                row.link_count = usize::try_from(*n).unwrap_or(0);
            }
        }
        Ok(())
    }

    /// The highest anomaly revision (0 for an empty store).
    pub fn max_rev(&self) -> Result<i64> {
        self.conn.query_row(
            "SELECT COALESCE(MAX(rev), 0) FROM anomalies",
            params![],
            |r| r.get(0),
        )
    }

    /// How many anomalies the store holds.
    pub fn count_anomalies(&self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM anomalies", params![], |r| r.get(0))?;
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
                    (SELECT COALESCE(MAX(rev), 0) FROM anomalies), \
                    (SELECT COALESCE(MAX(status_changed_at), 0) FROM anomalies), \
                    (SELECT COUNT(*) FROM links), \
                    (SELECT COALESCE(MAX(read_at), 0) FROM links), \
                    (SELECT COUNT(*) FROM comments)",
            params![],
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

/// Newest detection first (undated last), then by source and id.
fn sort_for_list(rows: &mut [AnomalyRow]) {
    rows.sort_unstable_by(|a, b| {
        b.detected_at
            .cmp(&a.detected_at)
            .then_with(|| a.key.cmp(&b.key))
    });
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

fn raw_row(r: &Row<'_>) -> Result<RawRow> {
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
