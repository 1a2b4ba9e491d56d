//! Rendering: a pure read of `&State` into a frame. One file per pane or popup.

pub mod layout;

mod archive;
mod columns;
mod comment;
mod confirm;
mod detail;
mod errors;
mod help;
mod incident;
mod link_dialog;
mod links;
mod list;
mod palette;
mod rules;
mod sources;
mod status_bar;
mod ticket_form;
mod toasts;
mod too_small;
mod widgets;

use ratatui::Frame;

use super::popup::Popup;
use super::state::State;

pub use help::lines as help_lines;

pub fn render(state: &State, f: &mut Frame) {
    if state.too_small() {
        too_small::render(state, f);
        return;
    }
    let screen = f.area();
    let a = if state.zoomed || state.incident.is_some() {
        layout::zoomed(screen)
    } else {
        layout::areas(screen)
    };
    if let Some(view) = &state.incident {
        // Over the detail and links areas together: the whole screen above the status bar.
        let main = a.detail.union(a.links);
        incident::render(state, f, main, view);
    } else {
        if !state.zoomed {
            list::render(state, f, a.list);
        }
        detail::render(state, f, a.detail);
        links::render(state, f, a.links);
    }
    status_bar::render(state, f, a.status);
    match &state.popup {
        None => {}
        Some(Popup::Help(h)) => help::render(state, f, screen, h),
        Some(Popup::Sources { scroll }) => sources::render(state, f, screen, *scroll),
        Some(Popup::Rules { scroll }) => rules::render(state, f, screen, *scroll),
        Some(Popup::Errors { scroll }) => errors::render(state, f, screen, *scroll),
        Some(Popup::Palette(p)) => palette::render(state, f, screen, p),
        Some(Popup::Ticket(form)) => ticket_form::render(state, f, screen, form),
        Some(Popup::Link(d)) => link_dialog::render(state, f, screen, d),
        Some(Popup::Confirm(c)) => confirm::render(state, f, screen, c),
        Some(Popup::Archive(p)) => archive::render(state, f, screen, p),
        Some(Popup::Comment(c)) => comment::render(state, f, screen, c),
    }
    toasts::render(state, f, screen);
}
