//! Tests of the list model: merges equal a rebuild under every order, filter and hide setting.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::{ArchiveReason, Severity};
use crate::tui::test_support::{ago, row, rows};

fn ids(m: &ListModel) -> Vec<String> {
    m.view
        .iter()
        .map(|&i| m.rows[i as usize].id.clone())
        .collect()
}

/// The same rows loaded from scratch, with the same sort and filter.
fn rebuilt(m: &ListModel) -> ListModel {
    let mut fresh = ListModel::default();
    fresh.set_sort(m.sort());
    fresh.hide = m.hide;
    fresh.set_filter(m.filter());
    fresh.replace_rows(m.rows.clone());
    fresh
}

#[test]
fn merge_matches_a_rebuild_under_every_sort_and_filter() {
    let filters = [
        "",
        "null",
        "postgres",
        "arc",
        "sev:crit",
        "-null linked:no",
        "status:open",
    ];
    for (sort_steps, filter, hide) in (0..16).flat_map(|s| {
        filters
            .iter()
            .flat_map(move |f| [Hide::Nothing, Hide::Archived, Hide::Handled].map(|h| (s, *f, h)))
    }) {
        {
            let mut m = ListModel::new(rows(40));
            m.set_sort(Order {
                key: SortKey::ALL[sort_steps % 8],
                reverse: sort_steps >= 8,
            });
            while m.hide() != hide {
                m.cycle_hide();
            }
            m.set_filter(filter);
            let mut batch = Vec::new();
            // Changed in place, moved by the sort, moved out of (or into) the filter, new.
            let mut a = row(3);
            a.link_count = 7;
            batch.push(a);
            let mut b = row(10);
            b.severity = Some(Severity::Critical);
            b.detected_at = Some(ago(-60));
            batch.push(b);
            let mut c = row(0);
            c.title = "Null values everywhere".into();
            c.status = Status::Archived(ArchiveReason::Invalid);
            batch.push(c);
            for i in 100..105 {
                batch.push(row(i));
            }
            // A key twice in one batch: the later one wins.
            let mut d = row(102);
            d.title = "second version".into();
            batch.push(d);
            let got = m.merge(batch);
            assert_eq!(
                got,
                Merged { new: 5, changed: 3 },
                "sort {sort_steps} {filter} {hide:?}"
            );
            assert_eq!(
                ids(&m),
                ids(&rebuilt(&m)),
                "sort {sort_steps} {filter:?} {hide:?}"
            );
            assert_eq!(m.total(), 45);
        }
    }
}

#[test]
fn merge_keeps_selection_marks_and_offset_and_marks_new_rows() {
    let mut m = ListModel::new(rows(30));
    m.move_to(10);
    m.scroll_into_view(5);
    let offset = m.offset();
    m.toggle_mark();
    let selected = m.selected().unwrap().key.clone();
    // Two newer rows arrive (they sort first), one old row changes.
    let mut newer = row(200);
    newer.detected_at = Some(ago(-10));
    let mut newest = row(201);
    newest.detected_at = Some(ago(-20));
    let mut changed = row(10);
    changed.title = "retitled".into();
    let got = m.merge(vec![newer, newest, changed]);
    assert_eq!(got, Merged { new: 2, changed: 1 });
    assert_eq!(m.selected().unwrap().key, selected);
    assert_eq!(m.selected().unwrap().title, "retitled");
    assert_eq!(m.cursor(), 12);
    assert_eq!(m.offset(), offset);
    assert!(m.is_marked(&selected));
    assert_eq!(m.new_count(), 2);
    assert!(m.is_new(&row(200).key) && !m.is_new(&selected));
    assert_eq!(ids(&m)[..2], ["A-1201", "A-1200"]);
    // Selecting a new row clears its marker.
    m.move_to(0);
    assert!(m.see_selected());
    assert_eq!(m.new_count(), 1);
    assert!(!m.see_selected());
}

#[test]
fn an_unchanged_row_is_not_counted() {
    let mut m = ListModel::new(rows(5));
    assert_eq!(m.merge(vec![row(1), row(2)]), Merged::default());
    assert_eq!(m.new_count(), 0);
}

#[test]
fn selected_row_filtered_out_by_a_merge_keeps_the_cursor_in_place() {
    let mut m = ListModel::new(rows(20));
    m.set_filter("null");
    let shown = m.shown();
    m.move_to(1);
    let mut out = m.selected().unwrap().clone();
    out.title = "no longer matching".into();
    m.merge(vec![out]);
    assert_eq!(m.shown(), shown - 1);
    assert_eq!(m.cursor(), 1);
}

#[test]
fn status_change_moves_the_row_under_the_status_sort() {
    let mut m = ListModel::new(rows(9));
    m.set_sort(Order {
        key: SortKey::Status,
        reverse: false,
    });
    let first = m.selected().unwrap().key.clone();
    m.set_status(
        std::slice::from_ref(&first),
        Status::Archived(ArchiveReason::Resolved),
    );
    assert_eq!(ids(&m), ids(&rebuilt(&m)));
    assert_eq!(m.selected().unwrap().key, first, "the cursor follows it");
    assert_eq!(m.new_count(), 0);
}
