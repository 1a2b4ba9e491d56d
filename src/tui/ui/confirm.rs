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

/// At most this many anomalies are listed under a question; the rest are counted.
const MAX_ITEMS: usize = 8;

/// The listed items: all when they fit in `room` rows, else as many as fit and "… and N more".
fn item_lines(items: &[String], room: usize) -> Vec<String> {
    let room = room.clamp(1, MAX_ITEMS);
    if items.len() <= room {
        return items.iter().map(|i| format!("  • {i}")).collect();
    }
    let shown = room - 1;
    let mut out: Vec<String> = items[..shown].iter().map(|i| format!("  • {i}")).collect();
    out.push(format!("  … and {} more", items.len() - shown));
    out
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, c: &Confirm) {
    let t = &state.theme;
    let widest_item = c.items.iter().map(|i| width(i) + 6).max().unwrap_or(0);
    let w = u16::try_from((width(&c.question) + 4).max(widest_item))
        .unwrap_or(u16::MAX)
        .clamp(30, 64)
        .min(screen.width);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let rows = width(&c.question).div_ceil(inner).max(1);
    // Question, a blank line, the items, a blank line, the hints, the borders.
    let room = usize::from(screen.height).saturating_sub(rows + 6).max(1);
    let items = item_lines(&c.items, room);
    let extra = if items.is_empty() { 0 } else { items.len() + 1 };
    let h = u16::try_from(rows + 4 + extra).unwrap_or(8);
    let area = centered(screen, w, h);
    f.render_widget(Clear, area);
    let mut hints = hint("y".to_owned(), "yes", t);
    hints.extend(hint("n".to_owned(), "no", t));
    let mut lines = vec![Line::raw(c.question.clone())];
    if !items.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(items.into_iter().map(|i| Line::styled(i, t.text)));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(hints));
    f.render_widget(
        Paragraph::new(lines)
            .block(popup_block(" Confirm ", t))
            .wrap(Wrap { trim: false })
            .style(t.text),
        area,
    );
}
