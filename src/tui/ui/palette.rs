//! The `:` command palette: fuzzy filter over the actions, each shown with its keys.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::super::palette::matches;
use super::super::popup::Palette;
use super::super::state::State;
use super::super::text::pad;
use super::widgets::popup_block;

pub fn render(state: &State, f: &mut Frame, screen: Rect, p: &Palette) {
    let t = &state.theme;
    let found = matches(&state.keymap, p.query.text());
    let w = screen.width.saturating_sub(4).min(70);
    let rows = found
        .len()
        .min(usize::from(screen.height.saturating_sub(6)).max(1));
    let h = u16::try_from(rows + 4)
        .unwrap_or(screen.height)
        .min(screen.height);
    let area = Rect::new(screen.x + (screen.width - w) / 2, screen.y + 1, w, h);
    f.render_widget(Clear, area);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(":", t.key),
            Span::raw(p.query.split().0.to_owned()),
            Span::styled("█", t.accent()),
            Span::raw(p.query.split().1.to_owned()),
        ]),
        Line::styled("─".repeat(usize::from(w.saturating_sub(2))), t.border),
    ];
    if found.is_empty() {
        lines.push(Line::styled("no matching command", t.dim));
    }
    let first = p.selected.saturating_sub(rows.saturating_sub(1));
    for (i, a) in found.iter().enumerate().skip(first).take(rows) {
        let sel = i == p.selected;
        let style = if sel { t.selected } else { t.text };
        lines.push(
            Line::from(vec![
                Span::styled(
                    if sel { "▌" } else { " " },
                    t.border_focused.remove_modifier(Modifier::REVERSED),
                ),
                Span::raw(pad(a.name(), 15)),
                Span::raw(pad(a.describe(), 32)),
                Span::styled(state.keymap.keys_label(*a), t.key),
            ])
            .style(style),
        );
    }
    f.render_widget(
        Paragraph::new(lines)
            .block(popup_block(" Command · enter runs · esc closes ", t))
            .style(t.text),
        area,
    );
}
