//! The rules popup (`A`, or `:rules`): each `[[rules]]` entry and what it did in its current
//! intervals — the same counts as `snowlink rules` (docs/rules.md).
//!
//! ```text
//! ╭ Rules · r refreshes · j/k scroll · any key closes ──────────────╮
//! │warehouse-nulls  create → default                               │
//! │  created 3 of 10 this window · linked 12 · merged 40 · …       │
//! ╰────────────────────────────────────────────────────────────────╯
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::backend::RuleSummary;
use super::super::state::State;
use super::widgets::{centered, popup_block};

fn counts(r: &RuleSummary) -> String {
    let mut out = if r.action == "create" {
        format!("created {} of {} this window", r.created, r.flood_limit)
    } else {
        "links only".to_owned()
    };
    out.push_str(&format!(" · linked {} · merged {}", r.linked, r.merged));
    if r.suppressed > 0 {
        out.push_str(&format!(" · {} on the overflow incident", r.suppressed));
    }
    if r.delayed > 0 {
        out.push_str(&format!(" · {} waiting (creation delay)", r.delayed));
    }
    out
}

pub fn lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    match &state.rules {
        None => vec![Line::styled("reading the rules…", t.dim)],
        Some(Err(e)) => vec![Line::styled(format!("✗ {e}"), t.error)],
        Some(Ok(list)) if list.is_empty() => vec![
            Line::styled("no [[rules]] configured", t.dim),
            Line::styled(
                "automatic tickets: add a [[rules]] table to the config (docs/rules.md); \
                 `snowlink rules test` shows what it would do",
                t.dim,
            ),
        ],
        Some(Ok(list)) => list
            .iter()
            .flat_map(|r| {
                [
                    Line::from(vec![
                        Span::styled(r.name.clone(), t.title),
                        Span::styled(format!("  {} → {}", r.action, r.instance), t.dim),
                    ]),
                    Line::styled(format!("  {}", counts(r)), t.text),
                ]
            })
            .collect(),
    }
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, scroll: u16) {
    let body = lines(state);
    let h = u16::try_from(body.len() * 2 + 2)
        .unwrap_or(u16::MAX)
        .clamp(5, screen.height.saturating_sub(2).max(5));
    let area = centered(screen, 76, h);
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(body)
            .block(popup_block(
                " Rules · r refreshes · j/k scroll · any key closes ",
                &state.theme,
            ))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0))
            .style(state.theme.text),
        area,
    );
}
