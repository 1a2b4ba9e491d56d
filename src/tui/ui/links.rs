//! Linked incidents of the selected anomaly, two lines each:
//!
//! ```text
//! ▌INC0010001  In Progress  2 - High
//!    prod · Database · Ann Admin · updated 5m ago
//! ▌PRB0040001  Assess  3 - Moderate
//!    prod · Problem · Database · Ann Admin · updated 5m ago
//! ```
//! A link that could not be read says "unknown" and why; a broken one (404) says so in text.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::domain::{ALERT_TABLE, Link, table_label};

use super::super::backend::PendingCreate;

use super::super::state::{Pane, State};
use super::super::text::{FRESH_SECS, ago, fit};
use super::widgets::pane_block;

/// `linked_by` of a link a rule made: `rule:<name>`.
pub const RULE_LINKER: &str = "rule:";

/// `Problem · ` / `Change Request · ` for a link to another table than incident (the number's
/// prefix says it too, but an instance may renumber); nothing for an incident, nor for an
/// Event Management alert (its number, `Alert…`, says it).
fn table_part(l: &Link) -> String {
    match l.incident.table.as_str() {
        "incident" | ALERT_TABLE => String::new(),
        other => format!("{} · ", table_label(other)),
    }
}

fn link_lines(l: &Link, selected: bool, state: &State, width: usize) -> [Line<'static>; 2] {
    let t = &state.theme;
    let marker = Span::styled(
        if selected { "▌" } else { " " },
        t.border_focused.remove_modifier(Modifier::REVERSED),
    );
    let row = if selected { t.selected } else { t.text };
    // Alert numbers (`Alert0010001`) are longer than incident numbers: keep a space after them.
    let number = Span::styled(
        format!("{:<11}", format!("{} ", l.incident.number)),
        row.add_modifier(Modifier::BOLD),
    );
    let is_alert = l.incident.table == ALERT_TABLE;
    // A link a rule made (docs/rules.md) says which, so automatic tickets are told apart.
    // It never takes the state's first ten cells: in a narrow pane the rule's name is cut first.
    let auto_room = width.saturating_sub(1 + 11 + 10).max(2);
    let auto = l.linked_by.strip_prefix(RULE_LINKER).map(|rule| {
        Span::styled(
            fit(&format!(" ⚙ rule {rule}"), auto_room).into_owned(),
            t.accent(),
        )
    });
    let mut first = if l.broken {
        Line::from(vec![
            marker,
            number,
            Span::styled(
                fit(
                    &format!(
                        "✗ BROKEN: {}",
                        l.read_error
                            .as_deref()
                            .unwrap_or("not found (deleted or hidden)")
                    ),
                    width.saturating_sub(12),
                )
                .into_owned(),
                t.error,
            ),
        ])
    } else if l.read_at.is_none() || (l.last.state.is_none() && l.read_error.is_some()) {
        let why = l.read_error.as_deref().unwrap_or("not read yet");
        Line::from(vec![
            marker,
            number,
            Span::styled(
                fit(&format!("? unknown: {why}"), width.saturating_sub(12)).into_owned(),
                t.warn,
            ),
        ])
    } else {
        let state_txt = l.last.state.clone().unwrap_or_else(|| "-".to_owned());
        // An alert (its number says so) has no priority: no bare "-" after its state.
        let prio = match (&l.last.priority, is_alert) {
            (Some(p), _) => p.clone(),
            (None, true) => String::new(),
            (None, false) => "-".to_owned(),
        };
        Line::from(vec![
            marker,
            number,
            Span::styled(
                fit(&format!("{state_txt}  {prio}"), width.saturating_sub(12)).into_owned(),
                row,
            ),
        ])
    };
    if let Some(auto) = auto {
        // Shown first of all when the line is short: the state text gives way.
        let used: usize = first
            .spans
            .iter()
            .map(|s| super::super::text::width(&s.content))
            .sum();
        let room = width.saturating_sub(super::super::text::width(&auto.content));
        if used > room
            && let Some(last) = first.spans.last_mut()
        {
            let keep = super::super::text::width(&last.content).saturating_sub(used - room);
            last.content = fit(&last.content, keep).into_owned().into();
        }
        first.spans.push(auto);
    }
    let group = l.last.assignment_group.as_deref().unwrap_or("no group");
    let who = l.last.assigned_to.as_deref().unwrap_or("unassigned");
    let (age, stale) = match l.read_at {
        Some(at) => (
            format!("updated {}", ago(at, state.now)),
            state.now.as_second() - at.as_second() >= FRESH_SECS,
        ),
        None => ("never read".to_owned(), true),
    };
    let room = width.saturating_sub(3 + 3 + super::super::text::width(&age));
    let mut second = vec![
        Span::raw("   "),
        // The instance first: with several profiles, a number alone is ambiguous.
        Span::styled(
            fit(
                &format!("{} · {}{group} · {who}", l.incident.instance, table_part(l)),
                room,
            )
            .into_owned(),
            t.dim,
        ),
        Span::styled(" · ", t.dim),
        Span::styled(age, if stale { t.warn } else { t.dim }),
    ];
    if l.read_error.is_some() && l.read_at.is_some() && !l.broken {
        second.push(Span::styled(" (last read failed)", t.warn));
    }
    [first, Line::from(second)]
}

