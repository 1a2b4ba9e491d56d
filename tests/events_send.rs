//! `snowlink event send ID` against the emulator (issue 13 point 2): one event, one alert, the
//! anomaly linked to the alert (show, links), no work notes to alerts, and a send whose worker
//! was killed after the POST went out: the next run finishes it with still one alert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod events_common;
#[path = "common/holding_proxy.rs"]
mod holding_proxy;
mod sync_common;

use std::time::Duration;

use common::{exit_code, stderr, stdout};
use events_common::rows;
use holding_proxy::HoldingProxy;
use serde_json::Value;

const ID: &str = "A-1001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_send_makes_one_event_one_alert_and_links_the_anomaly() {
    let env = events_common::start().await;
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    let (out, v) = env.json(&["event", "send", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(v["message_key"], "snowlink:warehouse-dq/A-1001");
    assert_eq!(v["alert"]["table"], "em_alert");
    assert_eq!(v["alert"]["number"], "Alert0010001");
    assert_eq!(v["delivery"]["delivered"], 1);

    let events = rows(&env, "em_event", "").await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let ev = &events[0];
    assert_eq!(ev["source"], "snowlink:warehouse-dq");
    assert_eq!(ev["severity"], "2", "high is 2 (Major)");
    assert_eq!(ev["type"], "record");
    assert_eq!(ev["message_key"], "snowlink:warehouse-dq/A-1001");
    let info: Value = serde_json::from_str(ev["additional_info"].as_str().unwrap()).unwrap();
    assert_eq!(info["id"], ID);
    assert_eq!(info["source"], "warehouse-dq");
    assert!(
        info["url"].as_str().unwrap().starts_with("https://"),
        "{info}"
    );
    let alerts = rows(&env, "em_alert", "").await;
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(ev["alert"], alerts[0]["sys_id"]);

    let (out, shown) = env.json(&["show", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let links = shown["links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{shown:#}");
    assert_eq!(links[0]["incident"]["table"], "em_alert");
    assert_eq!(links[0]["incident"]["number"], "Alert0010001");
    assert_eq!(links[0]["incident"]["sys_id"], alerts[0]["sys_id"]);

    let out = env.run(&["links"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("Alert0010001"), "{}", stdout(&out));

    // Triage on the anomaly writes no work note to the alert (events keep it up to date).
    sync_common::clear_requests(&env).await;
    let (out, acked) = env.json(&["ack", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(
        acked.to_string().contains("\"outbox\":[]"),
        "no delivery queued for the alert link: {acked}"
    );
    let log = sync_common::requests(&env).await;
    assert!(
        !log.iter()
            .any(|r| r["path"].as_str().unwrap().contains("em_alert") && r["method"] == "PATCH"),
        "{log:#?}"
    );

    // An open alert is no ticket: a ticket can still be created without --another.
    let out = env.run(&["ticket", "create", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    // Sending again: ServiceNow dedupes by message key into the same alert.
    let (out, again) = env.json(&["event", "send", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(again["alert"]["number"], "Alert0010001");
    let alerts = rows(&env, "em_alert", "").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["event_count"], "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_killed_after_its_post_is_finished_by_the_next_run_with_one_alert() {
    let env = events_common::start().await;
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let proxy = HoldingProxy::start(&env.url, "POST", "/api/global/em/jsonv2").await;
    // The emulator accepts and processes the event; its answer is held far longer than the
    // test waits, so the process is killed with the outcome unknown.
    proxy.set_hold(Duration::from_secs(120));
    env.point_config_at(&proxy.url);

    let mut child = sync_common::spawn(&env, &["event", "send", ID]);
    proxy.wait_arrivals(1).await;
    // The emulator has the event once the proxy forwarded it: wait for the row, bounded.
    let mut landed = false;
    for _ in 0..200 {
        if !rows(&env, "em_event", "").await.is_empty() {
            landed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(landed, "the held POST reached the emulator");
    child.start_kill().unwrap();
    let _ = child.wait().await;

    let (out, shown) = env.json(&["show", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert!(
        shown["links"].as_array().unwrap().is_empty(),
        "the killed run recorded nothing: {shown:#}"
    );

    proxy.set_hold(Duration::ZERO);
    let out = env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));

    let alerts = rows(&env, "em_alert", "").await;
    assert_eq!(
        alerts.len(),
        1,
        "one alert after the redelivery: {alerts:#?}"
    );
    let events = rows(&env, "em_event", "").await;
    assert!(
        (1..=2).contains(&events.len()),
        "the event landed once, or twice if resent: {events:#?}"
    );
    assert!(events.iter().all(|e| e["alert"] == alerts[0]["sys_id"]));
    let (_, shown) = env.json(&["show", ID]).await;
    let links = shown["links"].as_array().unwrap();
    assert_eq!(links.len(), 1, "{shown:#}");
    assert_eq!(links[0]["incident"]["number"], alerts[0]["number"]);
    let (_, outbox) = env.json(&["outbox", "list", "--all"]).await;
    println!("outbox after redelivery: {outbox}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archiving_the_last_anomaly_of_an_alert_sends_a_clear_that_closes_it() {
    let env = events_common::start().await;
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (out, _) = env.json(&["event", "send", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    // Acknowledging sends nothing; archiving sends one Clear (severity 0) with the same key.
    let (out, v) = env.json(&["archive", ID]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(v["delivery"]["delivered"], 1, "{v:#}");
    let events = rows(&env, "em_event", "ORDERBYsys_created_on").await;
    assert_eq!(events.len(), 2, "{events:#?}");
    let clear = events.iter().find(|e| e["severity"] == "0").unwrap();
    assert_eq!(clear["message_key"], "snowlink:warehouse-dq/A-1001");
    assert_eq!(clear["resolution_state"], "Closing");
    let alerts = rows(&env, "em_alert", "").await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["state"], "Closed");
    let (_, shown) = env.json(&["show", ID]).await;
    assert_eq!(shown["links"][0]["last"]["state"], "Closed", "{shown:#}");
}
