//! Helpers shared by the store's unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jiff::Timestamp;

use crate::domain::{Anomaly, AnomalyKey, IncidentRef, IncidentState};

use super::{NewLink, Store};

/// A fresh store in a temp dir (keep the dir alive for the test's duration).
pub fn open_temp() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("data").join("snowlink.db")).unwrap();
    (dir, store)
}

/// A fixed timestamp `secs` seconds after 2026-11-23 10:00:00 UTC.
pub fn t(secs: i64) -> Timestamp {
    Timestamp::from_second(1_795_428_000 + secs).unwrap()
}

pub fn anomaly(id: &str) -> Anomaly {
    let raw =
        format!(r#"{{"id":"{id}","title":"Anomaly {id}","severity":"high","type":"record"}}"#);
    crate::domain::anomaly_from_json(&raw).unwrap()
}

pub fn key(id: &str) -> AnomalyKey {
    AnomalyKey::new("wh", id)
}

pub fn incident(sys_id: &str) -> IncidentRef {
    IncidentRef {
        instance: "prod".into(),
        table: "incident".into(),
        sys_id: sys_id.into(),
        number: format!("INC{sys_id}"),
    }
}

/// Loads anomalies `ids` into source `wh`.
pub fn seed(store: &mut Store, ids: &[&str]) {
    let list: Vec<Anomaly> = ids.iter().map(|id| anomaly(id)).collect();
    store.upsert_anomalies("wh", &list, t(0)).unwrap();
}

/// Links anomaly `id` to incident `sys_id` on `prod`, queueing nothing.
pub fn link(store: &mut Store, id: &str, sys_id: &str) {
    let l = NewLink {
        anomaly: key(id),
        incident: incident(sys_id),
        state: IncidentState::default(),
        read_at: None,
        linked_by: "ann".into(),
        linked_at: t(1),
    };
    assert!(store.add_link(&l, &[]).unwrap().created);
}
