//! What each main-context action does. Also reached from the `:` palette.

use super::super::action::Action;
use super::super::effect::Effect;
use super::super::form::TicketForm;
use super::super::popup::{
    ArchivePicker, CommentComposer, Confirm, LinkDialog, Palette, Pending, Popup,
};
use super::super::state::{DetailView, FilterInput, Level, Pane, RefreshRound, State};
use super::super::ui::layout;
use super::load_detail;

pub fn apply_action(state: &mut State, action: Action) -> Vec<Effect> {
    let page = layout::list_rows(state.size).max(1) as isize;
    match action {
        Action::MoveDown => step(state, 1),
        Action::MoveUp => step(state, -1),
        Action::PageDown => step(state, page),
        Action::PageUp => step(state, -page),
        Action::Top => step(state, isize::MIN / 2),
        Action::Bottom => step(state, isize::MAX / 2),
        Action::NextPane => state.focus = state.focus.next(),
        Action::PrevPane => state.focus = state.focus.prev(),
        Action::Filter => {
            state.focus = Pane::List;
            state.zoomed = false;
            state.filter_input = Some(FilterInput {
                text: super::super::line_edit::LineInput::new(state.list.filter()),
                kept: state.list.filter().to_owned(),
            });
        }
        Action::Sort => state.list.cycle_sort(),
        Action::ReverseSort => state.list.reverse_sort(),
        Action::Hide => state.list.cycle_hide(),
        Action::Open => return open(state),
        Action::Back => back(state),
        Action::Mark => {
            if state.list.toggle_mark() {
                state.list.move_by(1);
            }
        }
        Action::ClearMarks => {
            state.list.clear_marks();
        }
        Action::CreateTicket => {
            if state.list.marked_count() > 0 {
                return super::bulk::load_for_create(state);
            }
            return open_ticket_form(state, false);
        }
        Action::Link => open_link_dialog(state),
        Action::Unlink => unlink(state),
        Action::Acknowledge => return acknowledge(state),
        Action::Archive => {
            let targets = state.list.targets();
            if targets.is_empty() {
                state.toast(Level::Info, "no anomaly selected");
            } else {
                state.popup = Some(Popup::Archive(ArchivePicker {
                    targets,
                    selected: 0,
                }));
            }
        }
        Action::Comment => {
            let targets = state.list.targets();
            if targets.is_empty() {
                state.toast(Level::Info, "no anomaly selected");
            } else {
                let mut text = super::super::line_edit::area("", true);
                text.set_placeholder_text("what happened, what you did…");
                state.popup = Some(Popup::Comment(CommentComposer {
                    targets,
                    marked: state.list.marked_count() > 0,
                    text,
                    editing: None,
                    confirm_discard: false,
                }));
            }
        }
        Action::CopyUrl => return copy_url(state),
        Action::OpenBrowser => return open_browser(state),
        Action::Refresh => return refresh(state),
        Action::Sources => state.popup = Some(Popup::Sources { scroll: 0 }),
        Action::Rules => {
            state.popup = Some(Popup::Rules { scroll: 0 });
            let req = state.busy_req();
            return vec![Effect::LoadRules { req }];
        }
        Action::Palette => state.popup = Some(Popup::Palette(Palette::default())),
        Action::Help => state.popup = Some(Popup::Help(Default::default())),
        Action::Quit => state.quit = true,
        Action::Errors => state.popup = Some(Popup::Errors { scroll: 0 }),
        Action::MarkAll => {
            state.list.mark_all();
        }
        Action::MarkRange => {
            state.list.mark_range();
        }
        Action::InvertMarks => {
            state.list.invert_marks();
        }
        // Form actions have no meaning outside a form.
        Action::Submit
        | Action::Cancel
        | Action::NextField
        | Action::PrevField
        | Action::Editor => {
            state.dirty = false;
        }
    }
    Vec::new()
}

/// `enter`: in the links pane, the selected link's incident view; on an anomaly with exactly one
/// link, that incident's view; otherwise the selected row's detail, full size (the list comes
/// back with `back`).
fn open(state: &mut State) -> Vec<Effect> {
    if state.list.selected().is_none() {
        state.toast(Level::Info, "no anomaly selected");
        return Vec::new();
    }
    let link = match (state.focus, state.links()) {
        (Pane::Links, _) => state.selected_link(),
        (_, [only]) => Some(only),
        _ => None,
    };
    if let Some(incident) = link.map(|l| l.incident.clone()) {
        return super::incident::open(state, incident);
    }
    state.zoomed = true;
    state.focus = Pane::Detail;
    Vec::new()
}

