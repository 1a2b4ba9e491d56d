//! The archive reason picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::domain::ArchiveReason;

use super::super::popup::ArchivePicker;
use super::super::state::State;
use super::widgets::{centered, popup_block};

pub fn render(state: &State, f: &mut Frame, screen: Rect, a: &ArchivePicker) {
    let t = &state.theme;
    let title = match a.targets.as_slice() {
        [one] => format!(" Archive {} as ", one.id),
        many => format!(" Archive {} marked as ", many.len()),
    };
    let area = centered(screen, 44, 8);
    f.render_widget(Clear, area);
    let mut lines: Vec<Line> = ArchiveReason::ALL
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let sel = i == a.selected;
            Line::from(vec![
                Span::styled(
                    if sel { "▌" } else { " " },
                    t.border_focused.remove_modifier(Modifier::REVERSED),
                ),
                Span::raw(format!("{} {r}", i + 1)),
            ])
            .style(if sel { t.selected } else { t.text })
        })
        .collect();
    lines.push(Line::styled(
        "enter archives · 1-4 pick · esc cancels",
        t.dim,
    ));
    f.render_widget(
        Paragraph::new(lines)
            .block(popup_block(title, t))
            .style(t.text),
        area,
    );
}
