//! Snapshots of every pane and popup at 80×24 and 120×40, plus the too-small notice, NO_COLOR,
//! wide characters and cell-level checks of the selection marker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};

use crate::config::Theme as ThemeName;

use super::backend::{ConnectionStatus, IncidentSummary, OutboxCounts, Served};
use super::msg::{Msg, Reply};
use super::popup::Popup;
use super::state::{Level, Pane, State};
use super::test_support::*;
use super::theme::Theme;
use super::update;

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn both(name: &str, build: impl Fn((u16, u16)) -> State) {
    for size in SIZES {
        let s = build(size);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), draw(&s).backend());
    }
}

#[test]
fn main_screen() {
    both("main", |size| {
        let mut s = loaded(40, size);
        press(&mut s, [ch(' '), ch('j')]);
        s.outbox = Some(OutboxCounts {
            pending: 3,
            failed: 1,
            dead: 0,
            paused: None,
            store_version: 0,
            others: Vec::new(),
        });
        s.connection = ConnectionStatus::Ok;
        s
    });
}

#[test]
fn links_pane_focused_with_unknown_and_broken_links() {
    both("links_focused", |size| {
        let mut s = loaded(5, size);
        press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab), ch('j')]);
        assert_eq!(s.focus, Pane::Links);
        s
    });
}

#[test]
fn empty_and_loading() {
    both("loading", |size| {
        let mut s = state_with(0, size);
        s.loading = Some(s.busy_req());
        s
    });
}

#[test]
fn filter_being_typed() {
    both("filter", |size| {
        let mut s = loaded(40, size);
        press(&mut s, [ch('/'), ch('n'), ch('u'), ch('l'), ch('l')]);
        s
    });
}

#[test]
fn unreachable_instance_and_stale_list() {
    both("unreachable", |size| {
        let mut s = loaded(10, size);
        s.connection =
            ConnectionStatus::Unreachable("(connect timeout; actions are queued)".into());
        s.outbox = Some(OutboxCounts {
            pending: 12,
            failed: 0,
            dead: 0,
            paused: Some("instance unreachable".into()),
            store_version: 0,
            others: Vec::new(),
        });
        s.loaded_at = Some(ago(600));
        s.load_failed = true;
        s
    });
}

#[test]
fn help_overlay() {
    both("help", |size| {
        let mut s = loaded(10, size);
        press(&mut s, [ch('?')]);
        s
    });
}

#[test]
fn palette() {
    both("palette", |size| {
        let mut s = loaded(10, size);
        press(&mut s, [ch(':'), ch('a'), ch('r')]);
        s
    });
}

fn form(size: (u16, u16)) -> State {
    let mut s = loaded(10, size);
    let effects = press(&mut s, [ch('c'), ch('y')]);
    // Answer the category load.
    for e in effects {
        if let super::effect::Effect::LoadChoices { req, element, .. } = e {
            update(
                &mut s,
                Msg::Reply {
                    req,
                    reply: Reply::Choices {
                        element,
                        result: Ok(Served::from(vec![super::backend::ChoiceItem {
                            value: "database".into(),
                            label: "Database".into(),
                        }])),
                    },
                },
            );
        }
    }
    s
}

