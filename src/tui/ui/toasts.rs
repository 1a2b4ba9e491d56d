//! Toasts: short messages stacked at the bottom right, above the status bar. The level is a
//! symbol as well as a colour.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::state::{Level, State};
use super::super::text::width;
use super::widgets::{popup_block, wrapped_rows};

pub fn render(state: &State, f: &mut Frame, screen: Rect) {
    if state.toasts.is_empty() {
        return;
    }
    let t = &state.theme;
    let max_w = usize::from(screen.width.saturating_sub(4)).min(70);
    let lines: Vec<Line> = state
        .toasts
        .iter()
        .map(|toast| {
            let (sym, style) = match toast.level {
                Level::Info => ("i ", t.text),
                Level::Success => ("✓ ", t.ok),
                Level::Error => ("✗ ", t.error),
            };
            Line::from(vec![
                Span::styled(sym, style),
                Span::styled(toast.text.clone(), style),
            ])
        })
        .collect();
    let inner_w = lines
        .iter()
        .map(|l| l.spans.iter().map(|s| width(&s.content)).sum::<usize>())
        .max()
        .unwrap_or(0)
        .min(max_w.saturating_sub(2))
        .max(10);
    // Each toast may wrap; count the rows it needs.
    // Counted as `Paragraph` wraps them (at words), so a long error is never cut at the bottom.
    let rows: usize = lines.iter().map(|l| wrapped_rows(l, inner_w)).sum();
    let w = u16::try_from(inner_w + 2).unwrap_or(screen.width);
    let h = u16::try_from(rows + 2)
        .unwrap_or(screen.height)
        .min(screen.height.saturating_sub(2));
    let area = Rect::new(
        screen.x + screen.width.saturating_sub(w + 1),
        screen.y + screen.height.saturating_sub(h + 1),
        w.min(screen.width),
        h,
    );
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(lines)
            .block(popup_block(" messages ", t))
            .wrap(Wrap { trim: false })
            .style(t.text),
        area,
    );
}
