//! What change detection costs, read from the emulator's request log: with N linked records of
//! which k changed, one pass makes ⌈N/100⌉ requests (each `sys_idIN` ≤ 100 ids with the
//! `sys_updated_on` filter), only the k changed records come back (plus the newest unchanged one,
//! inside the overlap by design, recognised by its version) and only they are applied.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backsync_common;
mod common;
mod sync_common;

use backsync_common::*;
use serde_json::Value;
use snowlink::domain::Status;

const N: usize = 250;
const CHANGED: [usize; 3] = [3, 120, 200];

fn incident_reads(log: &[Value]) -> Vec<String> {
    log.iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/api/now/table/incident")
        .map(|r| {
            let q = r["query"].as_str().unwrap();
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "sysparm_query")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_links_cost_ceil_n_over_100_requests_and_only_changes_are_applied() {
    let bs = start(N, true).await;
    let keys: Vec<_> = (0..N)
        .map(|i| bs.anomaly(&format!("N-{i:03}"), &[i]))
        .collect();
    let first = bs.sync_once().await;
    assert_eq!(first["baselined"], N, "{first}");
    assert_eq!(first["requests"], 3, "{first}");

    for i in CHANGED {
        bs.assign(i).await;
    }
    sync_common::clear_requests(&bs.env).await;
    let c = bs.sync_once().await;
    let reads = incident_reads(&sync_common::requests(&bs.env).await);
    assert_eq!(reads.len(), N.div_ceil(100), "{reads:?}");
    for q in &reads {
        assert!(q.starts_with("sys_idIN"), "{q}");
        // The watermark is the newest record's time (ServiceNow's clock), less the overlap.
        let since = format!("^sys_updated_on>={}", seconds_before(&seed_time(N - 1), 60));
        assert!(q.contains(&since), "{q} has {since}");
        let ids = q["sys_idIN".len()..].split('^').next().unwrap();
        assert!(ids.split(',').count() <= 100, "{q}");
    }
    assert_eq!(c["requests"], 3, "{c}");
    assert_eq!(
        c["returned"],
        CHANGED.len() + 1,
        "only the changed records and the one at the watermark come back: {c}"
    );
    assert_eq!(c["changed"], CHANGED.len());
    assert_eq!(
        c["unchanged"], 1,
        "the record at the watermark is not applied again"
    );
    assert_eq!(c["applied"].as_array().unwrap().len(), CHANGED.len());
    let acked: Vec<usize> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| bs.status(k) == Status::Acknowledged)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(acked, CHANGED);

    // Nothing changed since: the same ⌈N/100⌉ requests; the changes inside the overlap come
    // back once more, are recognised by version, and nothing is applied.
    sync_common::clear_requests(&bs.env).await;
    let c = bs.sync_once().await;
    assert_eq!(
        incident_reads(&sync_common::requests(&bs.env).await).len(),
        3
    );
    assert_eq!(c["unchanged"], CHANGED.len(), "{c}");
    assert!(c["applied"].as_array().unwrap().is_empty(), "{c}");
}

/// The background's full pass (the first of `sync --watch`, then every tenth) asks only which
/// linked records still exist — `sysparm_fields=sys_id` in the same `sys_idIN` batches — and
/// marks the links of a deleted record broken; no record content is re-read for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_full_pass_asks_only_which_records_exist_and_marks_deleted_ones_broken() {
    const M: usize = 150;
    let bs = start(M, false).await;
    let keys: Vec<_> = (0..M)
        .map(|i| bs.anomaly(&format!("G-{i:03}"), &[i]))
        .collect();
    bs.sync_once().await;
    let gone = &bs.incidents[7];
    let resp = reqwest::Client::new()
        .delete(format!(
            "{}/api/now/table/incident/{}",
            bs.env.url, gone.sys_id
        ))
        .basic_auth("admin", Some("admin"))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    sync_common::clear_requests(&bs.env).await;

    let mut watcher = sync_common::spawn(&bs.env, &["sync", "--watch"]);
    let started = std::time::Instant::now();
    loop {
        let links = bs.store().links_for_anomaly(&keys[7]).unwrap();
        if links[0].broken {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the deleted record's link was never marked broken"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sync_common::terminate(&watcher);
    assert!(watcher.wait().await.unwrap().success());

    let log = sync_common::requests(&bs.env).await;
    let existence: Vec<&Value> = log
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/api/now/table/incident")
        .filter(|r| {
            let q = r["query"].as_str().unwrap();
            url::form_urlencoded::parse(q.as_bytes())
                .any(|(k, v)| k == "sysparm_fields" && v == "sys_id")
        })
        .collect();
    assert_eq!(existence.len(), M.div_ceil(100), "{log:#?}");
    // Every other link is fine; the change pass itself asked only for changes.
    for (i, k) in keys.iter().enumerate().filter(|(i, _)| *i != 7) {
        assert!(!bs.store().links_for_anomaly(k).unwrap()[0].broken, "{i}");
    }
    let reads = incident_reads(&log);
    assert!(
        reads
            .iter()
            .all(|q| q.starts_with("sys_idIN") && q.len() > "sys_idIN".len()),
        "{reads:?}"
    );
}