/// The assignee picker with 12 members, Down×8: tall enough for the list (up to the screen),
/// the selection on screen, its position in the title, `ctrl-g` in the footer.
#[test]
fn ticket_form_assignee_picker_scrolls() {
    both("ticket_form_assignee_picker", |size| {
        let mut s = form(size);
        let tabs: Vec<Msg> = (0..6).map(|_| key(KeyCode::Tab)).collect();
        press(&mut s, tabs);
        let effects = press(&mut s, [ch('D'), ch('b')]);
        let req = effects.iter().rev().find_map(|e| match e {
            super::effect::Effect::SearchGroups { req, .. } => Some(*req),
            _ => None,
        });
        let named = |i: usize, name: &str| super::backend::NamedRef {
            sys_id: format!("u{i}"),
            name: name.to_owned(),
        };
        update(
            &mut s,
            Msg::Reply {
                req: req.unwrap(),
                reply: Reply::Groups(Ok(Served::from(vec![named(0, "Database")]))),
            },
        );
        let effects = press(&mut s, [key(KeyCode::Enter), key(KeyCode::Tab)]);
        let req = effects.iter().rev().find_map(|e| match e {
            super::effect::Effect::SearchUsers { req, .. } => Some(*req),
            _ => None,
        });
        let users = [
            "Abel Tuter",
            "Beth Anglin",
            "Bud Richman",
            "Charlie Whitherspoon",
            "David Loo",
            "Don Goodliffe",
            "Fred Luddy",
            "Howard Johnson",
            "ITIL User",
            "Luke Wilson",
            "Ron Kettering",
            "System Administrator",
        ];
        update(
            &mut s,
            Msg::Reply {
                req: req.unwrap(),
                reply: Reply::Users(Ok(Served::from(
                    users
                        .iter()
                        .enumerate()
                        .map(|(i, n)| named(i, n))
                        .collect::<Vec<_>>(),
                ))),
            },
        );
        let downs: Vec<Msg> = (0..8).map(|_| key(KeyCode::Down)).collect();
        press(&mut s, downs);
        s
    });
}

#[test]
fn ticket_form() {
    both("ticket_form", form);
}

#[test]
fn ticket_form_with_validation_error_and_lookup() {
    both("ticket_form_invalid", |size| {
        let mut s = form(size);
        // Clear the short description, then try to submit.
        let mut msgs = vec![ctrl('a'), ctrl('k')];
        msgs.push(ctrl('s'));
        press(&mut s, msgs);
        // Move to the assignment group and type a name; answer the search.
        let effects = press(
            &mut s,
            [
                key(KeyCode::Tab),
                key(KeyCode::Tab),
                key(KeyCode::Tab),
                key(KeyCode::Tab),
                key(KeyCode::Tab),
                key(KeyCode::Tab),
                ch('d'),
                ch('b'),
            ],
        );
        let req = effects.iter().rev().find_map(|e| match e {
            super::effect::Effect::SearchGroups { req, .. } => Some(*req),
            _ => None,
        });
        update(
            &mut s,
            Msg::Reply {
                req: req.unwrap(),
                reply: Reply::Groups(Ok(Served::from(vec![
                    super::backend::NamedRef {
                        sys_id: "g1".into(),
                        name: "Database".into(),
                    },
                    super::backend::NamedRef {
                        sys_id: "g2".into(),
                        name: "Database Admins".into(),
                    },
                ]))),
            },
        );
        s
    });
}

#[test]
fn link_dialog() {
    both("link_dialog", |size| {
        let mut s = loaded(10, size);
        let effects = press(&mut s, [ch('l'), ch('I'), ch('N'), ch('C')]);
        let req = effects.last().and_then(|e| e.req()).unwrap();
        let inc = |n: &str, st: &str, active| IncidentSummary {
            table: "incident".into(),
            sys_id: format!("sys-{n}"),
            number: n.into(),
            short_description: "Orders load failing since 02:00 — 顧客 data missing".into(),
            state: st.into(),
            priority: "2 - High".into(),
            assignment_group: "Database".into(),
            assigned_to: "Beth Anglin".into(),
            active,
        };
        update(
            &mut s,
            Msg::Reply {
                req,
                reply: Reply::Incidents(Ok(vec![
                    inc("INC0010001", "In Progress", true),
                    inc("INC0010002", "Closed", false),
                ])),
            },
        );
        s
    });
}

#[test]
fn confirm_unlink() {
    both("confirm_unlink", |size| {
        let mut s = loaded(10, size);
        press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab), ch('u')]);
        assert!(matches!(s.popup, Some(Popup::Confirm(_))));
        s
    });
}