/// `esc`: one level back — the full-size detail, then a focused side pane, then the marks. A
/// kept filter is never dropped by it (`/`, ctrl-u, enter clears it).
fn back(state: &mut State) {
    if state.zoomed {
        state.zoomed = false;
        state.focus = Pane::List;
    } else if state.focus != Pane::List {
        state.focus = Pane::List;
    } else if !state.list.clear_marks() {
        if state.list.filter().is_empty() {
            state.dirty = false;
        } else {
            state.toast(
                Level::Info,
                "the filter stays: / then ctrl-u and enter clears it",
            );
        }
    }
}

/// Moves within the focused pane.
fn step(state: &mut State, delta: isize) {
    match state.focus {
        Pane::List => {
            state.list.move_by(delta);
        }
        Pane::Detail => {
            let d = i32::try_from(delta.clamp(-10_000, 10_000)).unwrap_or(0);
            state.detail_scroll =
                u16::try_from((i32::from(state.detail_scroll) + d).clamp(0, i32::from(u16::MAX)))
                    .unwrap_or(0);
        }
        Pane::Links => {
            let last = state.links().len().saturating_sub(1);
            state.link_cursor = state.link_cursor.saturating_add_signed(delta).min(last);
        }
    }
}

/// Opens the ticket form for the selected anomaly. With an open incident already linked, it
/// asks first (`confirmed` = the user said yes), so a second incident is never made by habit.
pub(super) fn open_ticket_form(state: &mut State, confirmed: bool) -> Vec<Effect> {
    let Some(row) = state.list.selected() else {
        state.toast(Level::Info, "no anomaly selected");
        return Vec::new();
    };
    let key = row.key.clone();
    let detail = match &state.detail {
        Some(DetailView {
            key: k,
            data: Some(d),
            ..
        }) if *k == key => d,
        _ => {
            state.toast(
                Level::Info,
                format!("still loading {}; try again in a moment", row.id),
            );
            return Vec::new();
        }
    };
    let open: Vec<String> = detail
        .links
        .iter()
        .filter(|l| l.is_open())
        .map(|l| l.incident.number.clone())
        .collect();
    if !confirmed && !open.is_empty() {
        state.popup = Some(Popup::Confirm(Confirm {
            question: format!(
                "{} already has an open incident ({}). Create another one?",
                row.id,
                open.join(", ")
            ),
            items: Vec::new(),
            then: Pending::CreateAnother,
        }));
        return Vec::new();
    }
    let form = TicketForm::new(key, detail, &state.info.user);
    let severity = detail.anomaly.severity;
    show_form(state, form, severity)
}

/// Opens `form` with the impact and urgency of `severity` and loads its category choices.
pub(super) fn show_form(
    state: &mut State,
    mut form: TicketForm,
    severity: Option<crate::domain::Severity>,
) -> Vec<Effect> {
    // A critical anomaly must not start at priority 5: the levels follow its severity.
    (form.impact, form.urgency) = state.ticket_defaults.get(severity);
    // The selected instance first: the target unless the user picks another.
    form.instances = state.info.instances.clone();
    if form.instances.is_empty() {
        form.instances.push(state.info.instance.clone());
    }
    form.instance = 0;
    // The defaults are how the form opened, not an edit: Esc still closes it at once.
    form.initial = form.draft();
    let req = state.req();
    form.category.req = Some(req);
    let table = form.table().name().to_owned();
    let form_instance = form.instance_name();
    state.popup = Some(Popup::Ticket(Box::new(form)));
    vec![Effect::LoadChoices {
        req,
        instance: form_instance,
        table,
        element: "category".to_owned(),
        dependent: None,
    }]
}

fn open_link_dialog(state: &mut State) {
    let targets = state.list.targets();
    if targets.is_empty() {
        state.toast(Level::Info, "no anomaly selected");
        return;
    }
    state.popup = Some(Popup::Link(LinkDialog {
        targets,
        query: Default::default(),
        results: Vec::new(),
        selected: 0,
        req: None,
        error: None,
    }));
}

