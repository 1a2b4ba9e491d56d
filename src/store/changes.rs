//! Change detection's durable state and back-sync's writes (docs/store.md §Change detection).
//!
//! Per instance and table, `change_watermarks` holds the newest `sys_updated_on` seen (in
//! ServiceNow's clock); per link, `seen_version` / `seen_updated_on` / `seen_target` hold the
//! record as change detection last saw it. A record read again at the same version (the
//! overlap of the next query, a restart) is not applied again; a link never seen takes the
//! record as it is now as its baseline and applies nothing (its earlier history is unknown).

use super::db::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, IncidentState, Status, Target, decide};

use super::status::{current_status, status_change_with_detail_tx};
use super::writeback::ChangeOrigin;
use super::{Result, Store, ms};

/// One linked record as read by change detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedRecord {
    pub sys_id: String,
    pub number: String,
    /// Display values for the link pane (the same read feeds the link state).
    pub state: IncidentState,
    /// What the record's state asks of its anomalies under the instance's mapping.
    pub target: Option<Target>,
    /// Human words for the history (`Resolved, close code Duplicate`).
    pub summary: String,
    /// Raw `sys_updated_on` (`YYYY-MM-DD HH:MM:SS`, UTC).
    pub updated_on: String,
    pub updated_by: String,
    /// `sys_mod_count`, when the instance returned it.
    pub version: Option<i64>,
    /// Who resolved (state 6) or closed (state 7) it, as a user_name (`resolved_by` /
    /// `closed_by`); what tells a person's resolve apart when snowlink wrote after it.
    pub archived_by: Option<String>,
}

/// The records one read returned, and how to treat them.
#[derive(Debug, Clone)]
pub struct ChangeBatch<'a> {
    pub instance: &'a str,
    /// The sys_ids the read asked for: their links' `read_at` moves to `read_at` (a record
    /// that did not come back has not changed since the watermark, so what is known still holds).
    pub asked: &'a [String],
    pub records: &'a [ObservedRecord],
    /// snowlink's own ServiceNow user_names: their changes are never applied back (the loop
    /// guard).
    pub own_users: &'a [String],
    /// `back_sync = true`: apply changes to anomalies (else only the baselines move).
    pub apply: bool,
    pub read_at: Timestamp,
}

/// What one status change from ServiceNow did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedChange {
    pub anomaly: AnomalyKey,
    pub number: String,
    pub from: Status,
    pub to: Status,
    /// `servicenow:<sys_updated_by>`.
    pub user: String,
    /// Source write-back queued for it, if the source takes that action.
    pub source_outbox: Option<i64>,
}

/// What [`Store::record_incident_changes`] did (counts are per link).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChangeOutcome {
    /// Links that saw a newer version of their record.
    pub changed: usize,
    /// Links seen for the first time: baseline taken, nothing applied.
    pub baselined: usize,
    /// Links whose record came back at the version already seen.
    pub unchanged: usize,
    /// Newer versions written by snowlink's own user (never applied).
    pub own_changes: usize,
    pub applied: Vec<AppliedChange>,
}

/// A linked record to ask about, and whether all of its links have seen it before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeTarget {
    pub table: String,
    pub sys_id: String,
    pub number: String,
    pub seen: bool,
}

