//! How wide each list column is (docs/dashboard.md §Columns). The title takes whatever the other
//! columns leave. When that is too little, the other columns give up room first — the long date
//! becomes a short one, then store, source and id shrink to their minimum — and only then are
//! whole columns dropped (store, source, detected, links, severity, in that order). The id and
//! the title are never dropped.

use crate::config::ListColumn;

use super::super::list::ContentWidths;

/// The title is squeezed only below this many cells (or a third of the row, when wider).
const TITLE_WANTS: usize = 28;
/// The row starts with the selection bar (or the new marker) and the mark.
pub const LEAD: usize = 2;

/// A column as drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Col {
    pub kind: ListColumn,
    pub width: usize,
}

/// Whether the detected column shows the year (`2026-11-23 10:30`) or not (`11-23 10:30`).
pub const LONG_DATE: usize = 16;
pub const SHORT_DATE: usize = 11;

/// (preferred, minimum) width of a column other than the title.
fn bounds(kind: ListColumn, w: ContentWidths) -> (usize, usize) {
    // Content width, within limits; never narrower than the header.
    let fit = |content: usize, header: usize, max: usize| content.clamp(header, max);
    match kind {
        ListColumn::Status => (6, 6),
        ListColumn::Severity => (4, 4),
        ListColumn::Id => {
            let pref = fit(w.id, 2, 20);
            (pref, pref.min(8))
        }
        ListColumn::Source => {
            let pref = fit(w.source, 6, 20);
            (pref, pref.min(8))
        }
        ListColumn::Store => {
            let pref = fit(w.store, 5, 24);
            (pref, pref.min(8))
        }
        ListColumn::Detected => (LONG_DATE, SHORT_DATE),
        ListColumn::Links => (2, 2),
        ListColumn::Title => (0, 0),
    }
}

/// The columns to draw in a row `inner` cells wide, with their widths, in configured order.
pub fn layout(configured: &[ListColumn], inner: usize, content: ContentWidths) -> Vec<Col> {
    let mut cols: Vec<Col> = configured
        .iter()
        .map(|&kind| Col {
            kind,
            width: bounds(kind, content).0,
        })
        .collect();
    let wants = TITLE_WANTS.max(inner / 3);
    let has_title = cols.iter().any(|c| c.kind == ListColumn::Title);
    let used = |cols: &[Col]| -> usize {
        // One space between columns.
        LEAD + cols
            .iter()
            .filter(|c| c.kind != ListColumn::Title)
            .map(|c| c.width + 1)
            .sum::<usize>()
    };
    let room = |cols: &[Col]| inner.saturating_sub(used(cols));
    let short = |cols: &[Col]| has_title && room(cols) < wants;
    // Shrink, in order, until the title has what it wants.
    for kind in [
        ListColumn::Detected,
        ListColumn::Store,
        ListColumn::Source,
        ListColumn::Id,
    ] {
        if !short(&cols) {
            break;
        }
        let deficit = wants.saturating_sub(room(&cols));
        if let Some(c) = cols.iter_mut().find(|c| c.kind == kind) {
            let min = bounds(kind, content).1;
            // A date is either long or short; the others give up only what is missing.
            c.width = if kind == ListColumn::Detected {
                min
            } else {
                c.width.saturating_sub(deficit).max(min)
            };
        }
    }
    // Then drop, in order, while the title has less than its minimum.
    // A third of the row: at 60 columns the store goes before the title is cut to a word.
    let title_min = (inner / 3).max(6);
    for kind in [
        ListColumn::Store,
        ListColumn::Source,
        ListColumn::Detected,
        ListColumn::Links,
        ListColumn::Severity,
    ] {
        if !has_title || room(&cols) >= title_min {
            break;
        }
        cols.retain(|c| c.kind != kind);
    }
    let title = room(&cols);
    for c in &mut cols {
        if c.kind == ListColumn::Title {
            c.width = title;
        }
    }
    if !has_title {
        // Without a title the last column takes the rest.
        let spare = room(&cols);
        if let Some(last) = cols.last_mut() {
            last.width += spare;
        }
    }
    cols
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn widths() -> ContentWidths {
        ContentWidths {
            id: 6,
            source: 12,
            store: 18,
        }
    }

    fn of(cols: &[Col], kind: ListColumn) -> Option<usize> {
        cols.iter().find(|c| c.kind == kind).map(|c| c.width)
    }

    fn total(cols: &[Col]) -> usize {
        LEAD + cols.iter().map(|c| c.width + 1).sum::<usize>() - 1
    }

    #[test]
    fn the_title_takes_the_free_width_and_the_others_fit_their_content() {
        let cols = layout(&ListColumn::defaults(), 160, widths());
        assert_eq!(of(&cols, ListColumn::Id), Some(6));
        assert_eq!(of(&cols, ListColumn::Store), Some(18));
        assert_eq!(of(&cols, ListColumn::Detected), Some(LONG_DATE));
        assert_eq!(
            of(&cols, ListColumn::Title),
            Some(160 - 2 - (6 + 4 + 6 + 18 + 16 + 2) - 6)
        );
        assert_eq!(total(&cols), 160);
    }

    #[test]
    fn narrow_rows_shrink_the_fixed_columns_before_the_title() {
        // The list pane at 120 columns is 76 cells inside.
        let cols = layout(&ListColumn::defaults(), 76, widths());
        assert_eq!(of(&cols, ListColumn::Detected), Some(SHORT_DATE));
        // The store gives up only what the title misses.
        assert_eq!(of(&cols, ListColumn::Store), Some(11));
        assert_eq!(of(&cols, ListColumn::Title), Some(28), "{cols:?}");
        // 60 columns: the store goes rather than cut the title to a word.
        let cols = layout(&ListColumn::defaults(), 58, widths());
        assert_eq!(cols.len(), 6, "{cols:?}");
        assert_eq!(of(&cols, ListColumn::Store), None);
        assert_eq!(of(&cols, ListColumn::Title), Some(22), "{cols:?}");
        // Very narrow: columns go, the id and title stay.
        let cols = layout(&ListColumn::defaults(), 30, widths());
        assert!(of(&cols, ListColumn::Id).is_some() && of(&cols, ListColumn::Title).is_some());
        assert!(of(&cols, ListColumn::Store).is_none());
        assert!(total(&cols) <= 30, "{cols:?}");
    }

    #[test]
    fn configured_columns_are_drawn_in_their_order() {
        let cfg = [ListColumn::Id, ListColumn::Source, ListColumn::Title];
        let cols = layout(&cfg, 80, widths());
        let kinds: Vec<_> = cols.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, cfg);
        assert_eq!(of(&cols, ListColumn::Source), Some(12));
        assert_eq!(total(&cols), 80);
    }
}
