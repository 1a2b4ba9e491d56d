//! End to end in a real terminal, in team mode: Ann's dashboard and Bob's command line share
//! one PostgreSQL store (docs/store.md §Engines). What Bob does on his machine shows on Ann's
//! screen with no key pressed: the store's change notification refreshes her list. Waiting is by polling the pane with generous bounds; nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod sync_common;
mod team_common;
mod tmux_common;

use common::{TestEnv, exit_code, stderr};
use team_common::{cluster_with, team_config};
use tmux_common::Tmux;

#[tokio::test(flavor = "multi_thread")]
async fn another_engineers_change_shows_on_the_dashboard_without_a_key() {
    tmux_common::require();
    let cluster = cluster_with("team_ui").await;
    let ann = TestEnv::start().await;
    let bob = TestEnv::start().await;
    team_config(&ann, &ann.url, &cluster, "team_ui", "Ann Oncall");
    team_config(&bob, &ann.url, &cluster, "team_ui", "Bob Oncall");
    // The sources are read once into the shared store before the dashboard opens.
    let out = bob.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=itil USER=ann {}",
        ann.config_path().display(),
        ann.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start_sized(&cmd, 160, 45);
    tmux.wait_for("A-1002");
    tmux.select("A-1002");

    let pane = tmux.wait_for("Status: Active");
    assert!(pane.contains("A-1002"), "{pane}");

    // Bob, on his machine, acknowledges the anomaly Ann is looking at.
    let out = bob.run(&["ack", "A-1002"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));

    // No key pressed: Ann's list and detail pane show it.
    let pane = tmux.wait_for("Status: Acknowledged");
    assert!(pane.contains("ACK"), "{pane}");
    assert!(
        !ann.data_dir().join("snowlink.db").exists(),
        "the dashboard used the shared store, not a local file"
    );
    tmux.keys(&["q"]);
}