#[test]
fn bulk_archive_picker() {
    both("archive_bulk", |size| {
        let mut s = loaded(10, size);
        press(&mut s, [ch(' '), ch(' '), ch(' '), ch('x'), ch('j')]);
        s
    });
}

#[test]
fn comment_composer() {
    both("comment", |size| {
        let mut s = loaded(10, size);
        press(&mut s, [ch('m'), ch('o'), ch('k')]);
        s
    });
}

#[test]
fn toasts() {
    both("toasts", |size| {
        let mut s = loaded(10, size);
        s.toast(Level::Success, "created INC0010099 for A-1000");
        s.toast(
            Level::Error,
            "401 from https://acme.service-now.com: check username/password; account locked?",
        );
        s
    });
}

#[test]
fn too_small_notice() {
    let s = state_with(10, (50, 12));
    insta::assert_snapshot!("too_small_50x12", draw(&s).backend());
}

#[test]
fn wide_characters_are_cut_by_display_width() {
    let mut s = loaded(6, (80, 24));
    s.list.set_filter("顧客");
    let screen = text(&s);
    let line = screen.lines().find(|l| l.contains("A-1002")).unwrap();
    // Every screen line is exactly 80 cells wide, so nothing spilled over.
    assert_eq!(super::text::width(line), 80, "{line}");
    assert!(line.contains("顧客名が空です"), "{line}");
    assert!(line.contains('…'), "{line}");
    insta::assert_snapshot!("wide_chars_80x24", draw(&s).backend());
}

#[test]
fn no_color_uses_no_colour_at_all() {
    let mut s = loaded(20, (80, 24));
    s.theme = Theme::new(ThemeName::Dark, true);
    s.toast(Level::Error, "something failed");
    press(&mut s, [ch(' ')]);
    let b = buffer(&s);
    for cell in b.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "coloured cell {cell:?}"
        );
    }
    insta::assert_snapshot!("no_color_80x24", draw(&s).backend());
}

#[test]
fn light_theme_renders() {
    let mut s = loaded(20, (80, 24));
    s.theme = Theme::new(ThemeName::Light, false);
    insta::assert_snapshot!("light_80x24", draw(&s).backend());
}

#[test]
fn selection_marker_cells() {
    for no_color in [false, true] {
        let mut s = loaded(20, (80, 24));
        s.theme = Theme::new(ThemeName::Dark, no_color);
        press(&mut s, [ch('j')]);
        let b = buffer(&s);
        // List block starts at row 0; header is row 1; data rows from 2; cursor is on the second.
        let y = 2 + 1;
        assert_eq!(b[(1, y)].symbol(), "▌");
        assert!(!b[(1, y)].modifier.contains(Modifier::REVERSED));
        // The rest of the selected row is reversed, the rows around it are not.
        for x in 3..70 {
            assert!(b[(x, y)].modifier.contains(Modifier::REVERSED), "x={x}");
            assert!(!b[(x, y - 1)].modifier.contains(Modifier::REVERSED));
        }
        assert_eq!(b[(1, y - 1)].symbol(), " ");
        // Status is text, not only colour.
        let row: String = (0..80).map(|x| b[(x, y)].symbol().to_owned()).collect();
        assert!(row.contains("ACK") && row.contains("HIGH"), "{row}");
    }
}

/// A live update brought three new rows (one newer than all, two older) and changed one.
fn live(size: (u16, u16)) -> State {
    let mut s = loaded(12, size);
    press(&mut s, [ch('j')]);
    s.outbox = Some(OutboxCounts::default());
    s.connection = ConnectionStatus::Ok;
    let mut newest = row(30);
    newest.detected_at = Some(ago(-120));
    let mut mid = row(31);
    mid.detected_at = Some(ago(5400));
    let mut changed = row(4);
    changed.title = "Duplicate primary keys in SHIPMENTS (now 12 rows)".into();
    let since = s.req();
    s.merging = Some(since);
    update(
        &mut s,
        Msg::Reply {
            req: since,
            reply: Reply::AnomaliesSince {
                since: 0,
                result: Ok((vec![newest, mid, row(32), changed], 16)),
            },
        },
    );
    s
}

