//! One line at the bottom: spinner, banner, instance, read-only, connection, outbox, each other
//! instance's connection and outbox, source
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
/// go), the least it may shrink to when even the short forms do not fit (at 60 columns), whether
/// it may be cut in between (a reason may, a name may not), a tail a cut keeps (the error's key
/// hint), and when it shrinks (lower first).
struct Part {
    full: String,
    short: String,
    tiny: String,
    tail: String,
    style: Style,
    partial: bool,
    rank: u8,
}

fn part(sep: bool, full: String, short: &str, style: Style) -> Part {
    let lead = if sep { " │ " } else { "" };
    let short = if short.is_empty() {
        String::new()
    } else {
        format!("{lead}{short}")
    };
    Part {
        full: format!("{lead}{full}"),
        tiny: short.clone(),
        short,
        tail: String::new(),
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

    /// The least it shrinks to (`""`: it may go), with the same lead as its short form.
    fn tiny(mut self, sep: bool, tiny: &str) -> Part {
        let lead = if sep && !tiny.is_empty() { " │ " } else { "" };
        self.tiny = format!("{lead}{tiny}");
        self
    }

    /// Text every cut of it keeps at its end.
    fn tail(mut self, tail: &str) -> Part {
        self.tail = tail.to_owned();
        self
    }

    /// The text drawn in `w` cells (one of the forms, or a cut of the full text).
    fn text(&self, w: usize) -> String {
        if w >= width(&self.full) {
            return self.full.clone();
        }
        if w <= width(&self.tiny) {
            return self.tiny.clone();
        }
        // Shrunk to its short form (the first pass): drawn as such, not as a cut.
        if w == width(&self.short) {
            return self.short.clone();
        }
        if self.partial && w >= width(&self.tiny) + 8 {
            let head = self.full.strip_suffix(&self.tail).unwrap_or(&self.full);
            let keep = w.saturating_sub(width(&self.tail));
            return format!("{}{}", fit(head, keep), self.tail);
        }
        if w >= width(&self.short) {
            self.short.clone()
        } else {
            self.tiny.clone()
        }
    }
}

/// How wide each part is drawn in `room` cells. Parts shrink by rank (the last error, then the
/// connection and outbox reasons, the user name, the list age, the failing sources' names), right
/// to left within a rank, each to no less than its short form: the connection state, the outbox
/// count, the source counts and the error's key hint stay visible at 80 columns. A reason cut to
/// a stub shows its short form instead. When even the short forms do not fit (60 columns), a
/// second pass in the same order takes parts down to their tiny forms: the error to its key hint,
/// the outbox to its count (both always kept), healthy source counts away.
fn allot(parts: &[Part], room: usize) -> Vec<usize> {
    let mut w: Vec<usize> = parts.iter().map(|p| width(&p.full)).collect();
    let mut over = w.iter().sum::<usize>().saturating_sub(room);
    let mut order: Vec<usize> = (0..parts.len())
        .filter(|&i| parts[i].rank < u8::MAX)
        .collect();
    order.sort_by_key(|&i| (parts[i].rank, std::cmp::Reverse(i)));
    for &i in &order {
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
    for &i in &order {
        if over == 0 {
            break;
        }
        let p = &parts[i];
        let tiny = width(&p.tiny).min(w[i]);
        let mut new = if p.partial {
            w[i] - over.min(w[i] - tiny)
        } else {
            tiny
        };
        if p.partial && new < tiny + 8 {
            new = tiny;
        }
        over = over.saturating_sub(w[i] - new);
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
        let tiny = format!("outbox {}", o.pending + o.failed + o.dead);
        parts.push(
            part(true, txt, &short, if trouble { alert } else { bar })
                .shrinks(1, true)
                .tiny(true, &tiny),
        );
    }
    // Every other instance: its connection as its worker last saw it, and its outbox.
    for other in state.outbox.iter().flat_map(|o| o.others.iter()) {
        let (mark, bad) = match &other.down {
            Some(_) => ("✗", true),
            None => ("●", false),
        };
        let short = format!("{} {mark} {}", other.instance, other.undelivered);
        let mut full = format!("{short} pending");
        if let Some(why) = &other.down {
            full.push_str(&format!(" ({why})"));
        }
        let tiny = if bad || other.undelivered > 0 {
            short.clone()
        } else {
            String::new()
        };
        parts.push(
            part(true, full, &short, if bad { alert } else { bar })
                .shrinks(1, true)
                .tiny(true, &tiny),
        );
    }
    if let Some((full, short, failing)) = sources(state) {
        parts.push(
            part(true, full, &short, if failing { alert } else { bar })
                .shrinks(4, false)
                .tiny(true, if failing { "src ✗" } else { "" }),
        );
    }
    if state.load_failed
        && let Some(at) = state.loaded_at
    {
        let age = ago(at, state.now);
        let short = format!("list {} old", age.trim_end_matches(" ago"));
        parts.push(
            part(true, format!("list updated {age}"), &short, alert)
                .shrinks(3, false)
                .tiny(true, ""),
        );
    }
    if let Some(e) = &state.last_error {
        // However little room is left, the key that shows the error in full stays.
        let key = state.keymap.first_key(Action::Errors);
        let tail = format!(" ({key}: full error)");
        parts.push(
            part(
                true,
                format!("error: {e}{tail}"),
                // Cut to its first words before the reasons go; to the hint alone only when
                // even the short forms of the others do not fit.
                &format!("error: {}{tail}", fit(e, 32)),
                alert,
            )
            .shrinks(0, true)
            .tiny(true, &format!("{key}: full error"))
            .tail(&tail),
        );
    }
    // The help key always shows, at the right edge.
    let help = format!(" {} help ", state.keymap.first_key(Action::Help));
    let room = usize::from(area.width).saturating_sub(width(&help));
    let widths = allot(&parts, room);
    let mut used = 0;
    let mut spans = Vec::new();
    for (p, w) in parts.into_iter().zip(widths) {
        let text = p.text(w);
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
