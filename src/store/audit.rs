//! The audit log: every write made to ServiceNow (written by the sync worker after each
//! attempt) and local link/unlink events. Never holds a credential.

use super::db::{Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::IncidentRef;

use super::outbox::OutboxId;
use super::{Result, Store, from_ms, ms};

/// An audit entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub at: Timestamp,
    pub instance: String,
    pub table: String,
    pub sys_id: Option<String>,
    pub number: Option<String>,
    /// `work_note`, `create`, `description_append`, `link`, `unlink`, …
    pub action: String,
    /// Human summary (e.g. the first line of the note).
    pub summary: String,
    /// `ok`, `local`, or the error (`HTTP 400: …`).
    pub outcome: String,
    pub outbox_id: Option<OutboxId>,
}

impl NewAudit {
    /// A local-only event about an incident (link / unlink).
    pub fn local(incident: &IncidentRef, action: &str, summary: &str, at: Timestamp) -> NewAudit {
        NewAudit {
            at,
            instance: incident.instance.clone(),
            table: incident.table.clone(),
            sys_id: Some(incident.sys_id.clone()),
            number: Some(incident.number.clone()),
            action: action.to_owned(),
            summary: summary.to_owned(),
            outcome: "local".to_owned(),
            outbox_id: None,
        }
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub instance: String,
    pub table: String,
    pub sys_id: Option<String>,
    pub number: Option<String>,
    pub action: String,
    pub summary: String,
    pub outcome: String,
    pub outbox_id: Option<OutboxId>,
}

pub(super) fn audit_tx(tx: &Tx<'_>, e: &NewAudit) -> Result<i64> {
    tx.query_row(
        "INSERT INTO audit (at, instance, tbl, sys_id, number, action, summary, outcome, outbox_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        params![
            ms(e.at),
            e.instance,
            e.table,
            e.sys_id,
            e.number,
            e.action,
            e.summary,
            e.outcome,
            e.outbox_id
        ],
        |r| r.get(0),
    )
}

impl Store {
    /// Appends one entry.
    pub fn record_audit(&mut self, entry: &NewAudit) -> Result<i64> {
        let tx = self.write_tx()?;
        let id = audit_tx(&tx, entry)?;
        tx.commit()?;
        Ok(id)
    }

    /// The newest `limit` entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, at, instance, tbl, sys_id, number, action, summary, outcome, outbox_id \
             FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                [r.get::<_, String>(2)?, r.get::<_, String>(3)?],
                [
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ],
                [
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                ],
                r.get::<_, Option<i64>>(9)?,
            ))
        })?;
        rows.map(|r| {
            let (
                id,
                at,
                [instance, table],
                [sys_id, number],
                [action, summary, outcome],
                outbox_id,
            ) = r?;
            Ok(AuditEntry {
                id,
                at: from_ms(at)?,
                instance,
                table,
                sys_id,
                number,
                action,
                summary,
                outcome,
                outbox_id,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::store::test_support::{open_temp, t};

    #[test]
    fn records_and_lists_newest_first() {
        let (_dir, mut store) = open_temp();
        let inc = IncidentRef {
            instance: "prod".into(),
            table: "incident".into(),
            sys_id: "abc".into(),
            number: "INC0010001".into(),
        };
        store
            .record_audit(&NewAudit::local(&inc, "link", "linked", t(1)))
            .unwrap();
        let mut e = NewAudit::local(
            &inc,
            "work_note",
            "[..] Anomaly A-1 status: Acknowledged",
            t(2),
        );
        e.outcome = "ok".into();
        e.outbox_id = Some(7);
        store.record_audit(&e).unwrap();
        let log = store.audit_log(10).unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].action, "work_note");
        assert_eq!(log[0].outcome, "ok");
        assert_eq!(log[0].outbox_id, Some(7));
        assert_eq!(log[0].at, t(2));
        assert_eq!(log[1].number.as_deref(), Some("INC0010001"));
        assert_eq!(store.audit_log(1).unwrap().len(), 1);
    }
}
