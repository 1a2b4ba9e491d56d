//! Instance outages (docs/sync.md §Outages): when an instance answers nothing, hibernates, or
//! fails every request with 5xx/HTML, its deliveries stop burning their retries one by one.
//! The outage is recorded once, per instance and for every process; workers send nothing to
//! the instance but one probe at `next_probe_at` (on a backoff), and when a probe succeeds the
//! outage is cleared and every waiting delivery of the instance is due at once.

use super::db::{OptionalExtension, params};
use jiff::Timestamp;
use serde::Serialize;

use super::{Result, Store, from_ms, ms};

/// An instance that is down, as recorded by the worker that noticed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    pub instance: String,
    /// One line: what failed ("connection refused", "instance is hibernating", …).
    pub cause: String,
    pub since: Timestamp,
    /// Probes that failed since the outage began (drives the probe backoff).
    pub failed_probes: u32,
    pub next_probe_at: Timestamp,
}

impl Store {
    /// Records (or refreshes) the outage of `instance`; the first probe is due at
    /// `next_probe_at`. Keeps `since` and the probe count of an outage already recorded.
    pub fn record_outage(
        &mut self,
        instance: &str,
        cause: &str,
        now: Timestamp,
        next_probe_at: Timestamp,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO instance_outages (instance, cause, since, failed_probes, next_probe_at) \
             VALUES (?1, ?2, ?3, 0, ?4) ON CONFLICT (instance) DO UPDATE SET cause = excluded.cause, \
             next_probe_at = GREATEST(instance_outages.next_probe_at, excluded.next_probe_at)",
            params![instance, cause, ms(now), ms(next_probe_at)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A delivery met the outage: record the outage and put the delivery back, due at the first
    /// probe (a successful probe makes it due at once, [`Store::clear_outage`]; nothing retries
    /// it before) and without counting the attempt, so an outage never pushes deliveries into
    /// long backoffs. One transaction.
    #[allow(clippy::too_many_arguments)]
    pub fn requeue_for_outage(
        &mut self,
        id: super::OutboxId,
        owner: &str,
        error: &str,
        cause: &str,
        outcome_unknown: bool,
        now: Timestamp,
        next_probe_at: Timestamp,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        super::outbox::finish_tx(
            &tx,
            id,
            owner,
            "state = CASE WHEN EXISTS (SELECT 1 FROM paused_instances p WHERE p.instance = outbox.instance) \
             THEN 'paused' ELSE 'pending' END, next_attempt_at = ?3, last_error = ?4, \
             outcome_unknown = GREATEST(outcome_unknown, ?5), attempts = GREATEST(attempts - 1, 0), \
             lease_owner = NULL, lease_until = NULL",
            params![
                id,
                owner,
                ms(next_probe_at),
                error,
                i64::from(outcome_unknown)
            ],
        )?;
        tx.execute(
            "INSERT INTO instance_outages (instance, cause, since, failed_probes, next_probe_at) \
             SELECT instance, ?2, ?3, 0, ?4 FROM outbox WHERE id = ?1 \
             ON CONFLICT (instance) DO UPDATE SET cause = excluded.cause",
            params![id, cause, ms(now), ms(next_probe_at)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A probe failed: the next one is due at `next_probe_at`.
    pub fn probe_failed(
        &mut self,
        instance: &str,
        cause: &str,
        next_probe_at: Timestamp,
    ) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE instance_outages SET cause = ?2, failed_probes = failed_probes + 1, \
             next_probe_at = ?3 WHERE instance = ?1",
            params![instance, cause, ms(next_probe_at)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The instance answers again: forget the outage and make every waiting delivery of the
    /// instance due at `now`. Returns whether there was an outage.
    pub fn clear_outage(&mut self, instance: &str, now: Timestamp) -> Result<bool> {
        let tx = self.write_tx()?;
        let was = tx.execute(
            "DELETE FROM instance_outages WHERE instance = ?1",
            [instance],
        )? == 1;
        if was {
            tx.execute(
                "UPDATE outbox SET next_attempt_at = ?2 WHERE instance = ?1 AND state = 'pending' \
                 AND next_attempt_at > ?2",
                params![instance, ms(now)],
            )?;
        }
        tx.commit()?;
        if was {
            self.wake_workers();
        }
        Ok(was)
    }

    pub fn outage(&self, instance: &str) -> Result<Option<Outage>> {
        let row = self
            .conn
            .query_row(
                "SELECT instance, cause, since, failed_probes, next_probe_at FROM instance_outages \
                 WHERE instance = ?1",
                [instance],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(instance, cause, since, probes, next)| {
            Ok(Outage {
                instance,
                cause,
                since: from_ms(since)?,
                failed_probes: u32::try_from(probes).unwrap_or(u32::MAX),
                next_probe_at: from_ms(next)?,
            })
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use crate::store::test_support::t;

    #[test]
    fn an_outage_is_kept_until_cleared_and_clearing_makes_waiting_work_due() {
        let (_d, mut s) = crate::store::test_support::open_temp();
        assert!(s.outage("default").unwrap().is_none());
        s.record_outage("default", "connection refused", t(0), t(5))
            .unwrap();
        s.record_outage("default", "connection refused", t(1), t(2))
            .unwrap();
        let o = s.outage("default").unwrap().unwrap();
        assert_eq!((o.since, o.next_probe_at, o.failed_probes), (t(0), t(5), 0));
        s.probe_failed("default", "hibernating", t(20)).unwrap();
        let o = s.outage("default").unwrap().unwrap();
        assert_eq!(
            (o.cause.as_str(), o.failed_probes, o.next_probe_at),
            ("hibernating", 1, t(20))
        );
        assert!(s.clear_outage("default", t(21)).unwrap());
        assert!(s.outage("default").unwrap().is_none());
        assert!(!s.clear_outage("default", t(22)).unwrap());
    }
}
