//! Listening on a PostgreSQL store's channels (docs/store.md §Wake-ups): idle workers on
//! `snowlink_outbox` (work was queued), dashboards on `snowlink_changes` (anything was written,
//! by any engineer's process).
//!
//! The blocking client waits for notifications on a thread of its own, never on a tokio
//! worker. A lost session is opened again and `on_notify` called once, since what was sent
//! meanwhile is gone with it: a restarted database costs a refresh, never a missed change.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use super::StoreLocation;

/// Channel of every committed write transaction (sent inside it, so only commits notify).
pub const CHANGES_CHANNEL: &str = "snowlink_changes";

/// Stops its thread (within a second) when dropped.
#[derive(Debug)]
pub struct Listener {
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Calls `on_notify` for every notification on `channel`; `None` for a SQLite store (which
/// has its own wake-up socket) or when no thread could be started (polling remains).
pub fn listen<F>(location: &StoreLocation, channel: &'static str, on_notify: F) -> Option<Listener>
where
    F: Fn() + Send + 'static,
{
    if !location.is_postgres() {
        return None;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let (location, flag) = (location.clone(), stop.clone());
    let started = std::thread::Builder::new()
        .name("snowlink-listen".into())
        .spawn(move || listen_loop(&location, channel, &on_notify, &flag));
    match started {
        Ok(_) => Some(Listener { stop }),
        Err(e) => {
            tracing::warn!(error = %e, channel, "no listener thread; changes are seen on the next poll");
            None
        }
    }
}

fn listen_loop(location: &StoreLocation, channel: &str, on_notify: &dyn Fn(), stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        let listening = location.session().and_then(|mut c| {
            c.batch_execute(&format!("LISTEN {channel}"))?;
            Ok(c)
        });
        let mut session = match listening {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, channel, "cannot listen on the store; retrying");
                std::thread::sleep(Duration::from_secs(2));
                continue;
            }
        };
        on_notify();
        while !stop.load(Ordering::Relaxed) {
            let next = session
                .notifications()
                .timeout_iter(Duration::from_secs(1))
                .next();
            match next {
                Ok(Some(_)) => on_notify(),
                Err(_) => break,
                Ok(None) if session.is_closed() => break,
                Ok(None) => {}
            }
        }
    }
}
