//! End to end in a real terminal: an anomaly sent to Event Management (`snowlink event send`)
//! shows the alert it became in the dashboard's links pane (`Alert0010001 Open`). Waiting is by
//! polling the pane (bounded, generous); nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod events_common;
mod tmux_common;

use common::{exit_code, stderr};
use tmux_common::Tmux;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_links_pane_shows_the_alert_an_event_became() {
    tmux_common::require();
    let env = events_common::start().await;
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let (out, v) = env.json(&["event", "send", "A-1001"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    assert_eq!(v["alert"]["number"], "Alert0010001");

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD={} USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        events_common::PASSWORD,
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("A-1001");
    tmux.keys(&["/"]);
    tmux.text("A-1001");
    tmux.keys(&["Enter"]);
    tmux.wait_for("A-1001 · ");
    let pane = tmux.wait_for("Alert0010001 Open");
    assert!(pane.contains("Links (1)"), "{pane}");
    assert!(
        !pane.contains("Alert0010001Open"),
        "a space after the number: {pane}"
    );
    tmux.keys(&["q"]);
}
