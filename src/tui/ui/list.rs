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

use crate::config::ListColumn;

use super::super::backend::AnomalyRow;
use super::super::list::{SortKey, store_of};
use super::super::query::{Field, find_ranges};
use super::super::state::{Pane, State};
use super::super::text::{fit, pad};
use super::super::theme::{severity_label, status_label};
use super::columns::{Col, LEAD, LONG_DATE, layout};
use super::widgets::{pane_block, spinner};

fn detected(r: &AnomalyRow, long: bool) -> String {
    match r.detected_at {
        Some(t) if long => t.strftime("%Y-%m-%d %H:%M").to_string(),
        Some(t) => t.strftime("%m-%d %H:%M").to_string(),
        None => "-".to_owned(),
    }
}

fn header(kind: ListColumn) -> &'static str {
    match kind {
        ListColumn::Status => "STATUS",
        ListColumn::Severity => "SEV",
        ListColumn::Id => "ID",
        ListColumn::Title => "TITLE",
        ListColumn::Source => "SOURCE",
        ListColumn::Store => "STORE",
        ListColumn::Detected => "DETECTED",
        ListColumn::Links => "LN",
    }
}

/// The column a sort key orders by.
fn sorts(key: SortKey) -> ListColumn {
    match key {
        SortKey::Detected => ListColumn::Detected,
        SortKey::Severity => ListColumn::Severity,
        SortKey::Status => ListColumn::Status,
        SortKey::Id => ListColumn::Id,
        SortKey::Title => ListColumn::Title,
        SortKey::Source => ListColumn::Source,
        SortKey::Store => ListColumn::Store,
        SortKey::Links => ListColumn::Links,
    }
}

/// The header row: the sorted column carries ▼ (its natural order) or ▲ (reversed).
fn header_line(state: &State, cols: &[Col], w: usize) -> Line<'static> {
    let order = state.list.sort();
    let mut text = " ".repeat(LEAD);
    for (n, c) in cols.iter().enumerate() {
        if n > 0 {
            text.push(' ');
        }
        let mut h = header(c.kind).to_owned();
        if sorts(order.key) == c.kind {
            h.push(if order.reverse { '▲' } else { '▼' });
        }
        text.push_str(&pad(&h, c.width));
    }
    Line::styled(
        fit(&text, w).into_owned(),
        state.theme.dim.add_modifier(Modifier::BOLD),
    )
}

/// A cell padded to `width`, with the filter's words in it highlighted.
fn cell(text: &str, width: usize, style: Style, state: &State, field: Field) -> Vec<Span<'static>> {
    let padded = pad(text, width);
    let ranges = find_ranges(&padded, state.list.query().highlights(field));
    if ranges.is_empty() {
        return vec![Span::styled(padded, style)];
    }
    let hl = style.patch(state.theme.highlight());
    let mut out = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0;
    for r in ranges {
        if r.start > at {
            out.push(Span::styled(padded[at..r.start].to_owned(), style));
        }
        out.push(Span::styled(padded[r.clone()].to_owned(), hl));
        at = r.end;
    }
    if at < padded.len() {
        out.push(Span::styled(padded[at..].to_owned(), style));
    }
    out
}

fn title_line(state: &State) -> Line<'static> {
    let l = &state.list;
    let t = &state.theme;
    let mut spans = vec![Span::styled(
        format!("Anomalies {}/{}", l.shown(), l.total()),
        t.title,
    )];
    spans.push(Span::raw(format!(" · sort {}", l.sort().label())));
    if let Some(hidden) = l.hide().label() {
        spans.push(Span::styled(format!(" · {hidden}"), t.accent()));
    }
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
    let cols = layout(&state.columns, w, state.list.widths());
    let mut lines = Vec::with_capacity(usize::from(inner.height));
    lines.push(header_line(state, &cols, w));
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
        let mut spans = vec![
            // The marker cell is not reversed, so `▌` reads as a bar at the row's left edge.
            Span::styled(edge, edge_style.remove_modifier(Modifier::REVERSED)),
            Span::styled(if marked { "*" } else { " " }, t.marked),
        ];
        for (n, c) in cols.iter().enumerate() {
            if n > 0 {
                spans.push(Span::raw(" "));
            }
            let w = c.width;
            match c.kind {
                ListColumn::Status => spans.push(Span::styled(
                    pad(status_label(r.status), w),
                    t.status(r.status),
                )),
                ListColumn::Severity => spans.push(Span::styled(
                    pad(severity_label(r.severity), w),
                    t.severity(r.severity),
                )),
                ListColumn::Id => spans.extend(cell(&r.id, w, id_style, state, Field::Id)),
                ListColumn::Title => {
                    spans.extend(cell(&r.title, w, Style::new(), state, Field::Title))
                }
                ListColumn::Source => spans.extend(cell(&r.source, w, t.dim, state, Field::Source)),
                ListColumn::Store => spans.extend(cell(store_of(r), w, t.dim, state, Field::Store)),
                ListColumn::Detected => {
                    spans.push(Span::styled(pad(&detected(r, w >= LONG_DATE), w), t.dim))
                }
                ListColumn::Links => spans.push(Span::raw(pad(&links, w))),
            }
        }
        lines.push(Line::from(spans).style(row_style));
    }
    f.render_widget(Paragraph::new(lines).style(t.text), inner);
}
