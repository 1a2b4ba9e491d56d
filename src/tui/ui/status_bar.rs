//! One line at the bottom: spinner, banner, instance, connection, outbox, read-only, last error,
//! and the help key. Cut from the right when the terminal is narrow.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::action::Action;
use super::super::backend::ConnectionStatus;
use super::super::state::State;
use super::super::text::{ago, fit, width};
use super::widgets::spinner;

fn connection(c: &ConnectionStatus) -> (String, bool) {
    match c {
        ConnectionStatus::Ok => ("● online".to_owned(), false),
        ConnectionStatus::Unknown => ("◌ checking".to_owned(), false),
        ConnectionStatus::Unreachable(why) => (format!("✗ UNREACHABLE {why}"), true),
        ConnectionStatus::RateLimited(why) => (format!("◔ RATE-LIMITED {why}"), true),
        ConnectionStatus::Hibernating(why) => (format!("◌ HIBERNATING {why}"), true),
        ConnectionStatus::AuthError(why) => (format!("✗ AUTH ERROR {why}"), true),
    }
}

pub fn render(state: &State, f: &mut Frame, area: Rect) {
    let t = &state.theme;
    let bar = t.status_bar;
    let alert = bar.add_modifier(Modifier::BOLD);
    let mut parts: Vec<Span> = Vec::new();
    let sep = || Span::styled(" │ ", bar);
    parts.push(Span::styled(
        format!(" {} ", spinner(state).unwrap_or(" ")),
        bar,
    ));
    if let Some(b) = &state.banner {
        parts.push(Span::styled(b.clone(), alert));
        parts.push(sep());
    }
    parts.push(Span::styled(
        format!("{}@{}", state.info.user, state.info.instance),
        bar,
    ));
    if state.info.read_only {
        parts.push(sep());
        parts.push(Span::styled("READ-ONLY", alert));
    }
    parts.push(sep());
    let (conn, bad) = connection(&state.connection);
    parts.push(Span::styled(conn, if bad { alert } else { bar }));
    if let Some(o) = &state.outbox {
        parts.push(sep());
        let mut txt = format!("outbox {} pending", o.pending);
        if o.failed > 0 {
            txt.push_str(&format!(", {} failed", o.failed));
        }
        if o.dead > 0 {
            txt.push_str(&format!(", {} dead", o.dead));
        }
        if let Some(p) = &o.paused {
            txt.push_str(&format!(" (paused: {p})"));
        }
        let trouble = o.failed > 0 || o.dead > 0 || o.paused.is_some();
        parts.push(Span::styled(txt, if trouble { alert } else { bar }));
    }
    if state.load_failed
        && let Some(at) = state.loaded_at
    {
        parts.push(sep());
        parts.push(Span::styled(
            format!("list updated {}", ago(at, state.now)),
            alert,
        ));
    }
    if let Some(e) = &state.last_error {
        parts.push(sep());
        parts.push(Span::styled(format!("error: {e}"), alert));
    }
    // The help key always shows, at the right edge.
    let help = format!(" {} help ", state.keymap.first_key(Action::Help));
    let room = usize::from(area.width).saturating_sub(width(&help));
    let mut used = 0;
    let mut spans = Vec::new();
    for s in parts {
        let w = width(&s.content);
        if used + w <= room {
            used += w;
            spans.push(s);
        } else {
            let left = room - used;
            if left > 1 {
                spans.push(Span::styled(fit(&s.content, left).into_owned(), s.style));
                used += left;
            }
            break;
        }
    }
    spans.push(Span::styled(" ".repeat(room - used), bar));
    spans.push(Span::styled(help, bar.add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}