#[test]
fn live_update_marks_new_rows_and_counts_them() {
    both("live_new_rows", live);
}

#[test]
fn new_row_marker_reads_without_colour() {
    let mut s = live((80, 24));
    s.theme = Theme::new(ThemeName::Dark, true);
    s.toasts.clear();
    insta::assert_snapshot!("live_new_rows_no_color_80x24", draw(&s).backend());
    let b = buffer(&s);
    // Row 0 is the new newest row: `•` in the first cell, bold.
    let cell = &b[(1, 2)];
    assert_eq!(cell.symbol(), "•");
    assert!(cell.modifier.contains(Modifier::BOLD));
}

fn failing_source(size: (u16, u16)) -> State {
    let mut s = loaded(10, size);
    s.outbox = Some(OutboxCounts {
        pending: 2,
        ..OutboxCounts::default()
    });
    s.connection = ConnectionStatus::Ok;
    let health = |name: &str, kind: &str, error: Option<&str>| super::backend::SourceHealth {
        name: name.into(),
        kind: kind.into(),
        ok: error.is_none(),
        last_success_at: Some(ago(if error.is_some() { 5400 } else { 120 })),
        last_error: error.map(str::to_owned),
        next_poll_at: Some(ago(-240)),
        failures: if error.is_some() { 4 } else { 0 },
        capabilities: Vec::new(),
        ack_ttl_secs: None,
    };
    let sources = vec![
        health("alerts", "alertmanager", None),
        health(
            "qualytics-prod",
            "qualytics",
            Some(
                "401 from https://qualytics.example/api/anomalies: the token was refused; \
                 set a valid one with token_command under [[sources]] name = \"qualytics-prod\"",
            ),
        ),
        health("warehouse", "file", None),
    ];
    let req = s.req();
    s.polls.insert(req);
    update(
        &mut s,
        Msg::Reply {
            req,
            reply: Reply::Sources(Ok(sources)),
        },
    );
    s
}

#[test]
fn failing_source_in_the_status_bar() {
    both("source_failing", |size| {
        let mut s = failing_source(size);
        // The toast that announced it has gone; the bar and the last error keep it.
        s.toasts.clear();
        s
    });
}

#[test]
fn sources_popup_shows_the_full_cause_and_fix() {
    both("sources_popup", |size| {
        let mut s = failing_source(size);
        s.toasts.clear();
        press(&mut s, [ch('S')]);
        s
    });
}

/// An Alertmanager anomaly just acknowledged: the detail says what its source takes back, the
/// toast that the ack became a silence.
#[test]
fn alertmanager_ack_says_it_silenced_and_what_stays_local() {
    both("writeback_alertmanager_ack", |size| {
        let sources = vec![
            source_health("alerts", "alertmanager"),
            source_health("wh", "file"),
        ];
        let mut s = loaded_from("alerts", 5, sources, size);
        s.connection = ConnectionStatus::Ok;
        let req = s.busy_req();
        let ids = vec![s.list.selected().unwrap().key.clone()];
        // The detail reloads after the write (answered as from the store).
        let effects = update(
            &mut s,
            Msg::Reply {
                req,
                reply: Reply::StatusSet {
                    ids,
                    status: crate::domain::Status::Acknowledged,
                    result: Ok(1),
                },
            },
        );
        answer_detail(&mut s, &effects);
        s
    });
}

/// A file-source anomaly commented: kept local, and both the detail and the toast say so.
#[test]
fn file_source_comment_says_kept_local() {
    both("writeback_file_comment", |size| {
        let mut s = loaded_from("wh", 5, vec![source_health("wh", "file")], size);
        s.connection = ConnectionStatus::Ok;
        let req = s.busy_req();
        let anomaly = s.list.selected().unwrap().key.clone();
        update(
            &mut s,
            Msg::Reply {
                req,
                reply: Reply::Commented {
                    anomaly,
                    result: Ok(()),
                },
            },
        );
        s
    });
}

