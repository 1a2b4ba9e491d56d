//! One line at the bottom: spinner, banner, instance, read-only, connection, outbox, source
//! health, list age, last error, and the help key. Long reasons shrink first when the terminal
//! is narrow (see `allot`), so the states themselves stay visible.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::action::Action;
use super::super::backend::ConnectionStatus;
use super::super::state::State;
use super::super::text::{ago, fit, width};
use super::widgets::spinner;

/// The connection, its short form (no reason) and whether it is bad.
fn connection(c: &ConnectionStatus) -> (String, &'static str, bool) {
    match c {
        ConnectionStatus::Ok => ("● online".to_owned(), "● online", false),
        ConnectionStatus::Unknown => ("◌ checking".to_owned(), "◌ checking", false),
        ConnectionStatus::Unreachable(why) => {
            (format!("✗ UNREACHABLE {why}"), "✗ UNREACHABLE", true)
        }
        ConnectionStatus::RateLimited(why) => {
            (format!("◔ RATE-LIMITED {why}"), "◔ RATE-LIMITED", true)
        }
        ConnectionStatus::Hibernating(why) => {
            (format!("◌ HIBERNATING {why}"), "◌ HIBERNATING", true)
        }
        ConnectionStatus::AuthError(why) => (format!("✗ AUTH ERROR {why}"), "✗ AUTH ERROR", true),
    }
}

/// `src 3✓`, or `src 2✓ 1✗ qualytics-prod` naming the failing sources; and the short form
/// without the names. `None` before the first poll and when no source is known.
fn sources(state: &State) -> Option<(String, String, bool)> {
    let list = state.sources.as_ref().filter(|l| !l.is_empty())?;
    let ok = list.iter().filter(|s| s.ok).count();
    let failing: Vec<&str> = list
        .iter()
        .filter(|s| !s.ok)
        .map(|s| s.name.as_str())
        .collect();
    let mut short = "src".to_owned();
    if ok > 0 {
        short.push_str(&format!(" {ok}✓"));
    }
    if failing.is_empty() {
        return Some((short.clone(), short, false));
    }
    short.push_str(&format!(" {}✗", failing.len()));
    let full = format!("{short} {}", failing.join(", "));
    Some((full, short, true))
}

/// One piece of the bar: its full text, what it may shrink to when room is short (empty: it may
/// go), whether it may be cut in between (a reason may, a name may not), and when it shrinks
/// (lower first).
struct Part {
    full: String,
    short: String,
    style: Style,
    partial: bool,
    rank: u8,
}

fn part(sep: bool, full: String, short: &str, style: Style) -> Part {
    let lead = if sep { " │ " } else { "" };
    Part {
        full: format!("{lead}{full}"),
        short: if short.is_empty() {
            String::new()
        } else {
            format!("{lead}{short}")
        },
        style,
        partial: false,
        rank: u8::MAX,
    }
}

impl Part {
    fn shrinks(mut self, rank: u8, partial: bool) -> Part {
        self.rank = rank;
        self.partial = partial;
        self
    }
}

/// How wide each part is drawn in `room` cells. Parts shrink by rank (the last error, then the
/// connection and outbox reasons, the user name, the list age, the failing sources' names), right
/// to left within a rank, each to no less than its short form: the connection state, the outbox
/// count and the source counts stay visible at 80 columns. A reason cut to a stub shows its
/// short form instead.
fn allot(parts: &[Part], room: usize) -> Vec<usize> {
    let mut w: Vec<usize> = parts.iter().map(|p| width(&p.full)).collect();
    let mut over = w.iter().sum::<usize>().saturating_sub(room);
    let mut order: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].rank < u8::MAX)
        .collect();
    order.sort_by_key(|&i| (parts[i].rank, std::cmp::Reverse(i)));
    for i in order {
        if over == 0 {
            break;
        }
        let p = &parts[i];
        let full = w[i];
        let short = width(&p.short).min(full);
        let mut new = if p.partial {
            full - over.min(full - short)
        } else {
            short
        };
        if new < full && new < short + 8 {
            new = short;
        }
        over = over.saturating_sub(full - new);
        w[i] = new;
    }
    w
}

pub fn render(state: &State, f: &mut Frame, area: Rect) {
    let t = &state.theme;
    let bar = t.status_bar;
    let alert = bar.add_modifier(Modifier::BOLD);
    let mut parts: Vec<Part> = Vec::new();
    let spin = format!(" {} ", spinner(state).unwrap_or(" "));
    parts.push(part(false, spin.clone(), &spin, bar));
    if let Some(b) = &state.banner {
        parts.push(part(false, format!("{b} │ "), &format!("{b} │ "), alert));
    }
    parts.push(
        part(
            false,
            format!("{}@{}", state.info.user, state.info.instance),
            &state.info.instance,
            bar,
        )
        .shrinks(2, false),
    );
    if state.info.read_only {
        parts.push(part(true, "READ-ONLY".to_owned(), "READ-ONLY", alert));
    }
    let (conn, conn_short, bad) = connection(&state.connection);
    parts.push(part(true, conn, conn_short, if bad { alert } else { bar }).shrinks(1, true));
    if let Some(o) = &state.outbox {
        let mut txt = format!("outbox {} pending", o.pending);
        if o.failed > 0 {
            txt.push_str(&format!(", {} failed", o.failed));
        }
        if o.dead > 0 {
            txt.push_str(&format!(", {} dead", o.dead));
        }
        let mut short = txt.clone();
        if let Some(p) = &o.paused {
            txt.push_str(&format!(" (paused: {p})"));
            short.push_str(", paused");
        }
        let trouble = o.failed > 0 || o.dead > 0 || o.paused.is_some();
        parts.push(part(true, txt, &short, if trouble { alert } else { bar }).shrinks(1, true));
    }
    if let Some((full, short, failing)) = sources(state) {
        parts.push(part(true, full, &short, if failing { alert } else { bar }).shrinks(4, false));
    }
    if state.load_failed
        && let Some(at) = state.loaded_at
    {
        let age = ago(at, state.now);
        let short = format!("list {} old", age.trim_end_matches(" ago"));
        parts.push(part(true, format!("list updated {age}"), &short, alert).shrinks(3, false));
    }
    if let Some(e) = &state.last_error {
        parts.push(part(true, format!("error: {e}"), "", alert).shrinks(0, true));
    }
    // The help key always shows, at the right edge.
    let help = format!(" {} help ", state.keymap.first_key(Action::Help));
    let room = usize::from(area.width).saturating_sub(width(&help));
    let widths = allot(&parts, room);
    let mut used = 0;
    let mut spans = Vec::new();
    for (p, w) in parts.into_iter().zip(widths) {
        let text = if w >= width(&p.full) {
            p.full
        } else if w <= width(&p.short) {
            p.short
        } else {
            fit(&p.full, w).into_owned()
        };
        if text.is_empty() {
            continue;
        }
        let w = width(&text);
        if used + w <= room {
            used += w;
            spans.push(Span::styled(text, p.style));
        } else {
            let left = room - used;
            if left > 1 {
                spans.push(Span::styled(fit(&text, left).into_owned(), p.style));
                used += left;
            }
            break;
        }
    }
    spans.push(Span::styled(" ".repeat(room - used), bar));
    spans.push(Span::styled(help, bar.add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(Line::from(spans)).style(bar), area);
}
