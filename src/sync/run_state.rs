//! The state of one worker run and how finished deliveries fold into it.

use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::error::Result;
use super::report::{Created, PausedInfo, SyncEvent, SyncReport};
use super::task::{Outcome, TaskResult};

/// State of one run.
pub(crate) struct Run {
    pub(crate) report: SyncReport,
    pub(crate) tasks: JoinSet<Result<Vec<TaskResult>>>,
    /// Whether running queue runs may go on to their next delivery (cleared when claims stop:
    /// rate limit, outage, pause, deadline, shutdown).
    pub(crate) go_on: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Send nothing to the instance before this (rate limit, unreachable, overloaded).
    pub(crate) hold_until: Option<Timestamp>,
    /// The last "nothing answered" error of this run; cleared by a success.
    pub(crate) unreachable: Option<String>,
    pub(crate) paused: Option<PausedInfo>,
    /// The instance is down (this run noticed, or another process recorded it): nothing is
    /// claimed until a probe succeeds (docs/sync.md §Outages).
    pub(crate) outage: Option<crate::store::Outage>,
    /// Instance-wide server failures (5xx, HTML error pages) in a row, across deliveries; at
    /// [`super::outage::FAILURES_FOR_OUTAGE`] the instance is treated as down.
    pub(crate) server_failures: u32,
    pub(crate) last_server_error: Option<String>,
    /// A probe was made in this run (`once`/`deliver` probe at most once).
    pub(crate) probed: bool,
    /// When the pause (401/403) was last probed.
    pub(crate) paused_checked: std::time::Instant,
    /// No more claims; finish what is running.
    pub(crate) stopping: bool,
    pub(crate) events: Option<mpsc::UnboundedSender<SyncEvent>>,
}

impl Run {
    pub(crate) fn emit(&self, event: SyncEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    /// Folds one finished delivery into the run.
    pub(crate) fn absorb(&mut self, r: TaskResult) {
        let d = r.delivery;
        match r.outcome {
            Outcome::Delivered(landed) => {
                self.unreachable = None;
                self.server_failures = 0;
                if landed.sent {
                    self.report.delivered.push(d.id);
                } else {
                    self.report.reconciled.push(d.id);
                }
                if let Some(inc) = landed.created {
                    self.report.created.push(Created {
                        id: d.id,
                        table: inc.table.clone(),
                        number: inc.number.clone(),
                        sys_id: inc.sys_id.clone(),
                        found_existing: !landed.sent,
                    });
                    self.emit(SyncEvent::Created {
                        id: d.id,
                        incident: inc,
                    });
                }
                self.emit(SyncEvent::Delivered {
                    id: d.id,
                    kind: d.kind,
                    number: d.number,
                    reconciled: !landed.sent,
                });
            }
            Outcome::Retry {
                next_attempt_at,
                error,
                cause,
                instance_wide,
                unreachable,
            } => {
                self.report.retried += 1;
                if instance_wide && !unreachable {
                    self.server_failures += 1;
                    self.last_server_error = Some(cause);
                }
                if instance_wide {
                    self.hold_until = Some(
                        self.hold_until
                            .map_or(next_attempt_at, |h| h.max(next_attempt_at)),
                    );
                }
                if unreachable {
                    self.unreachable = Some(error.clone());
                }
                self.emit(SyncEvent::Retrying {
                    id: d.id,
                    number: d.number,
                    next_attempt_at,
                    error,
                });
            }
            Outcome::Paused { cause, reason } => {
                self.emit(SyncEvent::Paused {
                    instance: d.instance.clone(),
                    cause,
                    reason: reason.clone(),
                });
                self.paused = Some(PausedInfo {
                    instance: d.instance,
                    cause,
                    reason,
                });
            }
            Outcome::Outage {
                cause,
                next_probe_at,
            } => {
                self.unreachable = Some(cause.clone());
                // Just seen failing: no point probing again in this run.
                self.probed = true;
                self.emit(SyncEvent::Down {
                    instance: d.instance.clone(),
                    cause: cause.clone(),
                    next_probe_at,
                });
                let now = jiff::Timestamp::now();
                self.outage = Some(crate::store::Outage {
                    instance: d.instance,
                    cause,
                    since: self.outage.as_ref().map_or(now, |o| o.since),
                    failed_probes: 0,
                    next_probe_at,
                });
            }
            Outcome::Failed(error) => self.emit(SyncEvent::Failed {
                id: d.id,
                number: d.number,
                error,
            }),
            Outcome::Dead(error) => self.emit(SyncEvent::Dead {
                id: d.id,
                number: d.number,
                error,
            }),
            Outcome::LeaseLost => {}
        }
    }
}
