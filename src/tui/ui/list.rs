//! The anomaly list. Virtualised: only the rows in the visible window are turned into text.
//!
//! ```text
//! ┌▶Anomalies 3/100000 · sort newest · filter "nulls" · 2 marked ──────────┐
//! │  STATUS SEV  ID         TITLE                 SOURCE/STORE DETECTED   LN│
//! │▌*● ACT  CRIT A-1042     Null customer ids…    wh/snowflake 11-23 10:30 1│
//! │• ● ACT  HIGH A-1043     Freshness SLA missed… wh/postgres  11-23 10:31 0│
//! └───────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! `•` (and a bold id) marks a row that arrived by a live update and has not been selected yet;
//! it shares the first cell with the selection bar, which it never needs at the same time.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::backend::AnomalyRow;
use super::super::state::{Pane, State};
use super::super::text::{fit, pad};
use super::super::theme::{severity_label, status_label};
use super::widgets::{pane_block, spinner};

/// Column widths for a given inner width.
struct Cols {
    id: usize,
    title: usize,
    store: usize,
    detected: usize,
    long_dates: bool,
}

fn columns(inner: usize) -> Cols {
    // marker + mark + status(6) + sev(4) + links(2) and the single-space gaps.
    let fixed = 1 + 1 + 6 + 1 + 4 + 1 + 1 + 1 + 1 + 2;
    let long_dates = inner >= 110;
    let detected = if long_dates { 16 } else { 11 };
    let id = if inner >= 100 { 14 } else { 10 };
    let store = if inner >= 100 { 22 } else { 12 };
    let title = inner.saturating_sub(fixed + id + store + detected + 1);
    Cols {
        id,
        title,
        store,
        detected,
        long_dates,
    }
}

fn detected(r: &AnomalyRow, long: bool) -> String {
    match r.detected_at {
        Some(t) if long => t.strftime("%Y-%m-%d %H:%M").to_string(),
        Some(t) => t.strftime("%m-%d %H:%M").to_string(),
        None => "-".to_owned(),
    }
}

fn title_line(state: &State) -> Line<'static> {
    let l = &state.list;
    let t = &state.theme;
    let mut spans = vec![Span::styled(
        format!("Anomalies {}/{}", l.shown(), l.total()),
        t.title,
    )];
    spans.push(Span::raw(format!(" · sort {}", l.sort().label())));
    match &state.filter_input {
        Some(input) => {
            let (before, after) = input.text.split();
            spans.push(Span::styled(format!(" · /{before}█{after}"), t.accent()))
        }
        None if !l.filter().is_empty() => {
            spans.push(Span::raw(format!(" · filter \"{}\"", l.filter())))
        }
        None => {}
    }
    if l.marked_count() > 0 {
        spans.push(Span::styled(
            format!(" · {} marked", l.marked_count()),
            t.marked,
        ));
    }
    if l.new_count() > 0 {
        spans.push(Span::styled(
            format!(" · {} new", l.new_count()),
            t.accent().add_modifier(Modifier::BOLD),
        ));
    }
    if state.loading.is_some()
        && let Some(s) = spinner(state)
    {
        spans.push(Span::raw(format!(" {s} loading")));
    }
    spans.push(Span::raw(" "));
    Line::from(spans)
}

pub fn render(state: &State, f: &mut Frame, area: Rect) {
    let t = &state.theme;
    let block = pane_block(title_line(state), state.focus == Pane::List, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let w = usize::from(inner.width);
    let c = columns(w);
    let header = format!(
        "  {} {} {} {} {} {} {}",
        pad("STATUS", 6),
        pad("SEV", 4),
        pad("ID", c.id),
        pad("TITLE", c.title),
        pad("SOURCE/STORE", c.store),
        pad("DETECTED", c.detected),
        "LN"
    );
    let mut lines = Vec::with_capacity(usize::from(inner.height));
    lines.push(Line::styled(
        fit(&header, w).into_owned(),
        t.dim.add_modifier(Modifier::BOLD),
    ));
    let rows = usize::from(inner.height) - 1;
    if state.list.total() == 0 || state.list.shown() == 0 {
        let msg = if state.loading.is_some() && state.list.total() == 0 {
            "loading anomalies…"
        } else if state.list.total() == 0 {
            "no anomalies (r reloads)"
        } else {
            "nothing matches the filter (/ to change it, esc in the filter clears it)"
        };
        lines.push(Line::styled(format!("  {msg}"), t.dim));
    }
    for (pos, r) in state.list.window(rows) {
        let selected = pos == state.list.cursor();
        let marked = state.list.is_marked(&r.key);
        let store = match &r.datastore {
            Some(ds) => format!("{}/{}", r.source, ds),
            None => r.source.clone(),
        };
        let links = if r.link_count > 99 {
            "99".to_owned()
        } else {
            format!("{:>2}", r.link_count)
        };
        let row_style = if selected { t.selected } else { Style::new() };
        let new = !selected && state.list.is_new(&r.key);
        let (edge, edge_style) = if selected {
            ("▌", t.border_focused)
        } else if new {
            ("•", t.accent().add_modifier(Modifier::BOLD))
        } else {
            (" ", t.border_focused)
        };
        let id_style = if new {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        let spans = vec![
            // The marker cell is not reversed, so `▌` reads as a bar at the row's left edge.
            Span::styled(edge, edge_style.remove_modifier(Modifier::REVERSED)),
            Span::styled(if marked { "*" } else { " " }, t.marked),
            Span::styled(pad(status_label(r.status), 6), t.status(r.status)),
            Span::raw(" "),
            Span::styled(pad(severity_label(r.severity), 4), t.severity(r.severity)),
            Span::raw(" "),
            Span::styled(pad(&r.id, c.id), id_style),
            Span::raw(" "),
            Span::raw(pad(&r.title, c.title)),
            Span::raw(" "),
            Span::styled(pad(&store, c.store), t.dim),
            Span::raw(" "),
            Span::styled(pad(&detected(r, c.long_dates), c.detected), t.dim),
            Span::raw(" "),
            Span::raw(links),
        ];
        lines.push(Line::from(spans).style(row_style));
    }
    f.render_widget(Paragraph::new(lines).style(t.text), inner);
}
