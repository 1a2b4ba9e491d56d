//! Shown instead of everything when the terminal is below the minimum size.

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::super::action::Action;
use super::super::state::{MIN_HEIGHT, MIN_WIDTH, State};

pub fn render(state: &State, f: &mut Frame) {
    let area = f.area();
    let (w, h) = state.size;
    let lines = vec![
        Line::from(format!("snowlink needs more room ({w}x{h})")),
        Line::from(format!(
            "at least {MIN_WIDTH}x{MIN_HEIGHT}; 80x24 or more is best"
        )),
        Line::from(format!("{} quits", state.keymap.first_key(Action::Quit))),
    ];
    let top = area.height.saturating_sub(3) / 2;
    let mut inner = area;
    inner.y += top;
    inner.height = inner.height.saturating_sub(top);
    f.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .style(state.theme.text),
        inner,
    );
}
