//! End to end in tmux: `ctrl-e` in the comment box runs `$EDITOR`; an editor that leaves the
//! terminal in a mess (main screen, mouse reporting on, screen cleared) still hands back a fully
//! redrawn dashboard holding the edited text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux_common;

use std::os::unix::fs::PermissionsExt;

use tmux_common::Tmux;

#[test]
#[ignore = "intermittent: under tmux `ctrl-e` in the comment box does not always start $EDITOR \
            (seen passing by hand, failing here); to be investigated before it gates CI"]
fn the_terminal_is_restored_after_the_editor() {
    tmux_common::require();
    let dir = tempfile::tempdir().unwrap();
    let editor = dir.path().join("messy-editor");
    std::fs::write(
        &editor,
        "#!/bin/sh\n\
         printf '\\033[?1049l\\033[?1000h\\033[2J\\033[Hediting...'\n\
         printf 'written in the editor' > \"$1\"\n\
         echo ran >> \"$0.log\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmux = Tmux::start(&format!(
        "env VISUAL= EDITOR={} {} demo",
        editor.display(),
        env!("CARGO_BIN_EXE_snowlink")
    ));
    tmux.wait_for("DEMO 127.0.0.1:");
    tmux.wait_for("A-1042");
    tmux.keys(&["m"]);
    tmux.wait_for("Comment on ");
    std::thread::sleep(std::time::Duration::from_millis(500));
    tmux.keys(&["C-e"]);
    // Back in the dashboard: the comment box with the editor's text, and the list behind it.
    let pane = tmux.wait_for("written in the editor");
    assert!(pane.contains("Comment on "), "{pane}");
    assert!(pane.contains("Anomalies "), "{pane}");
    assert!(!pane.contains("editing..."), "{pane}");
    // Still in raw mode: keys reach the dashboard (esc asks, since the comment has text).
    tmux.keys(&["Escape"]);
    tmux.wait_for("Unsaved changes");
    tmux.keys(&["d"]);
    tmux.keys(&["q"]);
}
