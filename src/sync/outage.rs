//! The outage gate of a worker run (docs/sync.md §Outages): while the instance is down, nothing
//! is claimed; one probe is made when it is due (in `watch`) or once per run (`once`,
//! `deliver`: the user just asked), and a successful probe makes every waiting delivery due at
//! once. Consecutive instance-wide server failures (5xx, HTML error pages) across deliveries
//! turn into an outage too, so "answering 500 to everything" is probed, not retried row by row.

use jiff::Timestamp;

use crate::store::Outage;

use super::action::{Action, PauseCause, classify};
use super::error::Result;
use super::report::SyncEvent;
use super::run_state::Run;
use super::worker::Worker;

/// Instance-wide server failures in a row, across deliveries, that mean "down".
pub(crate) const FAILURES_FOR_OUTAGE: u32 = 3;

/// What the gate decided.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// No outage (or a probe just ended it): claim.
    Open,
    /// Down; the next probe is due at this time.
    Closed(Timestamp),
}

impl Worker {
    /// Reads the instance's outage from the store (another process may have recorded or
    /// cleared it).
    pub(crate) async fn load_outage(&self, run: &mut Run) -> Result<()> {
        let instance = self.instance.clone();
        run.outage = self.ctx.store.call(move |s| s.outage(&instance)).await?;
        Ok(())
    }

    /// Records an outage after [`FAILURES_FOR_OUTAGE`] server failures in a row.
    pub(crate) async fn note_server_failures(&self, run: &mut Run) -> Result<()> {
        if run.server_failures < FAILURES_FOR_OUTAGE || run.outage.is_some() {
            return Ok(());
        }
        let now = Timestamp::now();
        let cause = run
            .last_server_error
            .clone()
            .unwrap_or_else(|| "failing every request".into());
        let next = now + self.opts.backoff.delay(1, &mut rand::rng());
        let (instance, c) = (self.instance.clone(), cause.clone());
        self.ctx
            .store
            .call(move |s| s.record_outage(&instance, &c, now, next))
            .await?;
        tracing::warn!(instance = %self.instance, %cause, "instance treated as down; probing on a backoff");
        run.probed = true;
        self.load_outage(run).await?;
        if let Some(o) = &run.outage {
            run.emit(SyncEvent::Down {
                instance: self.instance.clone(),
                cause: o.cause.clone(),
                next_probe_at: o.next_probe_at,
            });
        }
        Ok(())
    }

