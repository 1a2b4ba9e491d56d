//! Seeded kill plans for the crash tests: where a SIGKILL lands, and what to wait for after it.
//!
//! `SNOWLINK_CRASH_SEED` replays a run (the seed is printed first), `SNOWLINK_CRASH_TRIALS` sets
//! the number of trials (default 30). Included by the crash tests with `#[path]`, next to
//! `holding_proxy.rs`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::holding_proxy::HoldingProxy;

pub const DEFAULT_TRIALS: usize = 30;

pub struct CrashRun {
    pub seed: u64,
    pub trials: usize,
    pub rng: StdRng,
}

impl CrashRun {
    /// Reads the seed and trial count from the environment and prints how to replay.
    pub fn from_env(test: &str) -> CrashRun {
        let trials = std::env::var("SNOWLINK_CRASH_TRIALS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_TRIALS);
        let seed = std::env::var("SNOWLINK_CRASH_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(rand::random);
        println!("{test}: seed {seed} (replay with SNOWLINK_CRASH_SEED={seed}), {trials} trials");
        CrashRun {
            seed,
            trials,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Most kills land just after the `nth` watched write of the run reached the proxy (within
    /// its hold, so mostly while the write is in flight); some just after the `nth` answer was
    /// handed back (the client has it but may not have recorded it); the rest at any moment of
    /// the run (start-up, reads, between requests, after the end).
    pub fn choose(&mut self, max_nth: usize, hold: Duration, max_delay: Duration) -> KillAt {
        let nth = self.rng.random_range(1..=max_nth.max(1));
        match self.rng.random_range(0..20) {
            0..11 => KillAt::WriteArrived {
                nth,
                then: hold.mul_f64(self.rng.random_range(0.0..0.75)),
            },
            11..14 => KillAt::AnswerSent {
                nth,
                then: Duration::from_micros(self.rng.random_range(0..5_000)),
            },
            _ => KillAt::Anytime(max_delay.mul_f64(self.rng.random_range(0.0..1.0))),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub enum KillAt {
    /// `then` after the `nth` watched write of this run arrived at the proxy.
    WriteArrived { nth: usize, then: Duration },
    /// `then` after the answer to the `nth` watched write of this run was handed back.
    AnswerSent { nth: usize, then: Duration },
    /// This long after the process started.
    Anytime(Duration),
}

#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// SIGKILL was sent at `at` (taken just before sending) and killed the process.
    Killed { at: Instant },
    /// The process ended on its own (or before the signal reached it) with this code.
    Exited(Option<i32>),
}

/// Runs `child` until the plan's moment, then SIGKILLs it. `base` is the proxy's
/// `(arrivals, answers)` when the child was started.
pub async fn run_and_kill(
    child: &mut tokio::process::Child,
    proxy: &HoldingProxy,
    base: (usize, usize),
    plan: KillAt,
) -> Outcome {
    let moment = async {
        match plan {
            KillAt::WriteArrived { nth, then } => {
                proxy.wait_arrivals(base.0 + nth).await;
                tokio::time::sleep(then).await;
            }
            KillAt::AnswerSent { nth, then } => {
                proxy.wait_answers(base.1 + nth).await;
                tokio::time::sleep(then).await;
            }
            KillAt::Anytime(d) => tokio::time::sleep(d).await,
        }
    };
    tokio::select! {
        status = child.wait() => Outcome::Exited(status.unwrap().code()),
        _ = moment => {
            let at = Instant::now();
            child.start_kill().unwrap();
            let status = child.wait().await.unwrap();
            match status.signal() {
                Some(9) => Outcome::Killed { at },
                _ => Outcome::Exited(status.code()),
            }
        }
    }
}

/// After a run ended: gives the proxy a moment to read what the dead process had already sent,
/// then fences its connections and waits until every forwarded request was answered by the
/// emulator. Nothing of the dead process can land after this returns.
pub async fn settle(proxy: &HoldingProxy) {
    tokio::time::sleep(Duration::from_millis(100)).await;
    proxy.fence();
    proxy.wait_idle().await;
}
