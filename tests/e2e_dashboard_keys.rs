//! End to end in tmux, through `snowlink demo`: the ticket form's pickers scroll and pick the row
//! the user sees; the hide toggle, a field filter and the sort show in the list; `$EDITOR` hands
//! back a working dashboard even when it leaves the terminal in a mess.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod tmux_common;

use std::os::unix::fs::PermissionsExt;

use tmux_common::Tmux;

fn demo(width: u16, height: u16) -> Tmux {
    tmux_common::require();
    let tmux = Tmux::start_sized(
        &format!("{} demo", env!("CARGO_BIN_EXE_snowlink")),
        width,
        height,
    );
    tmux.wait_for("DEMO 127.0.0.1:");
    tmux.wait_for("Anomalies ");
    tmux
}

/// The name on the dropdown's selected line (`│▌Name   │`).
fn selected_in_dropdown(pane: &str) -> Option<String> {
    pane.lines().find_map(|l| {
        let at = l.find("│▌")?;
        let name = l[at + "│▌".len()..].split('│').next()?.trim();
        (!name.is_empty()).then(|| name.to_owned())
    })
}

#[test]
fn the_assignee_picker_scrolls_and_picks_the_row_on_screen() {
    // Short enough that the list of every user cannot show at once.
    let tmux = demo(80, 15);
    tmux.select("A-1042");
    tmux.keys(&["c"]);
    tmux.wait_for("Create incident for A-1042");
    for _ in 0..6 {
        tmux.keys(&["Tab"]);
    }
    tmux.text("Database");
    tmux.wait_for("↑↓ enter picks");
    tmux.keys(&["Enter"]);
    tmux.wait_for("✓ Database");
    tmux.keys(&["Tab"]);
    // The assignee list holds the group's members; ctrl-g widens it to every user.
    tmux.wait_for("ctrl-g: all users");
    tmux.keys(&["C-g"]);
    let first = tmux.wait_for("↑↓ enter picks");
    let top = selected_in_dropdown(&first).expect("a selected row");
    for _ in 0..9 {
        tmux.keys(&["Down"]);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pane = tmux.pane();
    let seen = selected_in_dropdown(&pane).unwrap_or_else(|| panic!("no selection:\n{pane}"));
    assert_ne!(seen, top, "the selection moved:\n{pane}");
    assert!(
        !pane.contains(&format!("│ {top}")),
        "the list scrolled past its first row:\n{pane}"
    );
    tmux.keys(&["Enter"]);
    // What was picked is what was on screen.
    tmux.wait_for(&format!("✓ {seen}"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("Unsaved changes");
    tmux.keys(&["d", "q"]);
}

#[test]
fn hide_archived_a_field_filter_and_a_reversed_sort_in_the_list() {
    let tmux = demo(120, 40);
    tmux.select("A-1042");
    // Archive it (the first reason, Resolved).
    tmux.keys(&["x"]);
    tmux.wait_for("Resolved");
    tmux.keys(&["Enter"]);
    tmux.wait_for("archived");
    tmux.wait_for("○ ARC");
    // h hides archived rows: the filtered list is empty, and says why.
    tmux.keys(&["h"]);
    let pane = tmux.wait_for("archived hidden");
    assert!(pane.contains("Anomalies 0/"), "{pane}");
    // Again: archived and acknowledged; a third time: everything.
    tmux.keys(&["h"]);
    tmux.wait_for("archived + acknowledged hidden");
    tmux.keys(&["h"]);
    let pane = tmux.wait_for("Anomalies 1/");
    assert!(!pane.contains("hidden"), "{pane}");
    // A field filter replaces the text one; esc while editing goes back to the kept one.
    tmux.keys(&["/", "C-u"]);
    tmux.text("status:arc");
    tmux.keys(&["Enter"]);
    let pane = tmux.wait_for("filter \"status:arc\"");
    assert!(pane.contains("A-1042"), "{pane}");
    tmux.keys(&["/"]);
    tmux.text(" sev:nosuch");
    tmux.keys(&["Escape"]);
    tmux.wait_for("filter \"status:arc\"");
    // Reverse the sort: the header marks the sorted column.
    tmux.keys(&["R"]);
    tmux.wait_for("sort oldest");
    tmux.wait_for("DETECTED▲");
    tmux.keys(&["q"]);
}

#[test]
fn the_terminal_is_restored_after_the_editor() {
    tmux_common::require();
    let dir = tempfile::tempdir().unwrap();
    let editor = dir.path().join("messy-editor");
    // Leaves the alternate screen, turns mouse reporting on and clears the screen: the dashboard
    // must take the terminal back regardless.
    std::fs::write(
        &editor,
        "#!/bin/sh\n\
         printf '\\033[?1049l\\033[?1000h\\033[2J\\033[Hediting...'\n\
         printf 'written in the editor' > \"$1\"\n",
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
    tmux.keys(&["C-e"]);
    // Back in the dashboard: the comment box with the editor's text, and the list behind it.
    let pane = tmux.wait_for("written in the editor");
    assert!(pane.contains("Comment on "), "{pane}");
    assert!(pane.contains("Anomalies "), "{pane}");
    assert!(!pane.contains("editing..."), "{pane}");
    // Still in raw mode: keys reach the dashboard (esc asks, since the comment has text).
    tmux.keys(&["Escape"]);
    tmux.wait_for("Unsaved changes");
    tmux.keys(&["d", "q"]);
}
