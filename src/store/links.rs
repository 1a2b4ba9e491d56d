//! Links between anomalies and incidents (many-to-many), with the last known incident state.

use super::db::{OptionalExtension, Row, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, IncidentRef, IncidentState, Link};

use super::anomalies::bump_rev;
use super::audit::{NewAudit, audit_tx};
use super::outbox::{NewDelivery, OutboxId, enqueue_tx};
use super::status::current_status;
use super::{Result, Store, from_ms, ms, opt_from_ms};

/// A link to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub anomaly: AnomalyKey,
    pub incident: IncidentRef,
    /// The incident state as read when linking (`IncidentState::default()` if not read).
    pub state: IncidentState,
    /// When `state` was read, if it was.
    pub read_at: Option<Timestamp>,
    pub linked_by: String,
    pub linked_at: Timestamp,
}

/// What [`Store::add_link`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkAdded {
    /// False when the link already existed (then nothing was queued).
    pub created: bool,
    pub outbox: Vec<OutboxId>,
}

const LINK_COLUMNS: &str = "source, anomaly_id, instance, tbl, sys_id, number, state, priority, \
     assignment_group, assigned_to, read_at, read_error, broken, linked_at, linked_by";

impl Store {
    /// Records the link and, in the same transaction, queues `deliveries` (the description
    /// append and the link note). An existing link is left alone and nothing is queued.
    pub fn add_link(&mut self, link: &NewLink, deliveries: &[NewDelivery]) -> Result<LinkAdded> {
        let tx = self.write_tx()?;
        current_status(&tx, &link.anomaly)?; // existence check with a clear error
        let (a, i, s) = (&link.anomaly, &link.incident, &link.state);
        let created = tx.execute(
            "INSERT INTO links (source, anomaly_id, instance, tbl, sys_id, number, state, \
             priority, assignment_group, assigned_to, read_at, linked_at, linked_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT DO NOTHING",
            params![
                a.source,
                a.id,
                i.instance,
                i.table,
                i.sys_id,
                i.number,
                s.state,
                s.priority,
                s.assignment_group,
                s.assigned_to,
                link.read_at.map(ms),
                ms(link.linked_at),
                link.linked_by
            ],
        )? == 1;
        let mut outbox = Vec::new();
        if created {
            bump_rev(&tx, a)?; // its link count changed
            for d in deliveries {
                outbox.push(enqueue_tx(&tx, d, link.linked_at)?);
            }
            audit_tx(
                &tx,
                &NewAudit::local(
                    i,
                    "link",
                    &format!("linked to anomaly {a} by {}", link.linked_by),
                    link.linked_at,
                ),
            )?;
        }
        tx.commit()?;
        if !outbox.is_empty() {
            self.wake_workers();
        }
        Ok(LinkAdded { created, outbox })
    }

