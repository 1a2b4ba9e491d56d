//! Snapshots of errors read in full (issue 10 point 3) and of bulk actions on marked rows
//! (point 6): the status bar at 120, 80 and 60 columns with a long auth error, the errors popup,
//! the bulk ticket form, the bulk comment box and the confirmation listing the anomalies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;

use super::backend::{ConnectionStatus, OutboxCounts};
use super::state::{Level, State};
use super::test_support::*;

/// What the ServiceNow client says for a 401 (crates/servicenow-client/src/error_display.rs,
/// with the emulator's message and detail), as the dashboard's create reports it.
pub const AUTH_ERROR: &str = "create failed: 401 from https://acme.service-now.com/api/now/table/incident: \
     User Not Authenticated (Required to provide Auth information); check username/password (or \
     the OAuth user); account locked, password expired, or basic auth restricted for this user \
     (use a web_service_access_only user or OAuth)?";

const SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (60, 15)];

fn auth_failing(size: (u16, u16)) -> State {
    let mut s = loaded(10, size);
    s.connection = ConnectionStatus::AuthError("401: check username/password".into());
    s.outbox = Some(OutboxCounts {
        pending: 3,
        failed: 0,
        dead: 0,
        paused: Some("401 from https://acme.service-now.com: check username/password".into()),
        store_version: 0,
        others: Vec::new(),
    });
    s.toast(Level::Error, AUTH_ERROR);
    s
}

#[test]
fn long_auth_error_keeps_the_outbox_count_and_the_hint() {
    for size in SIZES {
        let mut s = auth_failing(size);
        let bar = text(&s).lines().last().unwrap().to_owned();
        assert!(bar.contains("outbox 3"), "{size:?}: {bar}");
        assert!(bar.contains("E: full error"), "{size:?}: {bar}");
        if size.0 >= 120 {
            assert!(bar.contains("error: create failed: 401"), "{size:?}: {bar}");
        }
        // With the toast shown, and after it expired (the bar alone).
        insta::assert_snapshot!(
            format!("auth_error_toast_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
        s.toasts.clear();
        insta::assert_snapshot!(
            format!("auth_error_bar_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

#[test]
fn the_error_toast_wraps_the_whole_message() {
    let s = auth_failing((120, 40));
    let screen = text(&s);
    // The end of the message (the fix) is on screen, not cut off.
    assert!(screen.contains("web_service_access_only"), "{screen}");
}

#[test]
fn errors_popup_shows_the_full_text_and_the_fix() {
    for size in [(120, 40), (80, 24)] {
        let mut s = auth_failing(size);
        s.toasts.clear();
        // A repeat is counted, not listed again.
        s.toast(
            Level::Error,
            "could not update the list: database is locked",
        );
        s.toast(Level::Error, AUTH_ERROR);
        s.toasts.clear();
        press(&mut s, [ch('E')]);
        let screen = text(&s);
        assert!(screen.contains("×2"), "{screen}");
        assert!(screen.contains("fix: check username/password"), "{screen}");
        assert!(screen.contains("web_service_access_only"), "{screen}");
        insta::assert_snapshot!(
            format!("errors_popup_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
        // Any other key closes it.
        press(&mut s, [key(KeyCode::Esc)]);
        assert!(s.popup.is_none());
    }
}

fn marked_three(size: (u16, u16)) -> State {
    let mut s = loaded(10, size);
    press(&mut s, [ch(' '), ch(' '), ch(' ')]);
    s
}

#[test]
fn bulk_ticket_form_names_every_anomaly() {
    for size in [(120, 40), (80, 24)] {
        let mut s = marked_three(size);
        press(&mut s, [ch('c')]);
        // Every test anomaly has an open incident: asked first, listing them.
        let screen = text(&s);
        assert!(
            screen.contains("3 of the 3 marked anomalies already have an open incident"),
            "{screen}"
        );
        assert!(screen.contains("• A-1000 (INC0010001"), "{screen}");
        press(&mut s, [ch('y')]);
        let screen = text(&s);
        assert!(
            screen.contains("Create one incident for 3 anomalies: A-1000, A-1001, A-1002"),
            "{screen}"
        );
        insta::assert_snapshot!(
            format!("bulk_ticket_form_{}x{}", size.0, size.1),
            draw(&s).backend()
        );
    }
}

#[test]
fn bulk_comment_box_names_every_anomaly() {
    let mut s = marked_three((80, 24));
    press(&mut s, [ch('m')]);
    let screen = text(&s);
    assert!(
        screen.contains("Comment on 3 anomalies: A-1000, A-1001, A-1002"),
        "{screen}"
    );
    insta::assert_snapshot!("bulk_comment_80x24", draw(&s).backend());
}

#[test]
fn bulk_confirmation_lists_the_anomalies_and_counts_the_rest() {
    let mut s = loaded(40, (80, 24));
    press(&mut s, [ctrl('a'), ch('a')]);
    let screen = text(&s);
    assert!(
        screen.contains("Acknowledge 40 marked anomalies?"),
        "{screen}"
    );
    assert!(screen.contains("• A-1000"), "{screen}");
    assert!(screen.contains("more"), "{screen}");
    insta::assert_snapshot!("bulk_confirm_ack_80x24", draw(&s).backend());
}
