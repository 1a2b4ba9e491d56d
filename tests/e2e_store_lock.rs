//! Nothing blocks the dashboard's event loop (issue: "nothing blocks the async runtime"): while
//! another connection holds the database's write lock, keys still move the cursor and open
//! popups, an acknowledge waits for the lock off the UI loop, and once the lock is released the
//! queued work completes (the status note reaches the linked incident). Driven in tmux against
//! the emulator; the store is the real file the dashboard uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tmux_common;

use common::{TestEnv, exit_code, stderr};
use tmux_common::Tmux;

/// The id on the list row that carries the cursor marker.
fn selected_id(pane: &str) -> Option<String> {
    pane.lines()
        .find(|l| l.starts_with("┃▌") || l.starts_with("│▌"))
        .and_then(|l| l.split_whitespace().find(|w| w.starts_with("A-")))
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_redraw_while_another_process_holds_the_write_lock() {
    tmux_common::require();
    let env = TestEnv::start().await;
    let out = env.run(&["load"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let out = env.run(&["ticket", "link", "A-1001", "INC0000005"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let incident = env.incident("INC0000005").await;
    let sys_id = incident["sys_id"].as_str().unwrap().to_string();

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=itil USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("A-1001");
    // Select A-1001 through the filter.
    tmux.keys(&["/"]);
    tmux.text("A-1001");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Null CUSTOMER_ID in ANALYTICS.ORDERS");

    // Another process takes the write lock and keeps it until we say so.
    let db = env.data_dir().join("snowlink.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();

    // An acknowledge now has to wait for the lock: it must not freeze the screen.
    tmux.keys(&["a"]);
    // The help popup opens and closes while the write is blocked.
    tmux.keys(&["?"]);
    tmux.wait_for("Keys");
    tmux.keys(&["Escape"]);
    // Clearing the filter and moving the cursor redraws too.
    tmux.keys(&["/", "C-u", "Enter"]);
    let before = selected_id(&tmux.wait_for("A-1002"));
    tmux.keys(&["j"]);
    let mut moved = false;
    for _ in 0..200 {
        let now = selected_id(&tmux.pane());
        if now.is_some() && now != before {
            moved = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        moved,
        "the cursor did not move while the lock was held:\n{}",
        tmux.pane()
    );
    // Still held here: everything above happened while the write waited.
    assert!(!holder.is_autocommit(), "the lock must still be held");
    assert!(
        env.work_notes(&sys_id)
            .await
            .iter()
            .all(|n| !n.contains("status: Acknowledged")),
        "nothing can have been recorded while the lock is held"
    );
    holder.execute_batch("COMMIT").unwrap();

    // Released: the acknowledge is recorded and its status note delivered.
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let notes = env.work_notes(&sys_id).await;
        if notes
            .iter()
            .any(|n| n.contains("Anomaly A-1001 status: Acknowledged"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < until,
            "the acknowledge never reached the incident; notes: {notes:?}\n{}",
            tmux.pane()
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    tmux.keys(&["q"]);
}