    /// Removes the link between `key` and the incident named by number or sys_id on `instance`
    /// (local only; an audit entry records it). Returns the removed link, if there was one.
    pub fn remove_link(
        &mut self,
        key: &AnomalyKey,
        instance: &str,
        number_or_sys_id: &str,
        user: &str,
        at: Timestamp,
    ) -> Result<Option<Link>> {
        let tx = self.write_tx()?;
        let found = tx
            .query_row(
                &format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE source = ?1 AND anomaly_id = ?2 \
                     AND instance = ?3 AND (sys_id = ?4 OR number = ?4)"
                ),
                params![key.source, key.id, instance, number_or_sys_id],
                link_from_row,
            )
            .optional()?
            .transpose()?;
        if let Some(link) = &found {
            tx.execute(
                "DELETE FROM links WHERE source = ?1 AND anomaly_id = ?2 AND instance = ?3 AND sys_id = ?4",
                params![key.source, key.id, instance, link.incident.sys_id],
            )?;
            bump_rev(&tx, key)?;
            audit_tx(
                &tx,
                &NewAudit::local(
                    &link.incident,
                    "unlink",
                    &format!("unlinked from anomaly {key} by {user}"),
                    at,
                ),
            )?;
        }
        tx.commit()?;
        Ok(found)
    }

    /// The link between `key` and an incident named by number or sys_id, if any.
    pub fn find_link(
        &self,
        key: &AnomalyKey,
        instance: &str,
        number_or_sys_id: &str,
    ) -> Result<Option<Link>> {
        self.conn
            .query_row(
                &format!(
                    "SELECT {LINK_COLUMNS} FROM links WHERE source = ?1 AND anomaly_id = ?2 \
                     AND instance = ?3 AND (sys_id = ?4 OR number = ?4)"
                ),
                params![key.source, key.id, instance, number_or_sys_id],
                link_from_row,
            )
            .optional()?
            .transpose()
    }

    /// Every link of an anomaly, in the order they were made.
    pub fn links_for_anomaly(&self, key: &AnomalyKey) -> Result<Vec<Link>> {
        self.query_links(
            "source = ?1 AND anomaly_id = ?2 ORDER BY linked_at, instance, sys_id",
            &[&key.source, &key.id],
        )
    }

    /// Every anomaly linked to one incident.
    pub fn anomalies_for_incident(&self, instance: &str, sys_id: &str) -> Result<Vec<AnomalyKey>> {
        Ok(self
            .query_links(
                "instance = ?1 AND sys_id = ?2 ORDER BY source, anomaly_id",
                &[&instance, &sys_id],
            )?
            .into_iter()
            .map(|l| l.anomaly)
            .collect())
    }

    /// Every link on an instance (for the link-state poller; group by sys_id to batch reads).
    /// Every link, of every instance, by instance.
    pub fn all_links(&self) -> Result<Vec<Link>> {
        self.query_links("1 = 1 ORDER BY instance, sys_id, source, anomaly_id", &[])
    }

    pub fn links_for_instance(&self, instance: &str) -> Result<Vec<Link>> {
        self.query_links(
            "instance = ?1 ORDER BY sys_id, source, anomaly_id",
            &[&instance],
        )
    }

    /// Stores a successful read of an incident on every link to it: clears `read_error` and
    /// `broken`. `number` updates the stored number when given (numbers can be renamed).
    pub fn update_link_state(
        &mut self,
        instance: &str,
        sys_id: &str,
        number: Option<&str>,
        state: &IncidentState,
        read_at: Timestamp,
    ) -> Result<usize> {
        let tx = self.write_tx()?;
        let n = tx.execute(
            "UPDATE links SET state = ?3, priority = ?4, assignment_group = ?5, assigned_to = ?6, \
             read_at = ?7, read_error = NULL, broken = 0, number = COALESCE(?8, number) \
             WHERE instance = ?1 AND sys_id = ?2",
            params![
                instance,
                sys_id,
                state.state,
                state.priority,
                state.assignment_group,
                state.assigned_to,
                ms(read_at),
                number
            ],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Records why reading an incident failed (the last known state is kept and shown as stale).
    pub fn set_link_read_error(
        &mut self,
        instance: &str,
        sys_id: &str,
        error: &str,
    ) -> Result<usize> {
        self.conn.execute(
            "UPDATE links SET read_error = ?3 WHERE instance = ?1 AND sys_id = ?2",
            params![instance, sys_id, error],
        )
    }

    /// Marks every link to an incident broken (it answered 404).
    pub fn mark_link_broken(&mut self, instance: &str, sys_id: &str, error: &str) -> Result<usize> {
        self.conn.execute(
            "UPDATE links SET broken = 1, read_error = ?3 WHERE instance = ?1 AND sys_id = ?2",
            params![instance, sys_id, error],
        )
    }

    fn query_links(
        &self,
        where_order: &str,
        args: &[&dyn super::db::ToValue],
    ) -> Result<Vec<Link>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE {where_order}"
        ))?;
        let rows = stmt.query_map(args, link_from_row)?;
        rows.map(|r| r?).collect()
    }
}

fn link_from_row(r: &Row<'_>) -> Result<Result<Link>> {
    let anomaly = AnomalyKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?);
    let incident = IncidentRef {
        instance: r.get(2)?,
        table: r.get(3)?,
        sys_id: r.get(4)?,
        number: r.get(5)?,
    };
    let last = IncidentState {
        state: r.get(6)?,
        priority: r.get(7)?,
        assignment_group: r.get(8)?,
        assigned_to: r.get(9)?,
    };
    let (read_at, read_error, broken): (Option<i64>, Option<String>, i64) =
        (r.get(10)?, r.get(11)?, r.get(12)?);
    let (linked_at, linked_by): (i64, String) = (r.get(13)?, r.get(14)?);
    Ok((|| {
        Ok(Link {
            anomaly,
            incident,
            last,
            read_at: opt_from_ms(read_at)?,
            read_error,
            broken: broken != 0,
            linked_at: from_ms(linked_at)?,
            linked_by,
        })
    })())
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;
