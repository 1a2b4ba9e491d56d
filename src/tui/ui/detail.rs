//! The detail pane: every field of the selected anomaly, its failed checks, comments and local
//! status history. Scrolls when focused.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::backend::AnomalyDetail;
use super::super::state::{Pane, State};
use super::super::text::{ago, short_time};
use super::super::writeback::WriteBack;
use super::widgets::pane_block;

fn field<'a>(name: &'a str, value: String, state: &State) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{name}: "), state.theme.dim),
        Span::raw(value),
    ])
}

/// `11-23 10:30 (2h ago)`: the absolute time with the relative one beside it.
fn when(at: Option<jiff::Timestamp>, state: &State) -> String {
    match at {
        Some(t) => format!("{} ({})", short_time(at), ago(t, state.now)),
        None => short_time(at),
    }
}

/// Text that keeps its own line breaks (blank lines too), each line indented by `indent`.
fn multiline<'a>(first: String, text: &str, indent: &str) -> Vec<Line<'a>> {
    let mut lines = text.lines();
    let mut out = vec![Line::raw(format!("{first}{}", lines.next().unwrap_or("")))];
    out.extend(lines.map(|l| Line::raw(format!("{indent}{l}"))));
    out
}

fn or_dash(v: Option<&str>) -> String {
    v.filter(|s| !s.trim().is_empty())
        .map_or_else(|| "-".to_owned(), str::to_owned)
}

fn detail_lines<'a>(d: &'a AnomalyDetail, source: &str, state: &State) -> Vec<Line<'a>> {
    let a = &d.anomaly;
    let t = &state.theme;
    let mut out = vec![
        Line::styled(
            format!("{} · {}", a.id, a.title),
            t.text.add_modifier(Modifier::BOLD),
        ),
        field(
            "Status",
            if d.status == a.status {
                d.status.to_string()
            } else {
                format!("{} (source says {})", d.status, a.status)
            },
            state,
        ),
    ];
    // What reaches the anomaly's own source and what stays local (once the source was read).
    if let Some(wb) = WriteBack::of(state.sources.as_deref(), source) {
        out.push(field("Write-back", wb.summary(), state));
    }
    out.extend([
        field(
            "Severity",
            a.severity.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            state,
        ),
        field("Type", or_dash(a.kind.as_deref()), state),
        field("Source", or_dash(a.source.as_deref()), state),
        field(
            "Datastore / container / field",
            format!(
                "{} / {} / {}",
                or_dash(a.datastore.as_deref()),
                or_dash(a.container.as_deref()),
                or_dash(a.field.as_deref())
            ),
            state,
        ),
        field(
            "Detected",
            match a.detected_at {
                Some(t) => format!("{} UTC ({})", short_time(a.detected_at), ago(t, state.now)),
                None => short_time(None),
            },
            state,
        ),
        field("URL", or_dash(d.url.as_deref()), state),
    ]);
    if !a.tags.is_empty() {
        out.push(field("Tags", a.tags.join(", "), state));
    }
    if let Some(fp) = &a.fingerprint {
        out.push(field("Fingerprint", fp.clone(), state));
    }
    if let Some(desc) = a.description.as_deref().filter(|s| !s.trim().is_empty()) {
        out.push(Line::styled("Description:", t.dim));
        // The description's own line breaks and blank lines are kept (`\r\n` too).
        out.extend(desc.lines().map(|l| Line::raw(format!("  {l}"))));
    }
    out.push(Line::styled(
        format!("Failed checks ({}):", a.failed_checks.len()),
        t.dim,
    ));
    for c in &a.failed_checks {
        out.push(Line::raw(format!("  - {}: {}", c.name, c.message)));
    }
    if let Some(extra) = &a.extra {
        out.push(field("Extra", extra.to_string(), state));
    }
    for (k, v) in &a.rest {
        out.push(field(k, v.to_string(), state));
    }
    out.push(Line::styled(
        format!("Comments ({}):", d.comments.len()),
        t.dim,
    ));
    for c in &d.comments {
        // A comment written in `$EDITOR` keeps its lines.
        out.extend(multiline(
            format!("  {} {}: ", when(Some(c.at), state), c.author),
            &c.text,
            "    ",
        ));
    }
    out.push(Line::styled(
        format!("History ({}):", d.history.len()),
        t.dim,
    ));
    for h in &d.history {
        out.push(Line::raw(format!(
            "  {} {} → {} by {}",
            when(Some(h.at), state),
            h.from,
            h.to,
            h.by
        )));
        if let Some(detail) = &h.detail {
            out.extend(multiline("    ".to_owned(), detail, "    "));
        }
    }
    out
}

pub fn render(state: &State, f: &mut Frame, area: Rect) {
    let t = &state.theme;
    let view = state.detail.as_ref();
    let mut title = vec![Span::styled("Detail", t.title)];
    if view.is_some_and(|v| v.data.is_none() && v.error.is_none()) {
        title.push(Span::raw(" · loading"));
    }
    title.push(Span::raw(" "));
    let block = pane_block(Line::from(title), state.focus == Pane::Detail, t);
    let lines: Vec<Line> = match view {
        None => vec![Line::styled("no anomaly selected", t.dim)],
        Some(v) => {
            let mut lines = match &v.data {
                Some(d) => detail_lines(d, &v.key.source, state),
                None => Vec::new(),
            };
            if let Some(e) = &v.error {
                lines.insert(0, Line::styled(format!("✗ could not load: {e}"), t.error));
            }
            if lines.is_empty() {
                lines.push(Line::styled(format!("loading {}…", v.key.id), t.dim));
            }
            lines
        }
    };
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(t.text)
            .wrap(Wrap { trim: false })
            .scroll((state.detail_scroll, 0)),
        area,
    );
}
