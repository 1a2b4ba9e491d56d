//! Where each pane goes. `update` uses the same arithmetic to know how many list rows are shown.
//!
//! Narrow (< 120 columns):            Wide (≥ 120 columns):
//! ┌ Anomalies ─────────────────┐     ┌ Anomalies ───────┐┌ Detail ─────┐
//! │ header / rows              │     │                  ││             │
//! └────────────────────────────┘     │                  │└─────────────┘
//! ┌ Detail ──────┐┌ Links ─────┐     │                  │┌ Links ──────┐
//! └──────────────┘└────────────┘     └──────────────────┘└─────────────┘
//!  status bar                          status bar

use ratatui::layout::{Constraint, Layout, Rect};

pub const WIDE: u16 = 120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub list: Rect,
    pub detail: Rect,
    pub links: Rect,
    pub status: Rect,
}

pub fn areas(screen: Rect) -> Areas {
    let [main, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(screen);
    if screen.width >= WIDE {
        let [list, right] =
            Layout::horizontal([Constraint::Percentage(65), Constraint::Percentage(35)])
                .areas(main);
        let [detail, links] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(right);
        Areas {
            list,
            detail,
            links,
            status,
        }
    } else {
        let [list, bottom] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(main);
        let [detail, links] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(bottom);
        Areas {
            list,
            detail,
            links,
            status,
        }
    }
}

/// The detail opened full size (`open`): the list gives its room to the detail, the links stay
/// below it; the list keeps its place and comes back with `back`.
pub fn zoomed(screen: Rect) -> Areas {
    let [main, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(screen);
    let [detail, links] =
        Layout::vertical([Constraint::Percentage(70), Constraint::Percentage(30)]).areas(main);
    Areas {
        list: Rect::new(main.x, main.y, 0, 0),
        detail,
        links,
        status,
    }
}

/// Data rows the list shows at this terminal size (borders and the header row excluded).
pub fn list_rows(size: (u16, u16)) -> usize {
    let a = areas(Rect::new(0, 0, size.0, size.1));
    usize::from(a.list.height.saturating_sub(3))
}

/// Lines inside a pane's border.
pub fn inner_rows(r: Rect) -> usize {
    usize::from(r.height.saturating_sub(2))
}