/// Issue 10 point 10: the description and comments keep their line breaks (blank lines too),
/// times show how long ago they were, and each link names its instance.
#[test]
fn detail_keeps_description_lines_and_links_name_their_instance() {
    let mut s = loaded(3, (120, 40));
    let d = s.detail.as_mut().unwrap().data.as_mut().unwrap();
    d.anomaly.description =
        Some("Nightly load failed.\r\n\r\nSteps:\n1. rerun the job\n2. check nulls".into());
    d.comments[0].text = "first line\nsecond line".into();
    d.links[1].incident.instance = "prod-eu".into();
    insta::assert_snapshot!("detail_multiline_120x40", draw(&s).backend());
}

/// The three sizes the dashboard is tried at (issue 10: 120×40, 80×24, 60×15).
const ALL_SIZES: [(u16, u16); 3] = [(120, 40), (80, 24), (60, 15)];

fn all_sizes(name: &str, build: impl Fn((u16, u16)) -> State) {
    for size in ALL_SIZES {
        let s = build(size);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), draw(&s).backend());
    }
}

#[test]
fn columns_give_the_title_the_free_width_at_every_size() {
    all_sizes("columns", |size| loaded(12, size));
}

#[test]
fn configured_columns_are_drawn_in_their_order() {
    use crate::config::ListColumn as C;
    both("columns_configured", |size| {
        let mut s = loaded(6, size);
        s.columns = vec![C::Id, C::Severity, C::Source, C::Title, C::Links];
        s
    });
}

/// ServiceNow unreachable: the category choices are the last good read, two hours old; the
/// picker and the form's line say so, and that the incident will be queued.
#[test]
fn ticket_form_with_cached_choices() {
    both("ticket_form_cached_choices", |size| {
        let mut s = loaded(10, size);
        let effects = press(&mut s, [ch('c'), ch('y')]);
        for e in effects {
            if let super::effect::Effect::LoadChoices { req, element, .. } = e {
                update(
                    &mut s,
                    Msg::Reply {
                        req,
                        reply: Reply::Choices {
                            element,
                            result: Ok(Served {
                                items: vec![super::backend::ChoiceItem {
                                    value: "database".into(),
                                    label: "Database".into(),
                                }],
                                cached: Some(super::backend::CacheNote {
                                    read_at: ago(2 * 3600),
                                    why: "ServiceNow unreachable".into(),
                                }),
                            }),
                        },
                    },
                );
            }
        }
        s
    });
}

#[test]
fn field_filter_hide_toggle_and_reversed_sort_show_in_the_title() {
    all_sizes("filter_hide_sort", |size| {
        let mut s = loaded(40, size);
        press(&mut s, [ch('h'), ch('R'), ch('/')]);
        type_text(&mut s, "sev:crit null");
        press(&mut s, [key(KeyCode::Enter)]);
        s
    });
}

#[test]
fn filter_matches_are_highlighted_in_the_id_and_title() {
    let mut s = loaded(10, (80, 24));
    s.list.set_filter("null a-1006");
    let buf = buffer(&s);
    let t = text(&s);
    let line = t.lines().position(|l| l.contains("A-1006")).unwrap();
    let row: String = t.lines().nth(line).unwrap().to_owned();
    let col = |needle: &str| {
        row.chars()
            .take(row.find(needle).map_or(0, |b| row[..b].chars().count()))
            .count()
    };
    let styled = |x: usize| buf[(x as u16, line as u16)].modifier;
    let (null_at, id_at) = (col("Null"), col("A-1006"));
    for x in null_at..null_at + 4 {
        assert!(
            styled(x).contains(Modifier::UNDERLINED),
            "cell {x} of {row:?}"
        );
    }
    for x in id_at..id_at + 6 {
        assert!(
            styled(x).contains(Modifier::UNDERLINED),
            "cell {x} of {row:?}"
        );
    }
    // The rest of the title is not.
    assert!(!styled(null_at + 5).contains(Modifier::UNDERLINED));
}

