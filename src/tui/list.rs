//! The anomaly list as data: rows, a lowercase haystack per row, the sort order, the filtered view,
//! the cursor, the scroll offset and the marks. Built to stay cheap at 100k rows: a filter
//! keystroke that extends the previous filter only re-checks the rows still shown, and rendering
//! reads only the visible window (`window`). Incremental updates (`merge`) replace or insert only
//! the rows that changed, in O(k log n) comparisons and one O(n) copy of the index vectors.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::domain::{AnomalyKey, Status};

use super::backend::AnomalyRow;
use super::query::Query;
use super::text::width;

/// The column the list is sorted by, cycled by the `sort` action; `sort_reverse` flips it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Newest first.
    #[default]
    Detected,
    /// Most severe first, then newest.
    Severity,
    /// Active, acknowledged, archived; then most severe.
    Status,
    /// In natural order (`A-2` before `A-10`).
    Id,
    Title,
    Source,
    /// The datastore (the source when there is none).
    Store,
    /// Most links first.
    Links,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Detected,
        SortKey::Severity,
        SortKey::Status,
        SortKey::Id,
        SortKey::Title,
        SortKey::Source,
        SortKey::Store,
        SortKey::Links,
    ];

    pub fn next(self) -> SortKey {
        let at = SortKey::ALL.iter().position(|k| *k == self).unwrap_or(0);
        SortKey::ALL[(at + 1) % SortKey::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Detected => "newest",
            SortKey::Severity => "severity",
            SortKey::Status => "status",
            SortKey::Id => "id",
            SortKey::Title => "title",
            SortKey::Source => "source",
            SortKey::Store => "store",
            SortKey::Links => "links",
        }
    }
}

/// A sort column and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Order {
    pub key: SortKey,
    /// The column's natural direction (newest, most severe, A→Z, most links first) flipped.
    pub reverse: bool,
}

impl Order {
    /// For the list title: `newest`, `oldest`, `title (reversed)`.
    pub fn label(self) -> String {
        if self.reverse && self.key == SortKey::Detected {
            "oldest".to_owned()
        } else if self.reverse {
            format!("{} (reversed)", self.key.label())
        } else {
            self.key.label().to_owned()
        }
    }
}

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

/// The datastore, else the source: what the STORE column shows.
pub fn store_of(r: &AnomalyRow) -> &str {
    r.datastore.as_deref().unwrap_or(&r.source)
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

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Active => 0,
        Status::Acknowledged => 1,
        Status::Archived(_) => 2,
    }
}

fn newest_first(a: &AnomalyRow, b: &AnomalyRow) -> Ordering {
    // `None` sorts last: Option orders None first, so compare reversed.
    b.detected_at.cmp(&a.detected_at)
}

fn compare(order: Order, a: &AnomalyRow, b: &AnomalyRow) -> Ordering {
    let sev = |r: &AnomalyRow| r.severity.map_or(u8::MAX, |s| s as u8);
    let by = match order.key {
        SortKey::Detected => newest_first(a, b),
        SortKey::Severity => sev(a).cmp(&sev(b)).then_with(|| newest_first(a, b)),
        SortKey::Status => status_rank(a.status)
            .cmp(&status_rank(b.status))
            .then_with(|| sev(a).cmp(&sev(b)))
            .then_with(|| newest_first(a, b)),
        SortKey::Id => Ordering::Equal,
        SortKey::Title => caseless(&a.title, &b.title),
        SortKey::Source => caseless(&a.source, &b.source),
        SortKey::Store => caseless(store_of(a), store_of(b)),
        SortKey::Links => b.link_count.cmp(&a.link_count),
    };
    settle(order, by, a, b)
}

/// Breaks a tie of the sort column the same way for every sort, giving one total order
/// (reversed as a whole), so binary searches over the view stay valid.
fn settle(order: Order, by: Ordering, a: &AnomalyRow, b: &AnomalyRow) -> Ordering {
    let total = by
        .then_with(|| natural(&a.id, &b.id))
        .then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.source.cmp(&b.source));
    if order.reverse {
        total.reverse()
    } else {
        total
    }
}

/// The text a text column sorts by, case folded exactly as [`caseless`] compares it.
fn sort_text(key: SortKey, r: &AnomalyRow) -> Option<String> {
    let text = match key {
        SortKey::Title => &r.title,
        SortKey::Source => &r.source,
        SortKey::Store => store_of(r),
        _ => return None,
    };
    Some(text.chars().flat_map(char::to_lowercase).collect())
}

/// Case-insensitive, without allocating (a sort makes n log n of these).
fn caseless(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

/// Runs of digits compare by value: `A-2` before `A-10`.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (n, m) = (digits(x), digits(y));
                let (dx, dy) = (significant(&x[..n]), significant(&y[..m]));
                let by = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(dy));
                if by != Ordering::Equal {
                    return by;
                }
                x = &x[n..];
                y = &y[m..];
            }
            (Some(c), Some(d)) if c != d => return c.cmp(d),
            _ => {
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

/// The digits without their leading zeros.
fn significant(s: &[u8]) -> &[u8] {
    let zeros = s.iter().take_while(|c| **c == b'0').count();
    &s[zeros..]
}

/// Inserts `add` (sorted by `order`) into `seq` (sorted the same way): a binary search per added
/// row and one copy of `seq`, so O(k log n) comparisons however many rows arrive.
fn insert_sorted(seq: &mut Vec<u32>, add: &[u32], rows: &[AnomalyRow], order: Order) {
    if add.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(seq.len() + add.len());
    let mut from = 0;
    for &x in add {
        let new = &rows[x as usize];
        let at = from
            + seq[from..]
                .partition_point(|&s| compare(order, &rows[s as usize], new) == Ordering::Less);
        out.extend_from_slice(&seq[from..at]);
        out.push(x);
        from = at;
    }
    out.extend_from_slice(&seq[from..]);
    *seq = out;
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
mod tests {
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
            filters.iter().flat_map(move |f| {
                [Hide::Nothing, Hide::Archived, Hide::Handled].map(|h| (s, *f, h))
            })
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
}
