//! Unknown outcomes are reconciled before any resend: a note that landed is not sent again, one
//! that did not is sent once, identical texts are counted; creates are found by correlation id;
//! description blocks are never appended twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;

use common::{TestEnv, exit_code};
use serde_json::{Map, Value, json};
use snowlink::store::{DeliveryKind, NewDelivery};
use sync_common::*;

async fn setup() -> (
    TestEnv,
    Vec<snowlink::domain::IncidentRef>,
    snowlink::store::Store,
) {
    let env = TestEnv::start().await;
    write_config(&env, "itil", "itil", "");
    let incidents = create_incidents(&env, 1).await;
    let store = open_store(&env);
    (env, incidents, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_that_landed_before_the_crash_is_not_sent_again() {
    let (env, inc, mut store) = setup().await;
    let expected = enqueue_notes(&mut store, &inc, 2, "crash");
    let dead = claim_and_die(&mut store, 10);
    assert_eq!(dead.len(), 1);
    admin_note(&env, &inc[0].sys_id, &expected[0][0]).await;
    clear_requests(&env).await;

    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(ids(&report["reconciled"]), vec![dead[0].id]);
    assert_eq!(ids(&report["delivered"]).len(), 1);
    assert_eq!(
        patches(&requests(&env).await),
        1,
        "only the second note is sent"
    );
    assert_exactly_once_in_order(&env, &inc, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_that_did_not_land_is_sent_once() {
    let (env, inc, mut store) = setup().await;
    let expected = enqueue_notes(&mut store, &inc, 2, "lost");
    claim_and_die(&mut store, 10);
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert!(ids(&report["reconciled"]).is_empty());
    assert_eq!(ids(&report["delivered"]).len(), 2);
    assert_exactly_once_in_order(&env, &inc, &expected).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_texts_are_counted_not_matched() {
    let (env, inc, mut store) = setup().await;
    let same = "[2026-11-23 10:00:00 UTC] Anomaly A-7 status: Acknowledged";
    let a = enqueue_note(&mut store, &inc[0], same);
    let b = enqueue_note(&mut store, &inc[0], same);
    let c = enqueue_note(&mut store, &inc[0], same);
    // First delivered normally.
    let (out, _) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(env.work_notes(&inc[0].sys_id).await.len(), 3);
    // Reset: three more identical notes; the first crashes without landing, the second
    // crashes after landing.
    let d = enqueue_note(&mut store, &inc[0], same);
    let e = enqueue_note(&mut store, &inc[0], same);
    assert_eq!(claim_and_die(&mut store, 1)[0].id, d);
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    // The text is there 3 times and 3 earlier rows were delivered: d had not landed.
    assert_eq!(ids(&report["delivered"]), vec![d, e], "{report}");
    let f = enqueue_note(&mut store, &inc[0], same);
    assert_eq!(claim_and_die(&mut store, 1)[0].id, f);
    admin_note(&env, &inc[0].sys_id, same).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(ids(&report["reconciled"]), vec![f], "{report}");
    let notes = env.work_notes(&inc[0].sys_id).await;
    assert_eq!(
        notes.iter().filter(|n| *n == same).count(),
        6,
        "{a} {b} {c}"
    );
}

fn create_fields(cid: &str) -> Map<String, Value> {
    json!({"short_description": "Created by sync", "correlation_id": cid, "correlation_display": "snowlink"})
        .as_object()
        .unwrap()
        .clone()
}

async fn incidents_with_correlation(env: &TestEnv, cid: &str) -> Vec<Value> {
    // `#` would start the URL fragment.
    let q = format!("correlation_id={}", cid.replace('#', "%23"));
    env.admin_get(&format!("/api/now/table/incident?sysparm_query={q}"))
        .await["result"]
        .as_array()
        .unwrap()
        .clone()
}

/// What a worker that died after sending its create leaves behind: the incident exists on
/// ServiceNow with the create's correlation id (made here as admin), its outcome unknown locally.
async fn land_create(env: &TestEnv, cid: &str) -> Value {
    reqwest::Client::new()
        .post(format!("{}/api/now/table/incident", env.url))
        .basic_auth("admin", Some("admin"))
        .header("Accept", "application/json")
        .json(&create_fields(cid))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_makes_the_incident_and_links_it() {
    let (env, _, mut store) = setup().await;
    let key = seed_anomaly(&mut store, "A-77");
    let cid = "snowlink:wh/A-77#c1";
    let id = store
        .enqueue(
            &NewDelivery::create("default", "incident", &create_fields(cid), &key),
            jiff::Timestamp::now(),
        )
        .unwrap();
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    let created = &report["created"][0];
    assert_eq!(created["id"], id);
    assert_eq!(created["found_existing"], false);
    // The link holds the new incident's state from the create answer (display values): no
    // read of the incident was needed.
    let log = requests(&env).await;
    let reads = log
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"].as_str().unwrap_or("").contains("/incident"))
        .count();
    assert_eq!(reads, 0, "{log:?}");
    let link = &store.links_for_anomaly(&key).unwrap()[0];
    assert_eq!(link.last.state.as_deref(), Some("New"), "{link:?}");
    assert!(
        link.last
            .priority
            .as_deref()
            .is_some_and(|p| p.contains(" - ")),
        "{link:?}"
    );
    assert!(link.read_at.is_some());
    let found = incidents_with_correlation(&env, cid).await;
    let rec = env.incident(created["number"].as_str().unwrap()).await;
    assert_eq!(found.len(), 1, "{}", rec["correlation_id"]);
    assert_eq!(found[0]["number"], created["number"]);
    let links = store.links_for_anomaly(&key).unwrap();
    assert_eq!(
        links[0].incident.number,
        created["number"].as_str().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_create_is_found_by_correlation_id_not_made_twice() {
    let (env, _, mut store) = setup().await;
    let key = seed_anomaly(&mut store, "A-78");
    let cid = "snowlink:wh/A-78#c2";
    store
        .enqueue(
            &NewDelivery::create("default", "incident", &create_fields(cid), &key),
            jiff::Timestamp::now(),
        )
        .unwrap();
    claim_and_die(&mut store, 1);
    // The dead worker's POST had landed.
    let made = land_create(&env, cid).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(report["created"][0]["found_existing"], true);
    assert_eq!(report["created"][0]["sys_id"], made["result"]["sys_id"]);
    assert_eq!(incidents_with_correlation(&env, cid).await.len(), 1);
    assert_eq!(store.links_for_anomaly(&key).unwrap().len(), 1);
}

/// A bulk create (one incident for several anomalies) whose worker died with the POST landed:
/// the next run finds the incident by its correlation_id and links it to every target, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_create_found_after_a_crash_links_every_target() {
    let (env, _, mut store) = setup().await;
    let first = seed_anomaly(&mut store, "A-81");
    let others = [
        seed_anomaly(&mut store, "A-82"),
        seed_anomaly(&mut store, "A-83"),
    ];
    let cid = "snowlink:wh/A-81#c4";
    store
        .enqueue_create_for(
            &NewDelivery::create("default", "incident", &create_fields(cid), &first),
            &others,
            jiff::Timestamp::now(),
        )
        .unwrap();
    claim_and_die(&mut store, 1);
    // The dead worker's POST had landed: the hard case is a reconciliation, not a fresh create.
    let made = land_create(&env, cid).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(report["created"][0]["found_existing"], true, "{report}");
    assert_eq!(incidents_with_correlation(&env, cid).await.len(), 1);
    let sys_id = made["result"]["sys_id"].as_str().unwrap();
    for key in std::iter::once(&first).chain(&others) {
        let links = store.links_for_anomaly(key).unwrap();
        assert_eq!(links.len(), 1, "{key}: {links:?}");
        assert_eq!(links[0].incident.sys_id, sys_id, "{key}");
    }
    // Running again changes nothing.
    let (out, _) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0);
    assert_eq!(incidents_with_correlation(&env, cid).await.len(), 1);
    assert_eq!(store.links_for_anomaly(&others[1]).unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn description_block_is_appended_once() {
    let (env, inc, mut store) = setup().await;
    let key = seed_anomaly(&mut store, "A-79");
    let block =
        "--- snowlink anomaly A-79 ---\nId: A-79\nLink: https://dq.example.com/anomalies/A-79";
    let append = |store: &mut snowlink::store::Store| {
        store
            .enqueue(
                &NewDelivery::to_incident(
                    &inc[0],
                    DeliveryKind::DescriptionAppend,
                    block,
                    Some(&key),
                ),
                jiff::Timestamp::now(),
            )
            .unwrap()
    };
    append(&mut store);
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    let rec = env.incident(&inc[0].number).await;
    let desc = rec["description"].as_str().unwrap().to_string();
    assert!(desc.ends_with(block), "{desc}");
    // A second append of the same anomaly (relink, retry) finds it and sends nothing.
    let again = append(&mut store);
    clear_requests(&env).await;
    let (out, report) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{report}");
    assert_eq!(ids(&report["reconciled"]), vec![again]);
    assert_eq!(patches(&requests(&env).await), 0);
    assert_eq!(
        env.incident(&inc[0].number).await["description"],
        desc.as_str()
    );
}
