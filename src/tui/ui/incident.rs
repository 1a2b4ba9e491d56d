//! The incident view: one incident's fields and its journal, newest first, snowlink's own notes
//! marked, and when it was read. Drawn over the panes (the status bar stays).
//!
//! ```text
//! ┏▶INC0010001 · read just now · j/k scroll · r re-read · esc back ━━━━━━━━━━━━━━━┓
//! ┃Disk full on db01                                                              ┃
//! ┃State: In Progress   Priority: 2 - High   Instance: default (incident)         ┃
//! ┃Group: Database   Assignee: Beth Anglin   Caller: System Administrator         ┃
//! ┃Opened: 2026-11-23 10:00:00   Updated: 2026-11-23 10:31:00                     ┃
//! ┃                                                                               ┃
//! ┃Journal · newest first · 3 entries                                             ┃
//! ┃2026-11-23 10:31:00 · Beth Anglin · comment                                    ┃
//! ┃  we see it in the report too                                                  ┃
//! ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use crate::domain::table_label;

use super::super::backend::IncidentActivity;
use super::super::state::{IncidentView, State};
use super::super::text::ago;
use super::widgets::{pane_block, spinner};

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "-".to_owned()
    } else {
        s.to_owned()
    }
}

fn pair<'a>(name: &'a str, value: &str, state: &State) -> Vec<Span<'a>> {
    vec![
        Span::styled(format!("{name}: "), state.theme.dim),
        Span::raw(or_dash(value)),
        Span::raw("   "),
    ]
}

fn record_lines(d: &IncidentActivity, instance: &str, state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = vec![
        Line::styled(
            or_dash(&d.short_description),
            t.text.add_modifier(Modifier::BOLD),
        ),
        Line::from(
            [
                pair("State", &d.state, state),
                pair("Priority", &d.priority, state),
                // With several instances a number alone is ambiguous.
                pair("Instance", &format!("{instance} ({})", d.table), state),
            ]
            .concat(),
        ),
        Line::from({
            let mut spans = [
                pair("Group", &d.assignment_group, state),
                pair("Assignee", &d.assigned_to, state),
            ]
            .concat();
            // Only incidents have a caller.
            if d.table == "incident" {
                spans.extend(pair("Caller", &d.caller, state));
            }
            spans
        }),
        Line::from(
            [
                pair("Opened", &d.opened_at, state),
                pair("Updated", &d.updated_at, state),
            ]
            .concat(),
        ),
        Line::raw(""),
    ];
    let from = match d.journal_source {
        "sys_journal_field" => "journal table",
        _ => "display values",
    };
    let more = if d.journal_truncated {
        " · older entries not shown"
    } else {
        ""
    };
    out.push(Line::styled(
        format!(
            "Journal · newest first · {} {} ({from}){more}",
            d.journal.len(),
            if d.journal.len() == 1 {
                "entry"
            } else {
                "entries"
            }
        ),
        t.title,
    ));
    if d.journal.is_empty() {
        out.push(Line::styled("no work notes or comments yet", t.dim));
    }
    for e in &d.journal {
        let kind = if e.kind == "work_note" {
            "work note"
        } else {
            "comment"
        };
        let mut head = vec![
            Span::styled(e.created_on.clone(), t.dim),
            Span::raw(" · "),
            Span::styled(e.author.clone(), t.text.add_modifier(Modifier::BOLD)),
            Span::raw(format!(" · {kind}")),
        ];
        // A word, not a colour: the mark must survive NO_COLOR.
        if e.snowlink {
            head.push(Span::styled(" (snowlink)", t.dim));
        }
        out.push(Line::from(head));
        for l in e.text.lines() {
            out.push(Line::raw(format!("  {l}")));
        }
        if e.text.is_empty() {
            out.push(Line::raw("  "));
        }
    }
    out
}

fn title(view: &IncidentView, state: &State) -> Line<'static> {
    let read = match (view.read_at, view.req.is_some()) {
        (_, true) if view.data.is_none() => "reading…".to_owned(),
        (Some(t), true) => format!("read {}, re-reading…", ago(t, state.now)),
        (Some(t), false) => match view.checked_at {
            Some(c) => format!(
                "read {}, unchanged since (checked {})",
                ago(t, state.now),
                ago(c, state.now)
            ),
            None => format!("read {}", ago(t, state.now)),
        },
        (None, false) => "not read".to_owned(),
        (None, true) => "reading…".to_owned(),
    };
    let spin = spinner(state).map(|s| format!(" {s}")).unwrap_or_default();
    Line::from(vec![
        Span::styled(
            match view.incident.table.as_str() {
                "incident" => format!(" {} ", view.incident.number),
                other => format!(" {} {} ", table_label(other), view.incident.number),
            },
            state.theme.title.add_modifier(Modifier::BOLD),
        ),
        Span::styled(format!("· {read}{spin} "), state.theme.dim),
        Span::styled("· j/k scroll · r re-read · esc back ", state.theme.dim),
    ])
}

pub fn render(state: &State, f: &mut Frame, area: Rect, view: &IncidentView) {
    let t = &state.theme;
    let mut body = Vec::new();
    if let Some(e) = &view.error {
        body.push(Line::styled(format!("✗ last read failed: {e}"), t.error));
        body.push(Line::raw(""));
    }
    match &view.data {
        Some(d) => body.extend(record_lines(d, &view.incident.instance, state)),
        None if view.error.is_none() => {
            body.push(Line::styled(
                format!("reading {} from ServiceNow…", view.incident.number),
                t.dim,
            ));
        }
        None => {}
    }
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(body)
            .block(pane_block(title(view, state), true, t))
            .wrap(Wrap { trim: false })
            .scroll((view.scroll, 0))
            .style(t.text),
        area,
    );
}