impl Store {
    /// The newest `sys_updated_on` change detection has seen on `instance`/`table`.
    pub fn change_watermark(&self, instance: &str, table: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT updated_on FROM change_watermarks WHERE instance = ?1 AND tbl = ?2",
                params![instance, table],
                |r| r.get(0),
            )
            .optional()
    }

    /// Moves the watermark forward to `updated_on` (never back). Called once every read of
    /// the pass succeeded, so a failed batch is read again from the old watermark.
    pub fn advance_change_watermark(
        &mut self,
        instance: &str,
        table: &str,
        updated_on: &str,
        at: Timestamp,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO change_watermarks (instance, tbl, updated_on, read_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (instance, tbl) DO UPDATE SET \
             updated_on = GREATEST(change_watermarks.updated_on, excluded.updated_on), read_at = excluded.read_at",
            params![instance, table, updated_on, ms(at)],
        )?;
        Ok(())
    }

    /// Every record linked on `instance` (one row per record), in table and sys_id order.
    /// What the change poller last saw of a record (its version and update time): the
    /// dashboard's incident view re-reads the journal only when this moves. `None` before the
    /// poller saw it.
    pub fn change_mark(&self, instance: &str, sys_id: &str) -> Result<Option<String>> {
        let mark: Option<String> = self.conn.query_row(
            "SELECT MAX(COALESCE(CAST(seen_version AS TEXT), '') || '@' || COALESCE(seen_updated_on, '')) \
             FROM links WHERE instance = ?1 AND sys_id = ?2 \
             AND (seen_version IS NOT NULL OR seen_updated_on IS NOT NULL)",
            params![instance, sys_id],
            |r| r.get(0),
        )?;
        Ok(mark)
    }

    pub fn change_targets(&self, instance: &str) -> Result<Vec<ChangeTarget>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tbl, sys_id, MAX(number), \
             MIN(CASE WHEN seen_version IS NOT NULL OR seen_updated_on IS NOT NULL THEN 1 ELSE 0 END) \
             FROM links \
             WHERE instance = ?1 GROUP BY tbl, sys_id ORDER BY tbl, sys_id",
        )?;
        let rows = stmt.query_map([instance], |r| {
            Ok(ChangeTarget {
                table: r.get(0)?,
                sys_id: r.get(1)?,
                number: r.get(2)?,
                seen: r.get::<_, i64>(3)? != 0,
            })
        })?;
        rows.collect::<Result<_>>()
    }

    /// Records one read of linked records: their link state, and per link the new version and
    /// target; with `apply`, the status each change gives its anomaly (history as
    /// `servicenow:<user>`, the source write-back queued, no work note), in one transaction.
    pub fn record_incident_changes(&mut self, batch: &ChangeBatch<'_>) -> Result<ChangeOutcome> {
        let tx = self.write_tx()?;
        let mut out = ChangeOutcome::default();
        for sys_id in batch.asked {
            tx.execute(
                // A link marked broken (its record gone or hidden) keeps its error until the
                // record itself comes back.
                "UPDATE links SET read_at = ?3, read_error = NULL \
                 WHERE instance = ?1 AND sys_id = ?2 AND broken = 0",
                params![batch.instance, sys_id, ms(batch.read_at)],
            )?;
        }
        for rec in batch.records {
            record_one(&tx, batch, rec, &mut out)?;
        }
        tx.commit()?;
        if out.applied.iter().any(|a| a.source_outbox.is_some()) {
            self.wake_workers();
        }
        Ok(out)
    }
}

/// Whether `user` is snowlink's own ServiceNow user (the loop guard's users).
fn is_own(batch: &ChangeBatch<'_>, user: &str) -> bool {
    batch
        .own_users
        .iter()
        .any(|u| !u.is_empty() && u.eq_ignore_ascii_case(user.trim()))
}

struct Seen {
    key: AnomalyKey,
    version: Option<i64>,
    updated_on: Option<String>,
    target: Option<Target>,
}

/// Whether `rec` is newer than what the link saw: by `sys_mod_count` when both have one
/// (two changes in one second differ only there), else by `sys_updated_on`.
fn is_newer(rec: &ObservedRecord, seen: &Seen) -> bool {
    match (rec.version, seen.version) {
        (Some(v), Some(s)) => v > s,
        _ => seen
            .updated_on
            .as_deref()
            .is_none_or(|s| rec.updated_on.as_str() > s),
    }
}

