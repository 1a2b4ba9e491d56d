//! Several threads, each with its own connection, drain one outbox concurrently. Checks that no
//! row is claimed twice and that within each incident queue item k is claimed only after item
//! k-1 was marked delivered. Fewer queues than workers × batch size, so workers keep asking for
//! more than the queue heads. No timing assumptions: the ordering check uses a logical clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::store::test_support::{incident, open_temp, reopen, t};

const INCIDENTS: usize = 4;
const PER_INCIDENT: usize = 25;
const THREADS: usize = 3;

#[derive(Default)]
struct Ticks {
    claimed: Option<u64>,
    marked: Option<u64>,
}

#[test]
fn concurrent_workers_claim_each_row_once_in_fifo_order() {
    let (dir, mut setup) = open_temp();
    let mut queue_of = HashMap::new();
    for k in 0..PER_INCIDENT {
        for i in 0..INCIDENTS {
            let sys_id = format!("s{i}");
            let d = NewDelivery::to_incident(
                &incident(&sys_id),
                DeliveryKind::WorkNote,
                format!("{sys_id}#{k}"),
                None,
            );
            let id = setup.enqueue(&d, t(0)).unwrap();
            queue_of.insert(id, (sys_id, k));
        }
    }
    let path = setup.path().to_owned();
    drop(setup);

    let clock = Arc::new(AtomicU64::new(0));
    let ticks: Arc<Mutex<HashMap<OutboxId, Ticks>>> = Arc::default();
    let workers: Vec<_> = (0..THREADS)
        .map(|w| {
            let (path, clock, ticks) = (path.clone(), clock.clone(), ticks.clone());
            std::thread::spawn(move || {
                let owner = format!("worker-{w}");
                let mut store = reopen(&path);
                let mut delivered = 0usize;
                loop {
                    let claimed = store
                        .claim_next(&owner, t(0), Duration::from_secs(3600), 3)
                        .unwrap();
                    if claimed.is_empty() {
                        if store.outbox_counts(t(0)).unwrap().undelivered() == 0 {
                            return delivered;
                        }
                        std::thread::yield_now();
                        continue;
                    }
                    for d in &claimed {
                        let tick = clock.fetch_add(1, Ordering::SeqCst);
                        let mut map = ticks.lock().unwrap();
                        let entry = map.entry(d.id).or_default();
                        assert!(entry.claimed.is_none(), "row {} claimed twice", d.id);
                        entry.claimed = Some(tick);
                    }
                    // Hold the claims a moment so other workers try to claim behind them.
                    for _ in 0..20 {
                        std::thread::yield_now();
                    }
                    for d in &claimed {
                        let tick = clock.fetch_add(1, Ordering::SeqCst);
                        ticks.lock().unwrap().get_mut(&d.id).unwrap().marked = Some(tick);
                        store.mark_delivered(d.id, &owner, t(1)).unwrap();
                        delivered += 1;
                    }
                }
            })
        })
        .collect();
    let total: usize = workers.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, INCIDENTS * PER_INCIDENT);

    let ticks = ticks.lock().unwrap();
    let mut by_queue: HashMap<&str, Vec<(usize, OutboxId)>> = HashMap::new();
    for (id, (sys_id, k)) in &queue_of {
        by_queue.entry(sys_id.as_str()).or_default().push((*k, *id));
    }
    for (sys_id, mut items) in by_queue {
        items.sort();
        for pair in items.windows(2) {
            let (prev, next) = (&ticks[&pair[0].1], &ticks[&pair[1].1]);
            assert!(
                prev.marked.unwrap() < next.claimed.unwrap(),
                "{sys_id}: item {} claimed before item {} was delivered",
                pair[1].0,
                pair[0].0
            );
        }
    }
    let store = reopen(&path);
    let all = store.outbox_list(&Default::default()).unwrap();
    assert!(
        all.iter()
            .all(|d| d.state == DeliveryState::Delivered && d.attempts == 1)
    );
    drop(dir);
}
