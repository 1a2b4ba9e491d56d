//! Link an existing incident, problem or change request: search as you type (number or text, in
//! the three tables), Enter links.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::popup::LinkDialog;
use super::super::state::State;
use super::super::text::pad;
use super::widgets::popup_block;

pub fn render(state: &State, f: &mut Frame, screen: Rect, d: &LinkDialog) {
    let t = &state.theme;
    let w = screen.width.saturating_sub(4).min(100);
    let h = screen.height.saturating_sub(4).min(20);
    let area = Rect::new(
        screen.x + (screen.width - w) / 2,
        screen.y + (screen.height.saturating_sub(h)) / 2,
        w,
        h,
    );
    f.render_widget(Clear, area);
    let title = match d.targets.as_slice() {
        [one] => format!(" Link an incident to {} ", one.id),
        many => format!(" Link an incident to {} marked anomalies ", many.len()),
    };
    let inner_w = usize::from(w.saturating_sub(2));
    let mut lines = vec![
        Line::from(vec![
            Span::styled("search: ", t.dim),
            Span::raw(d.query.split().0.to_owned()),
            Span::styled("█", t.accent()),
            Span::raw(d.query.split().1.to_owned()),
            Span::styled(
                if d.req.is_some() {
                    "  searching…"
                } else {
                    ""
                },
                t.dim,
            ),
        ]),
        Line::styled(
            "⚠ Linking appends the anomaly block to the incident's description and adds a work note.",
            t.warn,
        ),
        Line::raw(""),
    ];
    if let Some(e) = &d.error {
        lines.push(Line::styled(format!("✗ {e}"), t.error));
    }
    if d.results.is_empty() {
        let msg = if d.query.text().trim().is_empty() {
            "type a number (INC…, PRB…, CHG…) or words from the short description"
        } else if d.req.is_some() {
            ""
        } else {
            "no match; enter links the number as typed"
        };
        lines.push(Line::styled(msg, t.dim));
    } else {
        lines.push(Line::styled(
            format!(
                "  {} {} {} {}",
                pad("NUMBER", 11),
                pad("STATE", 12),
                pad("PRIORITY", 13),
                "SHORT DESCRIPTION"
            ),
            t.dim.add_modifier(Modifier::BOLD),
        ));
    }
    let room = usize::from(h.saturating_sub(2)).saturating_sub(lines.len() + 1);
    let first = d.selected.saturating_sub(room.saturating_sub(1));
    for (i, r) in d.results.iter().enumerate().skip(first).take(room) {
        let sel = i == d.selected;
        let state_txt = r.state.clone();
        let desc_w = inner_w.saturating_sub(2 + 12 + 13 + 14);
        lines.push(
            Line::from(vec![
                Span::styled(
                    if sel { "▌" } else { " " },
                    t.border_focused.remove_modifier(Modifier::REVERSED),
                ),
                Span::raw(" "),
                Span::raw(pad(&r.number, 11)),
                Span::raw(" "),
                Span::raw(pad(&state_txt, 12)),
                Span::raw(" "),
                Span::raw(pad(&r.priority, 13)),
                Span::raw(" "),
                Span::raw(pad(&r.short_description, desc_w)),
            ])
            .style(if sel { t.selected } else { t.text }),
        );
    }
    let mut body = Paragraph::new(lines)
        .block(popup_block(title, t))
        .style(t.text);
    body = body.wrap(Wrap { trim: false });
    f.render_widget(body, area);
    let hints = Line::from(vec![Span::styled(
        " ↑↓ choose · enter links · esc cancels ",
        t.dim,
    )]);
    let foot = Rect::new(
        area.x + 2,
        area.y + area.height - 1,
        area.width.saturating_sub(4),
        1,
    );
    f.render_widget(Paragraph::new(hints), foot);
}
