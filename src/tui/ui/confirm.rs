//! A yes/no question (unlink, bulk actions).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::popup::Confirm;
use super::super::state::State;
use super::super::text::width;
use super::widgets::{centered, hint, popup_block};

/// "Discard your edits?" over a form or the comment box: `d` discards, `k` (or `esc`) keeps
/// editing.
pub fn discard(state: &State, f: &mut Frame, screen: Rect, what: &str) {
    let t = &state.theme;
    let question = format!("Discard the changes to this {what}?");
    let area = centered(screen, 44, 5);
    f.render_widget(Clear, area);
    let mut hints = hint("d".to_owned(), "discard", t);
    hints.extend(hint("k".to_owned(), "keep editing", t));
    f.render_widget(
        Paragraph::new(vec![Line::raw(question), Line::raw(""), Line::from(hints)])
            .block(popup_block(" Unsaved changes ", t))
            .wrap(Wrap { trim: false })
            .style(t.text),
        area,
    );
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, c: &Confirm) {
    let t = &state.theme;
    let w = u16::try_from(width(&c.question) + 4)
        .unwrap_or(u16::MAX)
        .clamp(30, 64);
    let inner = usize::from(w - 2);
    let rows = width(&c.question).div_ceil(inner).max(1);
    let h = u16::try_from(rows + 4).unwrap_or(8);
    let area = centered(screen, w, h);
    f.render_widget(Clear, area);
    let mut hints = hint("y".to_owned(), "yes", t);
    hints.extend(hint("n".to_owned(), "no", t));
    let lines = vec![
        Line::raw(c.question.clone()),
        Line::raw(""),
        Line::from(hints),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .block(popup_block(" Confirm ", t))
            .wrap(Wrap { trim: false })
            .style(t.text),
        area,
    );
}
