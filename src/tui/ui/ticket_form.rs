//! The create-ticket form.
//!
//! ```text
//! ╭ Create incident for A-1042 ───────────────────────────────╮
//! │ Table         ▸incident   problem   change_request        │
//! │▶Short descr.  [high] Null customer ids in orders   34/160 │
//! │ Description   (multi-line, ctrl-e opens $EDITOR)          │
//! │ Category      ◂ Database ▸                                │
//! │ …             (only the fields the chosen table has)      │
//! │ [ctrl-s] create  [ctrl-e] $EDITOR  [esc] cancel           │
//! ╰───────────────────────────────────────────────────────────╯
//! ```

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui_textarea::TextArea;

use crate::domain::SHORT_DESCRIPTION_MAX;

use super::super::action::Action;
use super::super::backend::CacheNote;
use super::super::form::{
    CHANGE_TYPES, Field, Lookup, Picker, TABLES, TicketForm, level_label, priority,
};
use super::super::state::State;
use super::super::text::ago;
use super::widgets::{hint, one_of, popup_block, spinner};

const LABEL_W: u16 = 15;

fn label(state: &State, form: &TicketForm, field: Field) -> Paragraph<'static> {
    let t = &state.theme;
    let focused = form.focus == field;
    let text = format!("{}{}", if focused { "▶" } else { " " }, field.label());
    Paragraph::new(text).style(if focused { t.title } else { t.dim })
}

fn textarea(area: &TextArea<'static>, focused: bool, state: &State) -> TextArea<'static> {
    let mut ta = area.clone();
    ta.set_cursor_line_style(Style::new());
    if !focused {
        // Only the focused field shows a cursor.
        ta.set_cursor_style(Style::new());
    } else {
        ta.set_cursor_style(Style::new().add_modifier(Modifier::REVERSED));
        ta.set_style(state.theme.text.add_modifier(Modifier::UNDERLINED));
    }
    ta
}

fn picker_line(p: &Picker, state: &State) -> Line<'static> {
    let t = &state.theme;
    if p.req.is_some() {
        return Line::styled("loading…", t.dim);
    }
    if let Some(e) = &p.error {
        return Line::styled(format!("✗ {e}"), t.error);
    }
    if p.items.is_empty() {
        return Line::styled("(no choices)", t.dim);
    }
    let v = p.value().map_or("(none)", |c| c.label.as_str()).to_owned();
    let mut spans = vec![
        Span::styled("◂ ", t.key),
        Span::raw(v),
        Span::styled(" ▸", t.key),
    ];
    if let Some(note) = &p.cached {
        spans.push(Span::styled(
            format!("  (cached, {})", read_when(note, state)),
            t.warn,
        ));
    }
    Line::from(spans)
}

/// "read 2h ago" / "read just now": the age of a cached answer, in words.
fn read_when(note: &CacheNote, state: &State) -> String {
    format!("read {}", ago(note.read_at, state.now))
}

/// The form-wide line when any lookup came from the cache: which, how old, why, and what
/// submitting will do ("choices from 2h ago (ServiceNow unreachable): a create will be queued").
fn cached_line(form: &TicketForm, state: &State) -> Option<String> {
    let note = form.cached()?;
    let age = ago(note.read_at, state.now);
    let from = if age == "just now" {
        "read just now".to_owned()
    } else {
        format!("from {age}")
    };
    Some(format!(
        "⚠ choices {from} ({}): a create will be queued",
        note.why
    ))
}

fn lookup_status(l: &Lookup, state: &State) -> Span<'static> {
    let t = &state.theme;
    if l.req.is_some() {
        Span::styled(" searching…", t.dim)
    } else if let Some(e) = &l.error {
        Span::styled(format!(" ✗ {e}"), t.error)
    } else if let Some(c) = &l.chosen {
        Span::styled(format!(" ✓ {}", c.name), t.ok)
    } else if let Some(note) = l.cached.as_ref().filter(|_| !l.results.is_empty()) {
        Span::styled(format!(" cached names, {}", read_when(note, state)), t.warn)
    } else if !l.text().trim().is_empty() && l.results.is_empty() {
        Span::styled(" no match (sent as typed)", t.warn)
    } else {
        Span::raw("")
    }
}

pub fn render(state: &State, f: &mut Frame, screen: Rect, form: &TicketForm) {
    render_form(state, f, screen, form);
    if form.confirm_discard {
        super::confirm::discard(state, f, screen, "ticket");
    }
}