/// A create still in the outbox, two lines like a link: what it is and why it waits.
///
/// ```text
///  ⧗ pending create (queued #12)
///    default · ServiceNow unreachable: connection refused · queued 2m ago
/// ```
fn pending_lines(p: &PendingCreate, state: &State, width: usize) -> [Line<'static>; 2] {
    let t = &state.theme;
    let (what, style) = match p.state.as_str() {
        "failed" | "dead" => (format!("✗ create {} (#{})", p.state, p.id), t.error),
        "paused" => (
            format!("⧗ pending create, paused (queued #{})", p.id),
            t.warn,
        ),
        _ => (format!("⧗ pending create (queued #{})", p.id), t.warn),
    };
    let first = Line::from(vec![
        Span::raw(" "),
        Span::styled(fit(&what, width.saturating_sub(1)).into_owned(), style),
    ]);
    let age = format!("queued {}", ago(p.queued_at, state.now));
    let why = p
        .last_error
        .as_deref()
        .unwrap_or("waiting for the sync worker");
    let room = width.saturating_sub(3 + 3 + super::super::text::width(&age));
    let second = Line::from(vec![
        Span::raw("   "),
        Span::styled(
            fit(&format!("{} · {why}", p.instance), room).into_owned(),
            t.dim,
        ),
        Span::styled(" · ", t.dim),
        Span::styled(age, t.dim),
    ]);
    [first, second]
}

pub fn render(state: &State, f: &mut Frame, area: Rect) {
    let t = &state.theme;
    let links = state.links();
    let pending = state.pending_creates();
    let count = if pending.is_empty() {
        format!("Links ({})", links.len())
    } else {
        format!("Links ({} + {} pending)", links.len(), pending.len())
    };
    let title = Line::from(vec![Span::styled(count, t.title), Span::raw(" ")]);
    let block = pane_block(title, state.focus == Pane::Links, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = usize::from(inner.width);
    let height = usize::from(inner.height);
    if links.is_empty() && pending.is_empty() {
        let msg = match state.detail.as_ref() {
            Some(d) if d.data.is_none() => "loading…".to_owned(),
            Some(_) => format!(
                "no incident linked ({} creates, {} links)",
                state
                    .keymap
                    .first_key(super::super::action::Action::CreateTicket),
                state.keymap.first_key(super::super::action::Action::Link)
            ),
            None => String::new(),
        };
        f.render_widget(Paragraph::new(Line::styled(msg, t.dim)), inner);
        return;
    }
    // Two lines per link; scroll so the selected one is visible.
    let per_page = (height / 2).max(1);
    // Pending creates come first: they are what the user just did, and they are not selectable
    // (nothing to unlink or open yet).
    let mut lines: Vec<Line> = pending
        .iter()
        .flat_map(|p| pending_lines(p, state, width))
        .collect();
    let per_page = per_page.saturating_sub(pending.len()).max(1);
    let first = state.link_cursor.saturating_sub(per_page - 1);
    lines.extend(
        links
            .iter()
            .enumerate()
            .skip(first)
            .take(per_page)
            .flat_map(|(i, l)| link_lines(l, i == state.link_cursor, state, width)),
    );
    f.render_widget(Paragraph::new(lines).style(t.text), inner);
}
