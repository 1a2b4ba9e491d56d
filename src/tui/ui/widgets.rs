//! Small drawing helpers shared by panes and popups.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

use super::super::state::State;
use super::super::theme::Theme;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// The spinner glyph while anything the user waits for is in flight, else nothing.
pub fn spinner(state: &State) -> Option<&'static str> {
    (!state.busy.is_empty()).then(|| SPINNER[state.spinner % SPINNER.len()])
}

/// A pane's frame. The focused pane has a thick, accented border and a `▶` before its title,
/// so focus shows without colour.
pub fn pane_block<'a>(title: Line<'a>, focused: bool, theme: &Theme) -> Block<'a> {
    let mut title = title;
    if focused {
        title
            .spans
            .insert(0, Span::styled("▶", theme.border_focused));
    }
    Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(title)
}

pub fn popup_block<'a>(title: impl Into<Line<'a>>, theme: &Theme) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focused)
        .title(title.into().style(theme.title))
}

/// A `w`×`h` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `text` as a key hint: `[ctrl-s] submit`.
pub fn hint<'a>(key: String, what: &'a str, theme: &Theme) -> Vec<Span<'a>> {
    vec![
        Span::styled(format!("[{key}]"), theme.key),
        Span::styled(format!(" {what}  "), Style::new()),
    ]
}

/// How many rows `line` takes when wrapped at word boundaries into `width` cells (what
/// `Paragraph` with `Wrap` draws, closely enough to size a popup: a word longer than the width is
/// broken across rows).
pub fn wrapped_rows(line: &Line<'_>, width: usize) -> usize {
    let width = width.max(1);
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let w = super::super::text::width(word);
        let bare = super::super::text::width(word.trim_end());
        if used + bare > width && used > 0 {
            rows += 1;
            used = 0;
        }
        if w > width {
            // A long word fills whole rows.
            rows += (used + w - 1) / width;
            used = (used + w) % width;
        } else {
            used += w;
        }
    }
    rows
}

/// A row of names with the chosen one marked (`▸`) and bold: the instance and table choices.
pub fn one_of<'a>(
    names: impl Iterator<Item = &'a str>,
    chosen: usize,
    state: &State,
) -> Line<'static> {
    let t = &state.theme;
    let mut spans = Vec::new();
    for (i, name) in names.enumerate() {
        let on = i == chosen;
        let style = if on {
            t.text.add_modifier(Modifier::BOLD)
        } else {
            t.dim
        };
        spans.push(Span::styled(
            format!("{}{name}", if on { "▸" } else { " " }),
            style,
        ));
        spans.push(Span::raw("  "));
    }
    Line::from(spans)
}
