//! The sources popup: each source's health, and the full cause and fix of a failing one.
//!
//! ```text
//! ╭ Sources and instance · r refreshes · j/k scroll · any key closes ╮
//! │✓ instance default: online                                  │
//! │✓ warehouse (file) · last ok 2m ago · next poll in <1m      │
//! │✗ qualytics-prod (qualytics) · 3 failures · last ok 1h ago  │
//! │  401 from https://qualytics.example: the token expired; …  │
//! ╰────────────────────────────────────────────────────────────╯
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::action::Action;
use super::super::backend::{ConnectionStatus, SourceHealth};
use super::super::state::State;
use super::super::text::{ago, until, width};
use super::widgets::{centered, popup_block};

fn facts(s: &SourceHealth, state: &State) -> String {
    let mut out = format!("{} ({})", s.name, s.kind);
    if s.failures > 0 {
        let noun = if s.failures == 1 {
            "failure"
        } else {
            "failures"
        };
        out.push_str(&format!(" · {} {noun} in a row", s.failures));
    }
    match s.last_success_at {
        Some(t) => out.push_str(&format!(" · last ok {}", ago(t, state.now))),
        None => out.push_str(" · never read"),
    }
    if let Some(t) = s.next_poll_at {
        out.push_str(&format!(" · next poll {}", until(t, state.now)));
    }
    out
}

/// The instance and the outbox in full (the status bar drops their reasons when narrow).
fn instance_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let (conn, bad) = match &state.connection {
        ConnectionStatus::Ok => ("online".to_owned(), false),
        ConnectionStatus::Unknown => ("not checked yet".to_owned(), false),
        ConnectionStatus::Unreachable(why) => (format!("unreachable {why}"), true),
        ConnectionStatus::RateLimited(why) => (format!("rate-limited {why}"), true),
        ConnectionStatus::Hibernating(why) => (format!("hibernating {why}"), true),
        ConnectionStatus::AuthError(why) => (format!("auth error {why}"), true),
    };
    let style = if bad { t.error } else { t.text };
    let mut out = vec![Line::from(vec![
        Span::styled(
            if bad { "✗ " } else { "✓ " },
            if bad { t.error } else { t.ok },
        ),
        Span::styled(format!("instance {}: {conn}", state.info.instance), style),
    ])];
    if let Some(p) = state.outbox.as_ref().and_then(|o| o.paused.as_ref()) {
        out.push(Line::styled(format!("  outbox paused: {p}"), t.error));
    }
    out
}

pub fn lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out = instance_lines(state);
    let Some(sources) = &state.sources else {
        out.push(Line::styled("reading source health…", t.dim));
        return out;
    };
    if sources.is_empty() {
        out.push(Line::styled(
            "no source has been polled yet (configure [[sources]], see docs/config.md)",
            t.dim,
        ));
        return out;
    }
    for s in sources {
        let (sym, style) = if s.ok {
            ("✓ ", t.ok)
        } else {
            ("✗ ", t.error.add_modifier(Modifier::BOLD))
        };
        out.push(Line::from(vec![
            Span::styled(sym, style),
            Span::styled(facts(s, state), if s.ok { t.text } else { style }),
        ]));
        if let Some(e) = s.last_error.as_deref().filter(|_| !s.ok) {
            out.push(Line::styled(format!("  {e}"), t.error));
        }
    }
    out
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, scroll: u16) {
    let t = &state.theme;
    let body = lines(state);
    let w = screen.width.saturating_sub(4).min(96);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let rows: usize = body
        .iter()
        .map(|l| {
            let lw: usize = l.spans.iter().map(|s| width(&s.content)).sum();
            lw.div_ceil(inner).max(1)
        })
        .sum();
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let area = centered(screen, w, h.min(screen.height.saturating_sub(2)));
    f.render_widget(Clear, area);
    let title = format!(
        " Sources and instance · {} refreshes · j/k scroll · any key closes ",
        state.keymap.first_key(Action::Refresh)
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