fn render_form(state: &State, f: &mut Frame, screen: Rect, form: &TicketForm) {
    let t = &state.theme;
    let area = Rect::new(
        screen.x + 1,
        screen.y,
        screen.width.saturating_sub(2),
        screen.height.saturating_sub(1),
    );
    f.render_widget(Clear, area);
    let mut what = form.table().label().to_lowercase();
    if form.several_instances() {
        what = format!("{what} on {}", form.instance_name());
    }
    let mut title = if form.also.is_empty() {
        format!(" Create {what} for {} ", form.anomaly_id)
    } else {
        let ids = form.anomaly_ids();
        format!(
            " Create one {what} for {} anomalies: {} ",
            ids.len(),
            super::super::text::id_list(&ids, 4)
        )
    };
    if form.submitting.is_some() {
        title.push_str(&format!("· {} creating… ", spinner(state).unwrap_or("…")));
    }
    let block = popup_block(title, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    // Only the fields the chosen table has get a row (docs/dashboard.md §Ticket form).
    let table = form.table();
    let below: Vec<Field> = Field::shown(table)
        .into_iter()
        .filter(|f| {
            !matches!(
                f,
                Field::Instance | Field::Table | Field::Short | Field::Description
            )
        })
        .collect();
    // With several instances the target instance gets the first row (docs/dashboard.md
    // §Ticket form); `o` is how many rows it takes.
    let o = usize::from(form.several_instances());
    let fixed = u16::try_from(below.len() + o).unwrap_or(u16::MAX) + 5;
    let desc_h = inner.height.saturating_sub(fixed).max(1);
    let mut constraints = vec![Constraint::Length(1); o];
    constraints.extend([
        Constraint::Length(1),      // table
        Constraint::Length(1),      // short
        Constraint::Length(1),      // short problem
        Constraint::Length(desc_h), // description
    ]);
    constraints.extend(below.iter().map(|_| Constraint::Length(1)));
    constraints.extend([Constraint::Length(1), Constraint::Length(1)]); // error, hints
    let rows = Layout::vertical(constraints).split(inner);
    let row_of = |field: Field| {
        below
            .iter()
            .position(|f| *f == field)
            .and_then(|i| rows.get(o + 4 + i).copied())
    };
    let error_row = rows[o + 4 + below.len()];
    let hints_row = rows[o + 5 + below.len()];
    let split = |r: Rect| {
        let [l, v] = Layout::horizontal([Constraint::Length(LABEL_W), Constraint::Min(1)]).areas(r);
        (l, v)
    };
    let problems = form.problems();
    let problem = |field: Field| {
        problems
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.clone())
    };

    // Instance (several configured), then table.
    if o == 1 {
        let (l, v) = split(rows[0]);
        f.render_widget(label(state, form, Field::Instance), l);
        let names = form.instances.iter().map(String::as_str);
        f.render_widget(Paragraph::new(one_of(names, form.instance, state)), v);
    }
    let (l, v) = split(rows[o]);
    f.render_widget(label(state, form, Field::Table), l);
    let names = TABLES.iter().map(|t| t.name());
    f.render_widget(Paragraph::new(one_of(names, form.table, state)), v);

    // Short description with its counter and inline problem.
    let (l, v) = split(rows[o + 1]);
    f.render_widget(label(state, form, Field::Short), l);
    let n = form.short_text().chars().count();
    let counter = format!(" {n}/{SHORT_DESCRIPTION_MAX}");
    let [sv, cv] = Layout::horizontal([
        Constraint::Min(1),
        Constraint::Length(u16::try_from(counter.len()).unwrap_or(8)),
    ])
    .areas(v);
    f.render_widget(
        &textarea(&form.short, form.focus == Field::Short, state),
        sv,
    );
    let over = n > SHORT_DESCRIPTION_MAX;
    f.render_widget(
        Paragraph::new(counter).style(if over { t.error } else { t.dim }),
        cv,
    );
    let (_, v) = split(rows[o + 2]);
    let mut msgs: Vec<Span> = Vec::new();
    if let Some(p) = problem(Field::Short) {
        msgs.push(Span::styled(
            format!("✗ {}: {p}  ", Field::Short.label()),
            t.error,
        ));
    }
    f.render_widget(Paragraph::new(Line::from(msgs)), v);

    // Description.
    let (l, v) = split(rows[o + 3]);
    f.render_widget(label(state, form, Field::Description), l);
    if form.editing.is_some() {
        f.render_widget(Paragraph::new("editing in $EDITOR…").style(t.dim), v);
    } else {
        let ta = textarea(&form.description, form.focus == Field::Description, state);
        let framed = Block::new().borders(Borders::LEFT).border_style(t.border);
        let inner_v = framed.inner(v);
        f.render_widget(framed, v);
        f.render_widget(&ta, inner_v);
    }

    for field in &below {
        let Some(row) = row_of(*field) else { continue };
        let (l, v) = split(row);
        f.render_widget(label(state, form, *field), l);
        match field {
            Field::Category | Field::Subcategory | Field::Risk => {
                let picker = match field {
                    Field::Category => &form.category,
                    Field::Subcategory => &form.subcategory,
                    _ => &form.risk,
                };
                f.render_widget(Paragraph::new(picker_line(picker, state)), v);
            }
            Field::ChangeType => {
                let name = CHANGE_TYPES.get(form.change_type).map_or("", |c| c.1);
                let line = Line::from(vec![
                    Span::styled("◂ ", t.key),
                    Span::raw(name),
                    Span::styled(" ▸", t.key),
                    Span::styled("   standard changes come from a template", t.dim),
                ]);
                f.render_widget(Paragraph::new(line), v);
            }
            Field::Impact | Field::Urgency => {
                let value = if *field == Field::Impact {
                    form.impact
                } else {
                    form.urgency
                };
                let mut spans = vec![
                    Span::styled("◂ ", t.key),
                    Span::raw(level_label(value)),
                    Span::styled(" ▸", t.key),
                ];
                // Incidents and problems take the priority lookup; a change's priority is
                // set on its own, so no priority is promised for it.
                if *field == Field::Urgency && !table.has_change_fields() {
                    let (p, name) = priority(form.impact, form.urgency);
                    spans.push(Span::styled(format!("   → Priority {p} - {name}"), t.title));
                }
                f.render_widget(Paragraph::new(Line::from(spans)), v);
            }
            Field::Group | Field::Assignee => {
                let lookup = if *field == Field::Group {
                    &form.group
                } else {
                    &form.assignee
                };
                let [iv, sv] =
                    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                        .areas(v);
                f.render_widget(&textarea(&lookup.input, form.focus == *field, state), iv);
                f.render_widget(Paragraph::new(Line::from(lookup_status(lookup, state))), sv);
            }
            Field::Caller => {
                f.render_widget(
                    &textarea(&form.caller, form.focus == Field::Caller, state),
                    v,
                );
            }
            Field::Instance | Field::Table | Field::Short | Field::Description => {}
        }
    }

    if let Some(e) = &form.error {
        f.render_widget(Paragraph::new(format!("✗ {e}")).style(t.error), error_row);
    } else if let Some(line) = cached_line(form, state) {
        f.render_widget(Paragraph::new(line).style(t.warn), error_row);
    }
    let k = &state.keymap;
    let mut hints = hint(k.first_key(Action::Submit), "create", t);
    hints.extend(hint(k.first_key(Action::NextField), "next", t));
    hints.extend(hint(k.first_key(Action::Editor), "$EDITOR", t));
    hints.extend(hint(k.first_key(Action::Cancel), "cancel", t));
    f.render_widget(Paragraph::new(Line::from(hints)), hints_row);

    // Suggestions for the focused lookup, drawn over the rows below it.
    let (row, lookup) = match (form.focus, row_of(form.focus)) {
        (Field::Group, Some(row)) => (row, &form.group),
        (Field::Assignee, Some(row)) => (row, &form.assignee),
        _ => return,
    };
    if lookup.results.is_empty() {
        return;
    }
    // As tall as the list (plus its border), on the side of the field with more room: below it,
    // or above it when the screen has more room there; never taller than the screen.
    let want = u16::try_from(lookup.results.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let below = (screen.y + screen.height).saturating_sub(row.y + 1);
    let above = row.y.saturating_sub(screen.y);
    let (top, h) = if want <= below || below >= above {
        (row.y + 1, want.min(below))
    } else {
        let h = want.min(above);
        (row.y - h, h)
    };
    if h < 3 {
        return;
    }
    let n = usize::from(h - 2);
    let x = row.x + LABEL_W;
    let drop = Rect::new(x, top, row.width.saturating_sub(LABEL_W).min(50), h);
    f.render_widget(Clear, drop);
    // The highlighted entry is always on screen.
    let first = lookup.highlight.saturating_sub(n - 1);
    let lines: Vec<Line> = lookup
        .results
        .iter()
        .enumerate()
        .skip(first)
        .take(n)
        .map(|(i, r)| {
            let sel = i == lookup.highlight;
            Line::from(vec![
                Span::styled(
                    if sel { "▌" } else { " " },
                    t.border_focused.remove_modifier(Modifier::REVERSED),
                ),
                Span::raw(r.name.clone()),
            ])
            .style(if sel { t.selected } else { t.text })
        })
        .collect();
    let total = lookup.results.len();
    let title = if total > n {
        format!(" {}/{total} ↑↓ enter picks ", lookup.highlight + 1)
    } else {
        " ↑↓ enter picks ".to_owned()
    };
    let mut block = popup_block(title, t);
    if form.focus == Field::Assignee && form.group.chosen.is_some() {
        let widen = if form.assignee.all_users {
            " ctrl-g: group members only "
        } else {
            " ctrl-g: all users "
        };
        block = block.title_bottom(Line::styled(widen, t.key));
    }
    f.render_widget(Paragraph::new(lines).block(block), drop);
}