fn record_one(
    tx: &Tx<'_>,
    batch: &ChangeBatch<'_>,
    rec: &ObservedRecord,
    out: &mut ChangeOutcome,
) -> Result<()> {
    let s = &rec.state;
    tx.execute(
        "UPDATE links SET state = ?3, priority = ?4, assignment_group = ?5, assigned_to = ?6, \
         read_at = ?7, read_error = NULL, broken = 0, number = COALESCE(NULLIF(?8, ''), number) \
         WHERE instance = ?1 AND sys_id = ?2",
        params![
            batch.instance,
            rec.sys_id,
            s.state,
            s.priority,
            s.assignment_group,
            s.assigned_to,
            ms(batch.read_at),
            rec.number
        ],
    )?;
    let links: Vec<Seen> = {
        let mut stmt = tx.prepare_cached(
            "SELECT source, anomaly_id, seen_version, seen_updated_on, seen_target FROM links \
             WHERE instance = ?1 AND sys_id = ?2 ORDER BY source, anomaly_id",
        )?;
        stmt.query_map(params![batch.instance, rec.sys_id], |r| {
            Ok(Seen {
                key: AnomalyKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                version: r.get(2)?,
                updated_on: r.get(3)?,
                target: r
                    .get::<_, Option<String>>(4)?
                    .and_then(|c| Target::from_code(&c)),
            })
        })?
        .collect::<Result<_>>()?
    };
    let own = is_own(batch, &rec.updated_by);
    for seen in links {
        let first = seen.version.is_none() && seen.updated_on.is_none();
        if !first && !is_newer(rec, &seen) {
            out.unchanged += 1;
            continue;
        }
        tx.execute(
            "UPDATE links SET seen_version = ?5, seen_updated_on = ?6, seen_target = ?7 \
             WHERE source = ?1 AND anomaly_id = ?2 AND instance = ?3 AND sys_id = ?4",
            params![
                seen.key.source,
                seen.key.id,
                batch.instance,
                rec.sys_id,
                rec.version,
                rec.updated_on,
                rec.target.map(Target::code)
            ],
        )?;
        if first {
            out.baselined += 1;
            continue;
        }
        out.changed += 1;
        // ServiceNow names only the last updater: a person's resolve followed by a snowlink
        // note before this read shows snowlink as the updater. The record's `resolved_by` /
        // `closed_by` tells them apart; that change is the person's and is applied.
        let masked = own
            && matches!(rec.target, Some(Target::Archive(_)))
            && rec.target != seen.target
            && rec
                .archived_by
                .as_deref()
                .is_some_and(|u| !u.trim().is_empty() && !is_own(batch, u));
        if own && !masked {
            out.own_changes += 1;
            continue;
        }
        if batch.apply {
            apply(tx, batch, rec, &seen, masked, out)?;
        }
    }
    Ok(())
}

fn apply(
    tx: &Tx<'_>,
    batch: &ChangeBatch<'_>,
    rec: &ObservedRecord,
    seen: &Seen,
    masked: bool,
    out: &mut ChangeOutcome,
) -> Result<()> {
    let current = current_status(tx, &seen.key)?;
    let others = other_targets(tx, &seen.key, batch.instance, &rec.sys_id)?;
    let Some(to) = decide(current, seen.target, rec.target, &others) else {
        return Ok(());
    };
    let (user, detail) = if masked {
        let who = rec.archived_by.as_deref().unwrap_or("").trim();
        (
            format!("servicenow:{who}"),
            format!(
                "{} {} (changed in ServiceNow by {who}; snowlink's own update at {} UTC came \
                 after it)",
                rec.number, rec.summary, rec.updated_on
            ),
        )
    } else {
        (
            format!("servicenow:{}", rec.updated_by.trim()),
            format!(
                "{} {} (changed in ServiceNow by {} at {} UTC)",
                rec.number,
                rec.summary,
                rec.updated_by.trim(),
                rec.updated_on
            ),
        )
    };
    let at = servicenow_time(&rec.updated_on).unwrap_or(batch.read_at);
    let change = status_change_with_detail_tx(
        tx,
        &seen.key,
        to,
        &user,
        ChangeOrigin::ServiceNow,
        Some(&detail),
        at,
    )?;
    if change.changed {
        out.applied.push(AppliedChange {
            anomaly: seen.key.clone(),
            number: rec.number.clone(),
            from: change.previous,
            to,
            user,
            source_outbox: change.source.outbox,
        });
    }
    Ok(())
}

/// The targets of the anomaly's other non-broken links, as last seen (`None`: open or unseen).
fn other_targets(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    instance: &str,
    sys_id: &str,
) -> Result<Vec<Option<Target>>> {
    let mut stmt = tx.prepare_cached(
        "SELECT seen_target FROM links WHERE source = ?1 AND anomaly_id = ?2 AND broken = 0 \
         AND NOT (instance = ?3 AND sys_id = ?4)",
    )?;
    let rows = stmt.query_map(params![key.source, key.id, instance, sys_id], |r| {
        r.get::<_, Option<String>>(0)
    })?;
    rows.map(|r| Ok(r?.and_then(|c| Target::from_code(&c))))
        .collect()
}

/// ServiceNow's raw `YYYY-MM-DD HH:MM:SS` (UTC) as a timestamp.
pub fn servicenow_time(raw: &str) -> Option<Timestamp> {
    let dt: jiff::civil::DateTime = raw.trim().parse().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
#[path = "changes_tests.rs"]
mod tests;
