//! The status bar's outbox numbers (docs/dashboard.md §Status bar): the selected instance's
//! counts and why its deliveries are held, and each other instance's (configured, or with rows
//! in the outbox) with its pause or outage as its worker recorded it. Store reads only; run on
//! a blocking thread.

use crate::ops::Session;
use crate::store::{DeliveryState, OutboxFilter, Store, StoreError};
use crate::tui::{InstanceOutbox, OutboxCounts};

pub(super) fn outbox_counts(
    session: &Session,
    configured: Vec<String>,
) -> Result<OutboxCounts, String> {
    read(session, configured).map_err(|e| e.to_string())
}

fn read(session: &Session, configured: Vec<String>) -> Result<OutboxCounts, StoreError> {
    let store = session.store.open()?;
    let now = jiff::Timestamp::now();
    let instance = session.instance();
    let counts = store.outbox_counts_for(instance, now)?;
    let others = other_outboxes(&store, instance, configured)?;
    let paused = held(&store, instance, now)?;
    let waiting_error = if paused.is_none() && counts.waiting > 0 {
        store
            .outbox_list(&OutboxFilter {
                states: vec![DeliveryState::Pending],
                instance: Some(instance.to_owned()),
                limit: Some(1),
                ..OutboxFilter::default()
            })
            .ok()
            .and_then(|l| l.into_iter().find_map(|d| d.last_error))
    } else {
        None
    };
    Ok(OutboxCounts {
        // `pending` already counts the waiting ones (backing off, rate limited).
        pending: counts.pending + counts.in_flight + counts.paused,
        failed: counts.failed,
        dead: counts.dead,
        paused: paused.or(waiting_error),
        store_version: store.change_fingerprint()?,
        others,
    })
}

/// Why `instance`'s deliveries are held: its pause (401/403), else its outage
/// ("<cause>, next probe in Ns"; the status bar adds "paused: ").
fn held(store: &Store, instance: &str, now: jiff::Timestamp) -> Result<Option<String>, StoreError> {
    let paused = store
        .paused_instances()?
        .into_iter()
        .find(|p| p.instance == instance)
        .map(|p| p.reason);
    Ok(match paused {
        Some(p) => Some(p),
        None => store.outage(instance)?.map(|o| {
            crate::sync::describe_outage(&o, now)
                .trim_start_matches("paused: ")
                .to_string()
        }),
    })
}

/// Each instance other than `selected` — configured, or with rows in the outbox — with its
/// undelivered rows and what holds them (its pause or outage, as its worker recorded it).
fn other_outboxes(
    store: &Store,
    selected: &str,
    configured: Vec<String>,
) -> Result<Vec<InstanceOutbox>, StoreError> {
    let now = jiff::Timestamp::now();
    let mut names = configured;
    names.extend(store.outbox_instances()?);
    names.retain(|n| n != selected);
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|instance| {
            let counts = store.outbox_counts_for(&instance, now)?;
            let down = held(store, &instance, now)?;
            Ok(InstanceOutbox {
                undelivered: counts.undelivered(),
                instance,
                down,
            })
        })
        .collect()
}
