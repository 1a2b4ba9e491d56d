//! The errors popup: every error since start, newest first, each in full with its fix on a line
//! of its own (the status bar and the toasts only have room for the start of a message).
//!
//! ```text
//! ╭ Errors · newest first · j/k scroll · any other key closes ─────────╮
//! │✗ 10:31:02 UTC (×3, first 10:29:40 UTC)                              │
//! │  create failed: 401 from https://acme.service-now.com/api/now/table/ │
//! │  incident: User Not Authenticated (Required to provide Auth          │
//! │  information)                                                        │
//! │  fix: check username/password (or the OAuth user); account locked, … │
//! ╰──────────────────────────────────────────────────────────────────────╯
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::state::State;
use super::widgets::{centered, popup_block, wrapped_rows};

fn clock(t: jiff::Timestamp) -> String {
    t.strftime("%H:%M:%S UTC").to_string()
}

pub fn lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    if state.errors.is_empty() {
        return vec![Line::styled("no errors since the dashboard started", t.dim)];
    }
    let mut out = Vec::new();
    for (n, e) in state.errors.newest_first().enumerate() {
        if n > 0 {
            out.push(Line::raw(""));
        }
        let mut when = clock(e.at);
        if e.count > 1 {
            when.push_str(&format!(" (×{}, first {})", e.count, clock(e.first_at)));
        }
        out.push(Line::from(vec![
            Span::styled("✗ ", t.error.add_modifier(Modifier::BOLD)),
            Span::styled(when, t.dim),
        ]));
        let (cause, fix) = e.parts();
        out.push(Line::styled(format!("  {cause}"), t.error));
        if let Some(fix) = fix {
            out.push(Line::from(vec![
                Span::styled("  fix: ", t.title),
                Span::styled(fix.to_owned(), t.text),
            ]));
        }
    }
    out
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, scroll: u16) {
    let t = &state.theme;
    let body = lines(state);
    let w = screen.width.saturating_sub(4).min(100);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = body.iter().map(|l| wrapped_rows(l, inner)).sum();
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = centered(screen, w, h.min(screen.height.saturating_sub(2)));
    f.render_widget(Clear, area);
    let title = format!(
        " Errors ({}) · newest first · j/k scroll · any other key closes ",
        state.errors.len()
    );
    f.render_widget(
        Paragraph::new(body)
            .block(popup_block(title, t))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .style(t.text),
        area,
    );
}
