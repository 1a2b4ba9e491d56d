//! A running dashboard follows its live sources without a key press: a line appended to an
//! NDJSON file source, an anomaly added to the Qualytics emulator (in-process here) and an alert
//! posted to the real Alertmanager each appear on screen with the new-row marker. Then `a` on
//! the new alert makes exactly one snowlink silence for it in Alertmanager. Driven in tmux;
//! waiting is by polling the pane (bounded, generous); nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alertmanager_common;
mod common;
mod tmux_common;

use std::io::Write;
use std::time::{Duration, Instant};

use alertmanager_common::Alertmanager;
use common::{SAMPLE, TestEnv};
use qualytics_emulator::{Emulator, EmulatorConfig, NewAnomaly, Ref};
use serde_json::{Value, json};
use tmux_common::Tmux;

/// Polls the pane until a list row shows `title` with the new-row marker (`┃•`).
fn wait_for_new_row(tmux: &Tmux, title: &str) {
    let until = Instant::now() + Duration::from_secs(90);
    loop {
        let pane = tmux.pane();
        if pane
            .lines()
            .any(|l| l.contains(title) && l.starts_with("┃•"))
        {
            return;
        }
        assert!(
            Instant::now() < until,
            "no new row {title:?} with the • marker; pane:\n{pane}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The live (not expired) silences snowlink made whose matchers include `alertname=name`.
async fn snowlink_silences_for(am: &Alertmanager, name: &str) -> Vec<Value> {
    let all: Vec<Value> = reqwest::get(format!("{}/api/v2/silences", am.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.into_iter()
        .filter(|s| s["createdBy"] == "snowlink" && s["status"]["state"] != "expired")
        .filter(|s| {
            s["matchers"].as_array().is_some_and(|ms| {
                ms.iter()
                    .any(|m| m["name"] == "alertname" && m["value"] == name)
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn file_qualytics_and_alertmanager_rows_appear_live_and_ack_silences_once() {
    tmux_common::require();
    let am = Alertmanager::start().await;
    let env = TestEnv::start().await;
    let (qx, _) = Emulator::start(EmulatorConfig::default()).await.unwrap();

    // The file source is a copy we may append to; every source is read every second or two.
    let file = env.dir.path().join("anomalies.ndjson");
    std::fs::copy(SAMPLE, &file).unwrap();
    let config = std::fs::read_to_string(env.config_path()).unwrap().replace(
        &format!("path = \"{SAMPLE}\""),
        &format!("path = \"{}\"\npoll_secs = 1", file.display()),
    );
    let config = format!(
        "{config}
[[sources]]
name = \"qx\"
kind = \"qualytics\"
url = \"{}\"
token_command = \"printf %s '{}'\"
poll_secs = 2

[[sources]]
name = \"alerts\"
kind = \"alertmanager\"
url = \"{}\"
poll_secs = 2
",
        qx.base_url(),
        qx.editor_token(),
        am.base
    );
    std::fs::write(env.config_path(), config).unwrap();
    am.post_alerts(json!([{
        "labels": {"alertname": "E2EFirst", "instance": "db1", "severity": "critical"},
        "annotations": {"summary": "E2E first alert"}
    }]))
    .await;

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=itil USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    // The initial rows of all three sources.
    tmux.wait_for("A-1042");
    tmux.wait_for("E2E first alert");
    tmux.wait_for("12 refunds point");

    // (a) a line appended to the file.
    let now = jiff::Timestamp::now();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap();
    writeln!(
        f,
        "{}",
        json!({"id": "E2E-1", "title": "E2E file row", "severity": "low", "detected_at": now.to_string()})
    )
    .unwrap();
    drop(f);
    wait_for_new_row(&tmux, "E2E file row");

    // (b) an anomaly added in Qualytics.
    qx.add_anomaly(NewAnomaly::new(
        Ref {
            id: 1,
            name: "Sales Warehouse".into(),
        },
        Ref {
            id: 101,
            name: "orders".into(),
        },
        "E2E qx row",
    ))
    .unwrap();
    wait_for_new_row(&tmux, "E2E qx row");

    // (c) a new alert.
    am.post_alerts(json!([{
        "labels": {"alertname": "E2ENew", "instance": "db9", "severity": "warning"},
        "annotations": {"summary": "E2E alert row"}
    }]))
    .await;
    wait_for_new_row(&tmux, "E2E alert row");

    // Acknowledge the new alert: one silence, made by snowlink, for its labels.
    tmux.keys(&["/"]);
    tmux.text("E2E alert row");
    tmux.keys(&["Enter"]);
    tmux.wait_for(" · E2E alert row");
    tmux.keys(&["a"]);
    tmux.wait_for("silenced in alerts for 4h");
    let until = Instant::now() + Duration::from_secs(60);
    let silences = loop {
        let s = snowlink_silences_for(&am, "E2ENew").await;
        if !s.is_empty() || Instant::now() > until {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(silences.len(), 1, "{silences:?}\n{}", tmux.pane());
    // And it stays one (the worker's next rounds adopt it, they make no second one).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let silences = snowlink_silences_for(&am, "E2ENew").await;
    assert_eq!(silences.len(), 1, "{silences:?}");
    assert!(
        snowlink_silences_for(&am, "E2EFirst").await.is_empty(),
        "only the acknowledged alert is silenced"
    );
    tmux.keys(&["q"]);
}
