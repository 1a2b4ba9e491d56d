//! Per-source state the ingester keeps (docs/sources.md §Health): where its last read stopped (a
//! kind-specific cursor, as JSON), what it can write back, and its health — last success, last
//! error and its cause, failures in a row, next poll. A batch of anomalies and the cursor that
//! follows it are committed together, so a crash never skips nor re-applies a batch.

use super::db::{OptionalExtension, Row, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::Anomaly;

use super::anomalies::{RawForm, UpsertReport, resolve_tx, upsert_tx};
use super::{Result, Store, ms, opt_from_ms};

/// What the store knows about one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceState {
    pub source: String,
    /// `file`, `qualytics`, `alertmanager`.
    pub kind: String,
    /// Kind-specific resume point (an NDJSON tail cursor, a Qualytics watermark…), as JSON.
    #[serde(skip)]
    pub cursor: Option<String>,
    /// The write-back actions the source accepts (`acknowledge`, `unacknowledge`, `archive`,
    /// `comment`), as the ingester last learned them; anything else stays local.
    pub capabilities: Vec<String>,
    pub last_attempt_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    /// The last failure's cause and fix; cleared by the next success.
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
    /// Failed polls in a row (the backoff's exponent).
    pub failures: u32,
    pub next_poll_at: Option<Timestamp>,
    /// Rows the last successful poll wrote (new or changed).
    pub last_changed: usize,
    /// Records the last successful poll skipped (bad lines, malformed items).
    pub last_problems: usize,
}

impl SourceState {
    /// Whether the source accepts this write-back action.
    pub fn can(&self, action: &str) -> bool {
        self.capabilities.iter().any(|c| c == action)
    }
}

/// One successful read of a source, applied atomically.
#[derive(Debug, Clone, Copy)]
pub struct SourceBatch<'a> {
    pub source: &'a str,
    pub kind: &'a str,
    /// New and changed anomalies (unchanged ones may be included: they cost one indexed read).
    pub anomalies: &'a [Anomaly],
    pub form: RawForm,
    /// Ids the source no longer has open (an alert that stopped firing): resolved by the source.
    pub resolved: &'a [String],
    /// Where the next read starts; `None` keeps the stored cursor.
    pub cursor: Option<&'a str>,
    pub capabilities: &'a [String],
    /// Skipped records in this read.
    pub problems: usize,
    /// `false` for a batch of a read that goes on (the health is recorded by the last one).
    pub last: bool,
    pub next_poll_at: Option<Timestamp>,
}

const STATE_COLUMNS: &str = "source, kind, cursor, capabilities, last_attempt_at, last_success_at, \
     last_error, last_error_at, failures, next_poll_at, last_changed, last_problems";

impl Store {
    /// Applies one read: the anomalies, the resolutions, the new cursor and (for the last batch
    /// of a read) the source's health, in one transaction.
    pub fn apply_source_batch(
        &mut self,
        b: &SourceBatch<'_>,
        now: Timestamp,
    ) -> Result<UpsertReport> {
        let tx = self.write_tx()?;
        let mut report = upsert_tx(&tx, b.source, b.anomalies, b.form, now)?;
        let resolved = resolve_tx(&tx, b.source, b.resolved, now)?;
        report.updated += resolved;
        report.status_changes += resolved;
        let caps = serde_json::to_string(b.capabilities).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "INSERT INTO source_state (source, kind, cursor, capabilities, last_attempt_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (source) DO UPDATE SET kind = ?2, cursor = COALESCE(?3, source_state.cursor), \
             capabilities = ?4, last_attempt_at = ?5",
            params![b.source, b.kind, b.cursor, caps, ms(now)],
        )?;
        if b.last {
            tx.execute(
                "UPDATE source_state SET last_success_at = ?2, last_error = NULL, \
                 last_error_at = NULL, failures = 0, next_poll_at = ?3, \
                 last_changed = ?4, last_problems = ?5 WHERE source = ?1",
                params![
                    b.source,
                    ms(now),
                    b.next_poll_at.map(ms),
                    report.changed() as i64,
                    b.problems as i64
                ],
            )?;
        } else {
            // A read that goes on: count what this batch wrote into the running totals.
            tx.execute(
                "UPDATE source_state SET last_changed = last_changed + ?2, \
                 last_problems = last_problems + ?3 WHERE source = ?1",
                params![b.source, report.changed() as i64, b.problems as i64],
            )?;
        }
        tx.commit()?;
        if report.status_changes > 0 {
            self.wake_workers();
        }
        Ok(report)
    }

    /// Records a failed read: the cause (with its fix), one more failure in a row, and when the
    /// next attempt is due. The anomalies and the cursor are left as they were.
    pub fn record_source_failure(
        &mut self,
        source: &str,
        kind: &str,
        error: &str,
        next_poll_at: Timestamp,
        now: Timestamp,
    ) -> Result<u32> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO source_state (source, kind, last_attempt_at, last_error, last_error_at, \
             failures, next_poll_at) VALUES (?1, ?2, ?3, ?4, ?3, 1, ?5) \
             ON CONFLICT (source) DO UPDATE SET kind = ?2, last_attempt_at = ?3, last_error = ?4, \
             last_error_at = ?3, failures = source_state.failures + 1, next_poll_at = ?5",
            params![source, kind, ms(now), error, ms(next_poll_at)],
        )?;
        let failures: i64 = tx.query_row(
            "SELECT failures FROM source_state WHERE source = ?1",
            [source],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    /// Resets a source's cursor (the next read starts over), keeping its health.
    pub fn reset_source_cursor(&mut self, source: &str) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE source_state SET cursor = NULL WHERE source = ?1",
            [source],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Ids of the source's anomalies the source itself still has open (not archived there).
    pub fn open_source_ids(&self, source: &str) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM anomalies WHERE source = ?1 AND source_status NOT LIKE 'archived:%'",
        )?;
        let ids = stmt.query_map([source], |r| r.get(0))?;
        ids.collect::<Result<_>>()
    }

    /// One source's state, if it was ever read.
    pub fn source_state(&self, source: &str) -> Result<Option<SourceState>> {
        self.conn
            .query_row(
                &format!("SELECT {STATE_COLUMNS} FROM source_state WHERE source = ?1"),
                [source],
                state_row,
            )
            .optional()?
            .transpose()
    }

    /// Every source ever read, by name.
    pub fn source_states(&self) -> Result<Vec<SourceState>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {STATE_COLUMNS} FROM source_state ORDER BY source"
        ))?;
        let rows = stmt.query_map(params![], state_row)?;
        rows.map(|r| r?).collect()
    }
}

fn state_row(r: &Row<'_>) -> Result<Result<SourceState>> {
    let caps: String = r.get(3)?;
    let times = (r.get(4)?, r.get(5)?, r.get(7)?, r.get(9)?);
    let (source, kind, cursor, last_error) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(6)?);
    let (failures, changed, problems): (i64, i64, i64) = (r.get(8)?, r.get(10)?, r.get(11)?);
    Ok((|| {
        Ok(SourceState {
            source,
            kind,
            cursor,
            capabilities: serde_json::from_str(&caps).unwrap_or_default(),
            last_attempt_at: opt_from_ms(times.0)?,
            last_success_at: opt_from_ms(times.1)?,
            last_error,
            last_error_at: opt_from_ms(times.2)?,
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
            next_poll_at: opt_from_ms(times.3)?,
            last_changed: usize::try_from(changed).unwrap_or(0),
            last_problems: usize::try_from(problems).unwrap_or(0),
        })
    })())
}

#[cfg(test)]
#[path = "sources_tests.rs"]
mod tests;
