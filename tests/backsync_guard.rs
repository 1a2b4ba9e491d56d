//! Back-sync's loop guard against the emulator: changes made by snowlink's own ServiceNow user
//! are never applied; a status that came from ServiceNow sends no work note back to ServiceNow,
//! but its write-back to the anomaly's source is queued in the same outbox as a person's.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use backsync_common::*;
use common::{exit_code, stderr};
use snowlink::domain::{Anomaly, AnomalyKey, ArchiveReason, Status};
use snowlink::store::{DeliveryKind, OutboxFilter, RawForm, SourceBatch};

const SNOWLINK: (&str, &str) = (SNOWLINK_USER, SNOWLINK_PASSWORD);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_by_snowlinks_own_user_are_never_applied() {
    let bs = start(1, true).await;
    let a = bs.anomaly("G-1", &[0]);
    bs.sync_once().await;
    bs.set_state(SNOWLINK, 0, "2").await;
    let c = bs.sync_once().await;
    assert_eq!(c["own_changes"], 1, "{c}");
    assert!(c["applied"].as_array().unwrap().is_empty(), "{c}");
    assert_eq!(bs.status(&a), Status::Active);
    // Its state is still recorded: the next person's change compares with it, so a note by
    // someone else on the In Progress incident does not acknowledge either.
    bs.patch_as(BETH, 0, serde_json::json!({"work_notes": "looking"}))
        .await;
    let c = bs.sync_once().await;
    assert_eq!(
        (c["changed"].as_u64(), c["own_changes"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(bs.status(&a), Status::Active);
    // A person's change of state is applied.
    bs.resolve(0, "Solution provided").await;
    bs.sync_once().await;
    assert_eq!(bs.status(&a), Status::Archived(ArchiveReason::Resolved));
}

/// ServiceNow names only the last updater: Beth resolves, then snowlink writes a work note
/// (another anomaly's comment) before the next read, so `sys_updated_by` is snowlink's user.
/// The record's `resolved_by` says the resolve was Beth's: it is applied, as hers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_resolve_followed_by_a_snowlink_note_is_still_applied() {
    let bs = start(1, true).await;
    let a = bs.anomaly("G-1", &[0]);
    let b = bs.anomaly("G-2", &[0]);
    bs.sync_once().await;
    bs.resolve(0, "Solution provided").await;
    let out = bs
        .env
        .run(&["comment", &b.id, "still seeing nulls downstream"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let last = bs
        .env
        .admin_get(&format!(
            "/api/now/table/incident/{}?sysparm_fields=sys_updated_by,state",
            bs.incidents[0].sys_id
        ))
        .await;
    // The hard case: snowlink is the last updater of a record Beth resolved.
    assert_eq!(last["result"]["sys_updated_by"], SNOWLINK_USER, "{last}");
    assert_eq!(last["result"]["state"], "6", "{last}");
    let c = bs.sync_once().await;
    assert_eq!(c["own_changes"], 0, "{c}");
    assert_eq!(bs.status(&a), Status::Archived(ArchiveReason::Resolved));
    let h = bs.history_from_servicenow(&a);
    assert_eq!(h.last().unwrap().user, format!("servicenow:{}", BETH.0));
}

/// Source `q` of kind qualytics, able to acknowledge and archive, holding anomaly `id`.
fn qualytics_anomaly(bs: &Bs, id: &str) -> AnomalyKey {
    let mut store = bs.store();
    let caps = vec!["acknowledge".to_string(), "archive".to_string()];
    store
        .apply_source_batch(
            &SourceBatch {
                source: "q",
                kind: "qualytics",
                anomalies: &[Anomaly::new(id, "from qualytics")],
                form: RawForm::Payload,
                resolved: &[],
                cursor: None,
                capabilities: &caps,
                problems: 0,
                last: true,
                next_poll_at: None,
            },
            jiff::Timestamp::now(),
        )
        .unwrap();
    let key = AnomalyKey::new("q", id);
    sync_common::link(&mut store, &key, &bs.incidents[0]);
    key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_from_servicenow_goes_to_the_source_but_not_back_as_a_note() {
    let bs = start(1, true).await;
    let key = qualytics_anomaly(&bs, "77");
    bs.sync_once().await;
    let notes_before = bs.env.work_notes(&bs.incidents[0].sys_id).await;

    bs.assign(0).await;
    let c = bs.sync_once().await;
    assert_eq!(bs.status(&key), Status::Acknowledged);
    assert!(c["applied"][0]["source_outbox"].is_i64(), "{c}");
    bs.resolve(0, "Duplicate").await;
    bs.sync_once().await;
    assert_eq!(bs.status(&key), Status::Archived(ArchiveReason::Duplicate));

    let store = bs.store();
    let to_incident = store
        .outbox_list(&OutboxFilter {
            instance: Some("default".into()),
            ..OutboxFilter::default()
        })
        .unwrap();
    assert!(
        to_incident.is_empty(),
        "no note for ServiceNow: {to_incident:?}"
    );
    assert_eq!(
        bs.env.work_notes(&bs.incidents[0].sys_id).await,
        notes_before,
        "no work note reached the incident"
    );
    let to_source: Vec<(DeliveryKind, String)> = store
        .outbox_list(&OutboxFilter {
            instance: Some("source:q".into()),
            ..OutboxFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|d| (d.kind, d.payload))
        .collect();
    assert_eq!(
        to_source,
        [
            (DeliveryKind::SourceAck, "acknowledge".to_string()),
            (DeliveryKind::SourceArchive, "duplicate".to_string())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_persons_own_status_change_still_queues_its_note() {
    // The path that back-sync bypasses is still taken by people.
    let bs = start(1, true).await;
    let a = bs.anomaly("P-1", &[0]);
    let out = bs.env.run(&["ack", "P-1"]).await;
    assert_eq!(common::exit_code(&out), 0, "{}", common::stderr(&out));
    let notes = bs.env.work_notes(&bs.incidents[0].sys_id).await;
    assert!(
        notes
            .iter()
            .any(|n| n.ends_with("Anomaly P-1 status: Acknowledged")),
        "{notes:?}"
    );
    assert_eq!(bs.status(&a), Status::Acknowledged);
    // snowlink's note made snowlink the last updater: nothing to apply, nothing echoed.
    let c = bs.sync_once().await;
    assert!(c["applied"].as_array().unwrap().is_empty(), "{c}");
}
