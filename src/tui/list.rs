//! The anomaly list as data: rows, a lowercase haystack per row, the sort order, the filtered view,
//! the cursor, the scroll offset and the marks. Built to stay cheap at 100k rows: a filter
//! keystroke that extends the previous filter only re-checks the rows still shown, and rendering
//! reads only the visible window (`window`). Incremental updates (`merge`) replace or insert only
//! the rows that changed, in O(k log n) comparisons and one O(n) copy of the index vectors.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::domain::{AnomalyKey, Status};

use super::backend::AnomalyRow;
pub use super::list_order::{Order, SortKey, store_of};
use super::list_order::{compare, insert_sorted, settle, sort_text};
use super::query::Query;
use super::text::width;

/// Which rows the hide toggle keeps out of the view, whatever the filter says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hide {
    #[default]
    Nothing,
    Archived,
    /// Archived and acknowledged: what is left needs someone.
    Handled,
}

impl Hide {
    pub fn next(self) -> Hide {
        match self {
            Hide::Nothing => Hide::Archived,
            Hide::Archived => Hide::Handled,
            Hide::Handled => Hide::Nothing,
        }
    }

    pub fn hides(self, s: Status) -> bool {
        match self {
            Hide::Nothing => false,
            Hide::Archived => matches!(s, Status::Archived(_)),
            Hide::Handled => s != Status::Active,
        }
    }

    /// For the list title; `None` when nothing is hidden.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Hide::Nothing => None,
            Hide::Archived => Some("archived hidden"),
            Hide::Handled => Some("archived + acknowledged hidden"),
        }
    }
}

/// The widest id, source and store text among the rows (in terminal cells), so columns are as wide as
/// their content and no wider. Grows with merges; recomputed on a reload.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentWidths {
    pub id: usize,
    pub source: usize,
    pub store: usize,
}

impl ContentWidths {
    fn grow(&mut self, r: &AnomalyRow) {
        self.id = self.id.max(width(&r.id));
        self.source = self.source.max(width(&r.source));
        self.store = self.store.max(width(store_of(r)));
    }
}

/// What a [`ListModel::merge`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merged {
    /// Rows the list did not hold before.
    pub new: usize,
    /// Rows it held whose content changed.
    pub changed: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ListModel {
    rows: Vec<AnomalyRow>,
    hay: Vec<Box<str>>,
    index: HashMap<AnomalyKey, u32>,
    order: Vec<u32>,
    view: Vec<u32>,
    /// The filter `view` reflects.
    query: Query,
    hide: Hide,
    sort: Order,
    widths: ContentWidths,
    cursor: usize,
    offset: usize,
    marked: HashSet<AnomalyKey>,
    /// The row marked last: `mark_range` marks from it to the cursor.
    anchor: Option<AnomalyKey>,
    /// Rows that arrived by a merge and have not been selected since.
    fresh: HashSet<AnomalyKey>,
}

fn haystack(r: &AnomalyRow) -> Box<str> {
    let mut s = String::with_capacity(r.id.len() + r.title.len() + 48);
    // In `query::HAY_FIELDS` order.
    for part in [
        r.id.as_str(),
        r.title.as_str(),
        r.source.as_str(),
        r.datastore.as_deref().unwrap_or(""),
        r.severity.map_or("", |s| s.as_str()),
        &r.status.code(),
    ] {
        s.push_str(part);
        s.push('\u{1f}');
    }
    s.to_lowercase().into_boxed_str()
}

impl ListModel {
    pub fn new(rows: Vec<AnomalyRow>) -> ListModel {
        let mut m = ListModel::default();
        m.replace_rows(rows);
        m
    }