fn unlink(state: &mut State) {
    let Some(link) = state.selected_link().cloned() else {
        state.toast(
            Level::Info,
            "no linked incident selected (Tab to the links pane)",
        );
        return;
    };
    // Unlink acts on one link (the links pane's cursor), never on the marked rows: say so.
    let marks = match state.list.marked_count() {
        0 => String::new(),
        n => format!(" Only this link: the {n} marked rows are not changed."),
    };
    state.popup = Some(Popup::Confirm(Confirm {
        question: format!(
            "Unlink {} from {}? The incident itself is not changed.{marks}",
            link.incident.number, link.anomaly.id
        ),
        items: Vec::new(),
        then: Pending::Unlink {
            anomaly: link.anomaly,
            incident: link.incident,
        },
    }));
}

fn acknowledge(state: &mut State) -> Vec<Effect> {
    let ids = state.list.targets();
    match ids.len() {
        0 => {
            state.toast(Level::Info, "no anomaly selected");
            Vec::new()
        }
        1 => {
            let req = state.busy_req();
            vec![Effect::Ack { req, ids }]
        }
        n => {
            state.popup = Some(Popup::Confirm(Confirm {
                question: format!("Acknowledge {n} marked anomalies?"),
                items: ids.iter().map(|k| k.id.clone()).collect(),
                then: Pending::Ack(ids),
            }));
            Vec::new()
        }
    }
}

fn selected_url(state: &mut State) -> Option<(String, String)> {
    let (Some(link), Some(view)) = (state.selected_link(), state.detail.as_ref()) else {
        state.toast(Level::Info, "no linked incident selected");
        return None;
    };
    let url = view.urls.get(state.link_cursor).cloned()?;
    Some((link.incident.number.clone(), url))
}

fn copy_url(state: &mut State) -> Vec<Effect> {
    let Some((number, url)) = selected_url(state) else {
        return Vec::new();
    };
    // Shown as well as copied: OSC 52 is silently ignored by some terminals.
    state.toast(Level::Info, format!("copied {number}: {url}"));
    vec![Effect::CopyToClipboard { text: url }]
}

fn open_browser(state: &mut State) -> Vec<Effect> {
    if !state.browser {
        state.toast(
            Level::Info,
            "set $BROWSER to open incidents; o copies the URL instead",
        );
        return Vec::new();
    }
    match selected_url(state) {
        Some((_, url)) => vec![Effect::OpenBrowser { url }],
        None => Vec::new(),
    }
}

/// Reloads every row and the selected anomaly's detail from the store (no ServiceNow reads):
/// only at start and when the store's revision went backwards (a new store file).
pub(super) fn reload(state: &mut State) -> Vec<Effect> {
    let req = state.busy_req();
    state.loading = Some(req);
    // A merge in flight would apply older rows over the new load.
    state.merging = None;
    let mut out = vec![Effect::LoadAnomalies { req }];
    if let Some(key) = state.list.selected().map(|r| r.key.clone()) {
        out.push(load_detail(state, key));
    }
    out
}

/// Asks for the rows changed since the list's revision, to merge them (and reloads the selected
/// detail: its comments and link states change without touching the row). When a load is
/// already in flight, the next status poll asks instead.
pub(super) fn update_list(state: &mut State) -> Vec<Effect> {
    if state.loading.is_some() || state.merging.is_some() {
        state.list_stale = true;
        return Vec::new();
    }
    state.list_stale = false;
    // Not a busy request: a live update turns no spinner.
    let req = state.req();
    state.merging = Some(req);
    let mut out = vec![Effect::LoadAnomaliesSince {
        req,
        rev: state.rev,
    }];
    if let Some(key) = state.list.selected().map(|r| r.key.clone()) {
        out.push(load_detail(state, key));
    }
    out
}

/// `r`: poll every source and re-read the linked incidents, side by side. When the sources have
/// answered, the list takes their new rows (a merge); one toast reports both.
pub(super) fn refresh(state: &mut State) -> Vec<Effect> {
    if state.refresh.is_some() {
        state.toast(Level::Info, "still refreshing sources and links…");
        return Vec::new();
    }
    let sources = state.busy_req();
    let links = state.busy_req();
    state.refresh = Some(RefreshRound {
        sources,
        links,
        sources_done: None,
        links_done: None,
    });
    vec![
        Effect::RefreshSources { req: sources },
        Effect::RefreshLinks { req: links },
    ]
}
