//! The help overlay, generated from the keymap (so rebinding shows here at once).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::super::action::{Action, Context};
use super::super::state::State;
use super::super::text::pad;
use super::widgets::{centered, popup_block};

pub fn lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = Vec::new();
    for (ctx, heading) in [
        (Context::Main, "Dashboard"),
        (Context::Form, "Forms and dialogs"),
    ] {
        out.push(Line::styled(heading, t.title));
        for a in Action::ALL.into_iter().filter(|a| a.context() == ctx) {
            out.push(Line::from(vec![
                Span::styled(pad(&state.keymap.keys_label(a), 18), t.key),
                Span::raw(pad(a.name(), 15)),
                Span::styled(a.describe(), t.dim),
            ]));
        }
        out.push(Line::raw(""));
    }
    out.push(Line::styled("Legend", t.title));
    out.push(Line::raw(
        "● ACT active   ◐ ACK acknowledged   ○ ARC archived",
    ));
    out.push(Line::raw(
        "* marked row   ▌ selected row   • new (live update)   ▶ focused pane",
    ));
    out.push(Line::raw(
        "Marked rows: c (one incident), l, a, x, m (one comment each) act on all of them;",
    ));
    out.push(Line::raw(
        "u, o, O on the selected link only. Marks clear when a bulk action succeeded for",
    ));
    out.push(Line::raw(
        "every row and stay when any row failed (docs/dashboard.md §Bulk actions).",
    ));
    out.push(Line::raw(
        "Rebind in config [keys], e.g. move_down = [\"j\", \"ctrl-n\"]",
    ));
    out
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, scroll: u16) {
    let body = lines(state);
    // Never over the status bar (the table scrolls with j/k when it is taller than the screen).
    let h = u16::try_from(body.len() + 2)
        .unwrap_or(u16::MAX)
        .min(screen.height.saturating_sub(2));
    let area = centered(screen, 76, h);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(body)
            .block(popup_block(
                " Keys · j/k scroll · any other key closes ",
                &state.theme,
            ))
            .scroll((scroll, 0))
            .style(state.theme.text),
        area,
    );
}
