//! The help overlay, generated from the keymap (so rebinding shows here at once). Typing
//! searches it: only the lines holding the text stay, with the text highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::super::action::{Action, Context};
use super::super::popup::HelpView;
use super::super::query::find_ranges;
use super::super::state::State;
use super::super::text::pad;
use super::widgets::{centered, popup_block};

/// The filter syntax, one line per kind of term (docs/dashboard.md §Filter).
const FILTER_HELP: [&str; 5] = [
    "words        match anywhere: id, title, source, store, severity, status",
    "sev:crit     severity (crit, high, med, low, info, none)",
    "status:ack   status (act, ack, arc, open, or an archive reason)",
    "src:NAME  store:NAME  id:…  title:…  linked:no / linked:yes",
    "-term        excludes what the term matches; enter keeps, esc undoes",
];

const LEGEND: [&str; 6] = [
    "● ACT active   ◐ ACK acknowledged   ○ ARC archived",
    "* marked row   ▌ selected row   • new (live update)   ▶ focused pane",
    "Marked rows: c (one incident), l, a, x, m (one comment each) act on all of them;",
    "u, o, O on the selected link only. Marks clear when a bulk action succeeded for",
    "every row and stay when any row failed (docs/dashboard.md §Bulk actions).",
    "Rebind in config [keys], e.g. move_down = [\"j\", \"ctrl-n\"]",
];

/// A section: a heading and its lines as (key column, text) pairs.
fn sections(state: &State) -> Vec<(&'static str, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for (ctx, heading) in [
        (Context::Main, "Dashboard"),
        (Context::Form, "Forms and dialogs"),
    ] {
        let rows = Action::ALL
            .into_iter()
            .filter(|a| a.context() == ctx)
            .map(|a| {
                (
                    state.keymap.keys_label(a),
                    format!("{} {}", pad(a.name(), 15), a.describe()),
                )
            })
            .collect();
        out.push((heading, rows));
    }
    let text = |l: &[&str]| l.iter().map(|t| (String::new(), (*t).to_owned())).collect();
    out.push(("Filter (/)", text(&FILTER_HELP)));
    out.push(("Legend", text(&LEGEND)));
    out
}

/// `text` with every occurrence of `query` highlighted.
fn marked(text: &str, query: &str, style: Style, hl: Style) -> Vec<Span<'static>> {
    let mut out = Vec::new();
    let mut at = 0;
    for r in find_ranges(text, std::iter::once(query).filter(|q| !q.is_empty())) {
        out.push(Span::styled(text[at..r.start].to_owned(), style));
        out.push(Span::styled(text[r.clone()].to_owned(), hl));
        at = r.end;
    }
    out.push(Span::styled(text[at..].to_owned(), style));
    out
}

/// The overlay's lines for a search (all of them for an empty one).
pub fn lines(state: &State, query: &str) -> Vec<Line<'static>> {
    let t = &state.theme;
    let q = query.trim().to_lowercase();
    let hl = t.highlight();
    let mut out = Vec::new();
    for (heading, rows) in sections(state) {
        let hits: Vec<_> = rows
            .into_iter()
            .filter(|(k, d)| q.is_empty() || format!("{k} {d}").to_lowercase().contains(&q))
            .collect();
        if hits.is_empty() {
            continue;
        }
        out.push(Line::styled(heading, t.title));
        for (keys, text) in hits {
            let mut spans = Vec::new();
            if !keys.is_empty() {
                spans.extend(marked(&pad(&keys, 18), &q, t.key, hl));
            }
            spans.extend(marked(&text, &q, t.text, hl));
            out.push(Line::from(spans));
        }
        out.push(Line::raw(""));
    }
    if out.is_empty() {
        out.push(Line::styled(
            format!("nothing matches \"{query}\" (esc clears the search)"),
            t.dim,
        ));
    }
    out
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, view: &HelpView) {
    let (before, after) = view.query.split();
    let mut body = vec![Line::from(vec![
        Span::styled("search: ", state.theme.dim),
        Span::styled(format!("{before}█{after}"), state.theme.accent()),
    ])];
    body.extend(lines(state, view.query.text()));
    // Never over the status bar (the table scrolls with ↑/↓ when it is taller than the screen).
    let h = u16::try_from(body.len() + 2)
        .unwrap_or(u16::MAX)
        .min(screen.height.saturating_sub(2));
    let area = centered(screen, 78, h);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(body)
            .block(popup_block(
                " Keys · type to search · ↑/↓ scroll · esc closes ",
                &state.theme,
            ))
            .scroll((view.scroll, 0))
            .style(state.theme.text),
        area,
    );
}