    /// Replaces all rows (a reload), keeping the filter, the sort, the marks that still exist and
    /// the selected anomaly when it is still shown.
    pub fn replace_rows(&mut self, rows: Vec<AnomalyRow>) {
        let selected = self.selected().map(|r| r.key.clone());
        // Built when a filter needs it: 100k lower-cased copies cost the first frame ~30 ms.
        self.hay.clear();
        self.index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i as u32))
            .collect();
        self.widths = ContentWidths::default();
        for r in &rows {
            self.widths.grow(r);
        }
        self.rows = rows;
        let index = &self.index;
        self.marked.retain(|k| index.contains_key(k));
        self.fresh.retain(|k| index.contains_key(k));
        if !self.query.is_empty() {
            self.build_hay();
        }
        self.resort();
        self.refilter_all();
        self.reselect(selected.as_ref());
    }

    /// Merges changed rows into the list (an incremental update): a row whose key is known
    /// replaces the old one, in place when its sort position and filter match did not change; a
    /// new one is inserted in sort order and marked new until it is selected. The filter, the
    /// sort, the marks, the selected anomaly (by key) and the scroll offset are kept.
    pub fn merge(&mut self, incoming: Vec<AnomalyRow>) -> Merged {
        self.apply(incoming, true)
    }

    /// Whether row `at` with haystack `hay` is in the view.
    fn shows(&self, row: &AnomalyRow, hay: Option<&str>) -> bool {
        !self.hide.hides(row.status)
            && (self.query.is_empty() || hay.is_some_and(|h| self.query.matches(h, row.link_count)))
    }

    fn apply(&mut self, incoming: Vec<AnomalyRow>, mark_new: bool) -> Merged {
        let selected = self.selected().map(|r| r.key.clone());
        let before = self.rows.len();
        let mut out = Merged::default();
        let mut changed: HashSet<u32> = HashSet::new();
        // Rows held before whose place in `order` or `view` may change: taken out, put back.
        let mut moved: Vec<u32> = Vec::new();
        let mut moving: HashSet<u32> = HashSet::new();
        for row in incoming {
            self.widths.grow(&row);
            if let Some(&i) = self.index.get(&row.key) {
                let at = i as usize;
                if self.rows[at] == row {
                    continue;
                }
                let shown_before = self.shows(&self.rows[at], self.hay.get(at).map(|h| &**h));
                if self.hay_ready() {
                    self.hay[at] = haystack(&row);
                }
                let same_match = shown_before == self.shows(&row, self.hay.get(at).map(|h| &**h));
                let stays =
                    compare(self.sort, &self.rows[at], &row) == Ordering::Equal && same_match;
                self.rows[at] = row;
                // A row added earlier in this batch is placed below with the other new ones.
                if at < before {
                    if changed.insert(i) {
                        out.changed += 1;
                    }
                    if !stays && moving.insert(i) {
                        moved.push(i);
                    }
                }
            } else {
                let i = self.rows.len() as u32;
                self.index.insert(row.key.clone(), i);
                if mark_new {
                    self.fresh.insert(row.key.clone());
                }
                if self.hay_ready() {
                    self.hay.push(haystack(&row));
                }
                self.rows.push(row);
                out.new += 1;
            }
        }
        if moved.is_empty() && out.new == 0 {
            return out;
        }
        if !moved.is_empty() {
            let mut gone = vec![false; before];
            for &i in &moved {
                gone[i as usize] = true;
            }
            self.order.retain(|&i| !gone[i as usize]);
            self.view.retain(|&i| !gone[i as usize]);
        }
        let mut put = moved;
        put.extend(before as u32..self.rows.len() as u32);
        let sort = self.sort;
        let rows = &self.rows;
        put.sort_unstable_by(|&a, &b| compare(sort, &rows[a as usize], &rows[b as usize]));
        insert_sorted(&mut self.order, &put, rows, sort);
        put.retain(|&i| {
            self.shows(
                &self.rows[i as usize],
                self.hay.get(i as usize).map(|h| &**h),
            )
        });
        insert_sorted(&mut self.view, &put, &self.rows, sort);
        // Follow the selected anomaly; when it is no longer shown, stay at the same place.
        if let Some(pos) = selected.as_ref().and_then(|k| self.position(k)) {
            self.cursor = pos;
        }
        self.clamp_keep_offset();
        out
    }

    /// Whether `hay` holds every row's haystack (it is built only once a filter needs it).
    fn hay_ready(&self) -> bool {
        self.hay.len() == self.rows.len()
    }

    fn build_hay(&mut self) {
        if !self.hay_ready() {
            self.hay = self.rows.iter().map(haystack).collect();
        }
    }

    /// Where `key` is in the filtered view (a binary search: the view is in sort order).
    fn position(&self, key: &AnomalyKey) -> Option<usize> {
        let target = &self.rows[*self.index.get(key)? as usize];
        self.view
            .binary_search_by(|&i| compare(self.sort, &self.rows[i as usize], target))
            .ok()
    }

    /// Keeps the cursor on a row and the offset where it was (the caller scrolls the cursor
    /// into view when it moved out of the window).
    fn clamp_keep_offset(&mut self) {
        self.cursor = self.cursor.min(self.view.len().saturating_sub(1));
        self.offset = self.offset.min(self.view.len().saturating_sub(1));
    }

    fn resort(&mut self) {
        let rows = &self.rows;
        let sort = self.sort;
        self.order = (0..rows.len() as u32).collect();
        // A text column is case folded once per row, not twice per comparison: 100k titles
        // sorted by folding in the comparison took 0.7 s. The same folding as `caseless`, so
        // merges (which use `compare`) agree with this order.
        let folded: Option<Vec<String>> = rows.iter().map(|r| sort_text(sort.key, r)).collect();
        match folded {
            Some(keys) => self.order.sort_unstable_by(|&a, &b| {
                let (x, y) = (a as usize, b as usize);
                settle(sort, keys[x].cmp(&keys[y]), &rows[x], &rows[y])
            }),
            None => self
                .order
                .sort_unstable_by(|&a, &b| compare(sort, &rows[a as usize], &rows[b as usize])),
        }
    }

    fn refilter_all(&mut self) {
        self.view = if self.query.is_empty() && self.hide == Hide::Nothing {
            self.order.clone()
        } else {
            self.order
                .iter()
                .copied()
                .filter(|&i| {
                    self.shows(
                        &self.rows[i as usize],
                        self.hay.get(i as usize).map(|h| &**h),
                    )
                })
                .collect()
        };
    }

    fn reselect(&mut self, key: Option<&AnomalyKey>) {
        self.cursor = key.and_then(|k| self.position(k)).unwrap_or(0);
        self.clamp();
    }

    fn clamp(&mut self) {
        self.cursor = self.cursor.min(self.view.len().saturating_sub(1));
        self.offset = self.offset.min(self.cursor);
    }

    /// Applies a new filter (`query.rs`: words, `field:value` terms, `-` to exclude). When it
    /// only narrows the current one, only the rows still shown are checked again.
    pub fn set_filter(&mut self, filter: &str) {
        let new = Query::parse(filter);
        if new.text() == self.query.text() {
            return;
        }
        let selected = self.selected().map(|r| r.key.clone());
        if !new.is_empty() {
            self.build_hay();
        }
        let narrows = new.narrows(&self.query);
        self.query = new;
        if narrows {
            let mut view = std::mem::take(&mut self.view);
            view.retain(|&i| {
                self.shows(
                    &self.rows[i as usize],
                    self.hay.get(i as usize).map(|h| &**h),
                )
            });
            self.view = view;
        } else {
            self.refilter_all();
        }
        self.reselect(selected.as_ref());
    }

    /// The filter text as typed, lower-cased.
    pub fn filter(&self) -> &str {
        self.query.text()
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    pub fn hide(&self) -> Hide {
        self.hide
    }

    /// Cycles the hide toggle: nothing, archived, archived and acknowledged.
    pub fn cycle_hide(&mut self) {
        let selected = self.selected().map(|r| r.key.clone());
        self.hide = self.hide.next();
        self.refilter_all();
        self.reselect(selected.as_ref());
    }

    pub fn sort(&self) -> Order {
        self.sort
    }

    /// Sorts by the next column (in its natural direction).
    pub fn cycle_sort(&mut self) {
        self.set_sort(Order {
            key: self.sort.key.next(),
            reverse: false,
        });
    }

    /// Flips the direction of the current sort.
    pub fn reverse_sort(&mut self) {
        self.set_sort(Order {
            reverse: !self.sort.reverse,
            ..self.sort
        });
    }

    pub fn set_sort(&mut self, order: Order) {
        let selected = self.selected().map(|r| r.key.clone());
        self.sort = order;
        self.resort();
        self.refilter_all();
        self.reselect(selected.as_ref());
    }

    pub fn widths(&self) -> ContentWidths {
        self.widths
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    pub fn shown(&self) -> usize {
        self.view.len()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn offset(&self) -> usize {
        self.offset
    }

    pub fn selected(&self) -> Option<&AnomalyRow> {
        self.view.get(self.cursor).map(|&i| &self.rows[i as usize])
    }

    pub fn row(&self, key: &AnomalyKey) -> Option<&AnomalyRow> {
        self.index.get(key).map(|&i| &self.rows[i as usize])
    }

    /// Moves the cursor by `delta` rows (clamped); returns whether it moved.
    pub fn move_by(&mut self, delta: isize) -> bool {
        let before = self.cursor;
        let last = self.view.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.cursor != before
    }

    pub fn move_to(&mut self, pos: usize) -> bool {
        let before = self.cursor;
        self.cursor = pos.min(self.view.len().saturating_sub(1));
        self.cursor != before
    }

    /// Scrolls so the cursor is inside a window of `height` rows, moving as little as possible.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        let max_offset = self.view.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// The rows of the visible window starting at the scroll offset, with their view position.
    pub fn window(&self, height: usize) -> impl Iterator<Item = (usize, &AnomalyRow)> {
        let end = (self.offset + height).min(self.view.len());
        let start = self.offset.min(end);
        self.view[start..end]
            .iter()
            .enumerate()
            .map(move |(n, &i)| (start + n, &self.rows[i as usize]))
    }

    pub fn toggle_mark(&mut self) -> bool {
        let Some(key) = self.selected().map(|r| r.key.clone()) else {
            return false;
        };
        if self.marked.remove(&key) {
            if self.anchor.as_ref() == Some(&key) {
                self.anchor = None;
            }
        } else {
            self.marked.insert(key.clone());
            self.anchor = Some(key);
        }
        true
    }

    /// The keys of the rows shown (filtered), in view order.
    fn shown_keys(&self) -> impl Iterator<Item = &AnomalyKey> {
        self.view.iter().map(|&i| &self.rows[i as usize].key)
    }

    /// Marks every row shown (the filter decides which). Returns how many were newly marked.
    pub fn mark_all(&mut self) -> usize {
        let keys: Vec<AnomalyKey> = self.shown_keys().cloned().collect();
        let before = self.marked.len();
        self.marked.extend(keys);
        self.marked.len() - before
    }

    /// Marks the shown rows from the last marked row to the cursor, both included (just the
    /// cursor row when no row is marked or the last marked one is not shown). Returns how many
    /// were newly marked.
    pub fn mark_range(&mut self) -> usize {
        let Some(cursor) = self.view.get(self.cursor).map(|_| self.cursor) else {
            return 0;
        };
        let from = self
            .anchor
            .as_ref()
            .and_then(|k| self.position(k))
            .unwrap_or(cursor);
        let (lo, hi) = (from.min(cursor), from.max(cursor));
        let keys: Vec<AnomalyKey> = self.view[lo..=hi]
            .iter()
            .map(|&i| self.rows[i as usize].key.clone())
            .collect();
        let before = self.marked.len();
        self.marked.extend(keys);
        self.anchor = self.selected().map(|r| r.key.clone());
        self.marked.len() - before
    }

    /// Marks the shown rows that are not marked and unmarks those that are (rows hidden by the
    /// filter keep their marks). Returns how many rows are marked afterwards.
    pub fn invert_marks(&mut self) -> usize {
        let keys: Vec<AnomalyKey> = self.shown_keys().cloned().collect();
        for k in keys {
            if !self.marked.remove(&k) {
                self.marked.insert(k);
            }
        }
        if self
            .anchor
            .as_ref()
            .is_some_and(|k| !self.marked.contains(k))
        {
            self.anchor = None;
        }
        self.marked.len()
    }

    pub fn is_marked(&self, key: &AnomalyKey) -> bool {
        self.marked.contains(key)
    }

    pub fn marked_count(&self) -> usize {
        self.marked.len()
    }

    pub fn clear_marks(&mut self) -> bool {
        let had = !self.marked.is_empty();
        self.marked.clear();
        self.anchor = None;
        had
    }

    /// The marked anomalies in list order, else the selected one.
    pub fn targets(&self) -> Vec<AnomalyKey> {
        if self.marked.is_empty() {
            return self.selected().map(|r| r.key.clone()).into_iter().collect();
        }
        let mut keys: Vec<(u32, AnomalyKey)> = self
            .marked
            .iter()
            .filter_map(|k| self.index.get(k).map(|&i| (i, k.clone())))
            .collect();
        keys.sort_unstable_by_key(|(i, _)| *i);
        keys.into_iter().map(|(_, k)| k).collect()
    }

    /// Records a status change locally (the backend has it; this avoids reloading 100k rows).
    /// The rows move when the sort or the filter depends on the status.
    pub fn set_status(&mut self, keys: &[AnomalyKey], status: Status) {
        let rows = keys
            .iter()
            .filter_map(|k| self.row(k))
            .map(|r| AnomalyRow {
                status,
                ..r.clone()
            })
            .collect();
        self.apply(rows, false);
    }

    /// Whether the row arrived by a merge and has not been selected since.
    pub fn is_new(&self, key: &AnomalyKey) -> bool {
        self.fresh.contains(key)
    }

    /// Rows marked new.
    pub fn new_count(&self) -> usize {
        self.fresh.len()
    }

    /// The selected row has been seen: clears its new marker. Returns whether it had one.
    pub fn see_selected(&mut self) -> bool {
        if self.fresh.is_empty() {
            return false;
        }
        match self.view.get(self.cursor) {
            Some(&i) => self.fresh.remove(&self.rows[i as usize].key),
            None => false,
        }
    }

    pub fn set_link_count(&mut self, key: &AnomalyKey, count: usize) {
        if let Some(&i) = self.index.get(key) {
            self.rows[i as usize].link_count = count;
        }
    }
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