#[test]
fn enter_opens_the_detail_full_size() {
    all_sizes("detail_opened", |size| {
        let mut s = loaded(5, size);
        press(&mut s, [ch('j'), key(KeyCode::Enter)]);
        assert!(s.zoomed);
        s
    });
}

#[test]
fn help_search_keeps_the_matching_lines() {
    both("help_search", |size| {
        let mut s = loaded(5, size);
        press(&mut s, [ch('?')]);
        type_text(&mut s, "sort");
        s
    });
}

/// A create queued while ServiceNow is unreachable shows above the links, with its outbox id,
/// why it waits and since when.
#[test]
fn links_pane_with_a_pending_create() {
    both("links_pending_create", |size| {
        let mut s = loaded(5, size);
        if let Some(d) = s.detail.as_mut().and_then(|d| d.data.as_mut()) {
            d.links.truncate(1);
            d.pending_creates.push(super::backend::PendingCreate {
                instance: "default".into(),
                id: 12,
                state: "pending".into(),
                last_error: Some("ServiceNow unreachable: connection refused".into()),
                queued_at: ago(120),
            });
        }
        press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
        assert_eq!(s.focus, Pane::Links);
        s
    });
}

/// An anomaly sent to Event Management shows the alert it became (longer number, no priority).
#[test]
fn links_pane_shows_an_event_alert() {
    both("links_event_alert", |size| {
        let mut s = loaded(5, size);
        if let Some(d) = s.detail.as_mut().and_then(|d| d.data.as_mut()) {
            let l = &mut d.links[0];
            l.incident.table = "em_alert".into();
            l.incident.number = "Alert0010001".into();
            l.last.state = Some("Open".into());
            l.last.priority = None;
            l.last.assignment_group = None;
            l.last.assigned_to = None;
            l.linked_by = "rule:dq-to-em".into();
        }
        press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
        s
    });
}

/// An incident a rule created is marked with the rule's name in the links pane.
#[test]
fn links_made_by_a_rule_name_the_rule() {
    all_sizes("links_rule_made", |size| {
        let mut s = loaded(5, size);
        if let Some(d) = s.detail.as_mut().and_then(|d| d.data.as_mut()) {
            d.links[0].linked_by = "rule:warehouse-nulls".into();
        }
        press(&mut s, [key(KeyCode::Tab), key(KeyCode::Tab)]);
        s
    });
}

fn rule_summaries() -> Vec<super::backend::RuleSummary> {
    vec![
        super::backend::RuleSummary {
            name: "warehouse-nulls".into(),
            action: "create".into(),
            instance: "default".into(),
            created: 10,
            flood_limit: 10,
            linked: 37,
            merged: 120,
            suppressed: 489,
            delayed: 2,
        },
        super::backend::RuleSummary {
            name: "alerts-to-open".into(),
            action: "link".into(),
            instance: "prod".into(),
            created: 0,
            flood_limit: 10,
            linked: 4,
            merged: 0,
            suppressed: 0,
            delayed: 0,
        },
    ]
}

/// `A` (or `:rules`): each rule and its counts in the current intervals.
#[test]
fn rules_popup_shows_each_rule_and_its_counts() {
    both("rules_popup", |size| {
        let mut s = loaded(5, size);
        let effects = press(&mut s, [ch('A')]);
        let req = effects
            .iter()
            .find_map(|e| match e {
                super::effect::Effect::LoadRules { req } => Some(*req),
                _ => None,
            })
            .unwrap();
        update(
            &mut s,
            Msg::Reply {
                req,
                reply: Reply::Rules(Ok(rule_summaries())),
            },
        );
        s
    });
}
