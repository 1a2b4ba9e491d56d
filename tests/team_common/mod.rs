//! Team mode on one PostgreSQL database (docs/store.md §Engines), for the team tests and the
//! team bench: a throwaway cluster, engineers' and workers' configs pointing the real binary at
//! the database, the store location the dashboard opens its connections from, workers that can
//! be SIGKILLed and replaced, and the audit of what reached the emulator against the outbox's
//! queue order.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use snowlink::store::{DeliveryKind, DeliveryState, OutboxFilter, StoreLocation};

use crate::common::TestEnv;
use crate::sync_common;

/// A cluster with an empty database `db` (the harness is blocking: started off the runtime).
pub async fn cluster_with(db: &'static str) -> pg_harness::Cluster {
    tokio::task::spawn_blocking(move || {
        let cluster = pg_harness::Cluster::start().expect("PostgreSQL for the team store tests");
        cluster.fresh_database(db).unwrap();
        cluster
    })
    .await
    .unwrap()
}

/// Points `env` at ServiceNow `url` and at the shared database `db` as engineer `user` (the
/// database password comes from a file through `password_command`, as a team would set it).
pub fn team_config(env: &TestEnv, url: &str, cluster: &pg_harness::Cluster, db: &str, user: &str) {
    let store = store_table(env, cluster, db);
    sync_common::write_config_url(env, url, "itil", "itil", &store);
    // The engineer's own name, not the service account, goes into every change they make.
    let path = env.config_path();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("user = \"Test Engineer\"", &format!("user = \"{user}\"")),
    )
    .unwrap();
}

/// Writes the test config with `[store] url` on `db` (password through `password_command`, as
/// a team would configure it) and the instance keys in `extra`.
pub fn workers_config(env: &TestEnv, cluster: &pg_harness::Cluster, db: &str, extra: &str) {
    let store = store_table(env, cluster, db);
    sync_common::write_config(env, "itil", "itil", &format!("{extra}\n{store}"));
}

/// The `[store]` table for database `db`, its password in a file read by `password_command`.
fn store_table(env: &TestEnv, cluster: &pg_harness::Cluster, db: &str) -> String {
    let secret = env.dir.path().join("pg-password");
    std::fs::write(&secret, cluster.password()).unwrap();
    format!(
        "\n[store]\nurl = \"{}\"\npassword_command = \"cat '{}'\"\n",
        cluster.url_without_password(db),
        secret.display()
    )
}

/// The store location the CLI and the dashboard resolve from this config (blocking: the
/// password command runs).
pub fn location_from(config: &std::path::Path) -> StoreLocation {
    let config = snowlink::config::Config::from_file(config).unwrap();
    let pg = config
        .file
        .store
        .postgres(&snowlink::config::ProcessEnv, Duration::from_secs(10))
        .unwrap()
        .expect("the config names a PostgreSQL store");
    StoreLocation::postgres(pg)
}

/// A dashboard session's `ops::Session`, as the dashboard builds it, for engineer `user`.
pub fn session(env: &TestEnv, store: &StoreLocation, user: &str) -> snowlink::ops::Session {
    let config = snowlink::config::Config::from_file(&env.config_path()).unwrap();
    let profile = config.profile(None, &snowlink::config::ProcessEnv).unwrap();
    snowlink::ops::Session {
        store: store.clone(),
        profile,
        user: user.into(),
        url_template: None,
        ticket_defaults: Default::default(),
        others: Vec::new(),
        client: None,
    }
}

/// The work notes queued per incident sys_id, in queue order (`seq`), as the workers must
/// deliver them; and the ids of those claimed more than once (a claim held by a worker that
/// did not finish it: taken over).
pub fn queued_notes(store: &StoreLocation) -> (BTreeMap<String, Vec<String>>, Vec<i64>) {
    let store = store.open().unwrap();
    let rows = store.outbox_list(&OutboxFilter::default()).unwrap();
    let mut notes: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    let mut retried = Vec::new();
    for d in rows {
        if d.kind != DeliveryKind::WorkNote || d.table != "incident" {
            continue;
        }
        assert_eq!(d.state, DeliveryState::Delivered, "{d:?}");
        if d.attempts > 1 {
            retried.push(d.id);
        }
        let sys_id = d.sys_id.clone().unwrap();
        notes.entry(sys_id).or_default().push((d.seq, d.payload));
    }
    let ordered = notes
        .into_iter()
        .map(|(sys_id, mut v)| {
            v.sort_by_key(|(seq, _)| *seq);
            (sys_id, v.into_iter().map(|(_, p)| p).collect())
        })
        .collect();
    (ordered, retried)
}

/// (lost, duplicated, misordered incidents) of the emulator's journals against `queued`.
pub async fn audit(
    env: &TestEnv,
    queued: &BTreeMap<String, Vec<String>>,
) -> (usize, usize, Vec<String>) {
    let (mut lost, mut duplicated, mut misordered) = (0, 0, Vec::new());
    for (sys_id, want) in queued {
        let got: Vec<String> = env
            .work_notes(sys_id)
            .await
            .into_iter()
            .filter(|n| want.contains(n))
            .collect();
        for w in want {
            let expected = want.iter().filter(|x| *x == w).count();
            let seen = got.iter().filter(|g| *g == w).count();
            lost += expected.saturating_sub(seen);
            duplicated += seen.saturating_sub(expected);
        }
        if &got != want {
            misordered.push(format!(
                "{sys_id}: {} notes, want {}",
                got.len(),
                want.len()
            ));
        }
    }
    (lost, duplicated, misordered)
}

/// Pids of the workers holding an in-flight claim now (the lease owner names host:pid:…).
pub fn claim_holders(store: &snowlink::store::Store) -> Vec<u32> {
    let filter = OutboxFilter {
        states: vec![DeliveryState::InFlight],
        ..OutboxFilter::default()
    };
    let mut pids: Vec<u32> = store
        .outbox_list(&filter)
        .unwrap()
        .iter()
        .filter_map(|d| d.lease_owner.as_deref()?.split(':').nth(1)?.parse().ok())
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// SIGKILLs `child` and reaps it; returns its stderr (what it logged before dying).
pub async fn kill(mut child: tokio::process::Child) -> String {
    child.start_kill().unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("a SIGKILLed worker is reaped")
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}