    /// Decides whether this run may claim. A `once`/`deliver` run (`once_like`) probes at most
    /// once, at its first look, even before the probe is due (the user just asked); `watch`
    /// probes whenever one is due.
    pub(crate) async fn outage_gate(&self, run: &mut Run, once_like: bool) -> Result<Gate> {
        let Some(outage) = run.outage.clone() else {
            return Ok(Gate::Open);
        };
        let now = Timestamp::now();
        let probe = if once_like {
            !run.probed
        } else {
            outage.next_probe_at <= now
        };
        if !probe {
            return Ok(Gate::Closed(outage.next_probe_at));
        }
        run.probed = true;
        let probe = self.ctx.client.probe().await;
        match probe.error {
            None => {
                let (instance, now) = (self.instance.clone(), Timestamp::now());
                self.ctx
                    .store
                    .call(move |s| s.clear_outage(&instance, now))
                    .await?;
                tracing::info!(instance = %self.instance, "probe succeeded; every waiting delivery is due");
                run.outage = None;
                run.unreachable = None;
                run.server_failures = 0;
                run.hold_until = None;
                run.emit(SyncEvent::Resumed {
                    instance: self.instance.clone(),
                });
                Ok(Gate::Open)
            }
            Some(e) => {
                // Decided before any await: the thread-local RNG must not live across one.
                let refused = match classify(&e, 1, &self.opts.backoff, &mut rand::rng()) {
                    Action::Pause(cause @ (PauseCause::Auth | PauseCause::Permission)) => {
                        Some(cause)
                    }
                    _ => None,
                };
                let delay = self
                    .opts
                    .backoff
                    .delay(outage.failed_probes + 2, &mut rand::rng());
                if let Some(cause) = refused {
                    // It answers again, but refuses us: that is a pause, not an outage. The
                    // probe's answer is the pause's cause; no second request (repeated bad
                    // logins can lock the account).
                    let (instance, now, reason) =
                        (self.instance.clone(), Timestamp::now(), e.to_string());
                    let stored = reason.clone();
                    self.ctx
                        .store
                        .call(move |s| {
                            s.clear_outage(&instance, now)?;
                            s.pause_instance(&instance, &stored, now)
                        })
                        .await?;
                    run.outage = None;
                    run.paused_checked = std::time::Instant::now();
                    run.emit(SyncEvent::Paused {
                        instance: self.instance.clone(),
                        cause,
                        reason: reason.clone(),
                    });
                    run.paused = Some(super::report::PausedInfo {
                        instance: self.instance.clone(),
                        cause,
                        reason,
                    });
                    return Ok(Gate::Open);
                }
                let next = Timestamp::now() + delay;
                let (instance, cause) = (self.instance.clone(), short_cause(&e));
                let c = cause.clone();
                self.ctx
                    .store
                    .call(move |s| s.probe_failed(&instance, &c, next))
                    .await?;
                run.unreachable = Some(cause.clone());
                run.outage = Some(Outage {
                    cause: cause.clone(),
                    failed_probes: outage.failed_probes + 1,
                    next_probe_at: next,
                    ..outage
                });
                run.emit(SyncEvent::Down {
                    instance: self.instance.clone(),
                    cause,
                    next_probe_at: next,
                });
                Ok(Gate::Closed(next))
            }
        }
    }
}

/// A few words for the status bar: what kind of "down" this is. The full error stays on the
/// delivery (`snowlink outbox` shows it).
pub(crate) fn short_cause(e: &servicenow_client::Error) -> String {
    use servicenow_client::{ConnectKind as C, Error as E, UnavailableKind as U};
    match e {
        E::Connect {
            kind: C::Refused, ..
        } => "connection refused".into(),
        E::Connect { kind: C::Dns, .. } => "host name not found".into(),
        E::Connect { kind: C::Reset, .. } => "connection reset".into(),
        E::Connect { .. } => "cannot connect".into(),
        E::Timeout { .. } => "no answer (timeout)".into(),
        E::Unavailable {
            kind: U::Hibernating,
            ..
        } => "instance hibernating".into(),
        E::Unavailable {
            kind: U::Html,
            status,
            ..
        } => format!("HTTP {status}: an HTML page instead of the API"),
        E::Unavailable { status, .. } => format!("HTTP {status}: unusable answers"),
        E::Server { status, .. } => format!("HTTP {status} on every request"),
        other => other
            .to_string()
            .lines()
            .next()
            .unwrap_or("down")
            .to_string(),
    }
}

/// "paused: <cause>, next probe in Ns" (the status bar's and the report's wording).
pub fn describe(outage: &Outage, now: Timestamp) -> String {
    let secs = (outage.next_probe_at.as_second() - now.as_second()).max(0);
    format!("paused: {}, next probe in {secs}s", outage.cause)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_status_line_names_the_cause_and_the_next_probe() {
        let now = Timestamp::from_second(1_000).unwrap();
        let outage = Outage {
            instance: "default".into(),
            cause: "connection refused".into(),
            since: now,
            failed_probes: 2,
            next_probe_at: Timestamp::from_second(1_012).unwrap(),
        };
        assert_eq!(
            describe(&outage, now),
            "paused: connection refused, next probe in 12s"
        );
        // A probe already due reads as 0 s, never negative.
        let late = Timestamp::from_second(1_100).unwrap();
        assert_eq!(
            describe(&outage, late),
            "paused: connection refused, next probe in 0s"
        );
    }
}
