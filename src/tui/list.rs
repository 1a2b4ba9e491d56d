//! The anomaly list as data: rows, a lowercase haystack per row, the sort order, the filtered view,
//! the cursor, the scroll offset and the marks. Built to stay cheap at 100k rows: a filter
//! keystroke that extends the previous filter only re-checks the rows still shown, and rendering
//! reads only the visible window (`window`).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use crate::domain::{AnomalyKey, Status};

use super::backend::AnomalyRow;

/// Sort orders, cycled by the `sort` action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Newest first.
    #[default]
    Detected,
    /// Most severe first, then newest.
    Severity,
    /// Active, acknowledged, archived; then most severe.
    Status,
    Id,
}

impl SortKey {
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Detected => SortKey::Severity,
            SortKey::Severity => SortKey::Status,
            SortKey::Status => SortKey::Id,
            SortKey::Id => SortKey::Detected,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Detected => "newest",
            SortKey::Severity => "severity",
            SortKey::Status => "status",
            SortKey::Id => "id",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListModel {
    rows: Vec<AnomalyRow>,
    hay: Vec<Box<str>>,
    index: HashMap<AnomalyKey, u32>,
    order: Vec<u32>,
    view: Vec<u32>,
    /// The filter `view` reflects, lower-cased.
    filter: String,
    sort: SortKey,
    cursor: usize,
    offset: usize,
    marked: HashSet<AnomalyKey>,
}

fn haystack(r: &AnomalyRow) -> Box<str> {
    let mut s = String::with_capacity(r.id.len() + r.title.len() + 48);
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

fn compare(sort: SortKey, a: &AnomalyRow, b: &AnomalyRow) -> Ordering {
    let sev = |r: &AnomalyRow| r.severity.map_or(u8::MAX, |s| s as u8);
    let by = match sort {
        SortKey::Detected => newest_first(a, b),
        SortKey::Severity => sev(a).cmp(&sev(b)).then_with(|| newest_first(a, b)),
        SortKey::Status => status_rank(a.status)
            .cmp(&status_rank(b.status))
            .then_with(|| sev(a).cmp(&sev(b)))
            .then_with(|| newest_first(a, b)),
        SortKey::Id => Ordering::Equal,
    };
    by.then_with(|| a.id.cmp(&b.id))
        .then_with(|| a.source.cmp(&b.source))
}

/// Whether every whitespace-separated term of `filter` (lower-case) occurs in `hay`.
fn matches(hay: &str, filter: &str) -> bool {
    filter.split_whitespace().all(|t| hay.contains(t))
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
        self.hay = rows.iter().map(haystack).collect();
        self.index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.key.clone(), i as u32))
            .collect();
        self.rows = rows;
        let index = &self.index;
        self.marked.retain(|k| index.contains_key(k));
        self.resort();
        self.refilter_all();
        self.reselect(selected.as_ref());
    }

    fn resort(&mut self) {
        let rows = &self.rows;
        let sort = self.sort;
        self.order = (0..rows.len() as u32).collect();
        self.order
            .sort_unstable_by(|&a, &b| compare(sort, &rows[a as usize], &rows[b as usize]));
    }

    fn refilter_all(&mut self) {
        let (hay, filter) = (&self.hay, self.filter.as_str());
        self.view = if filter.trim().is_empty() {
            self.order.clone()
        } else {
            self.order
                .iter()
                .copied()
                .filter(|&i| matches(&hay[i as usize], filter))
                .collect()
        };
    }

    fn reselect(&mut self, key: Option<&AnomalyKey>) {
        let target = key.and_then(|k| self.index.get(k)).copied();
        self.cursor = target
            .and_then(|t| self.view.iter().position(|&i| i == t))
            .unwrap_or(0);
        self.clamp();
    }

    fn clamp(&mut self) {
        self.cursor = self.cursor.min(self.view.len().saturating_sub(1));
        self.offset = self.offset.min(self.cursor);
    }

    /// Applies a new filter. When it extends the current one, only the rows still shown are
    /// checked again (every match of "abc" also matches "ab").
    pub fn set_filter(&mut self, filter: &str) {
        let new = filter.to_lowercase();
        if new == self.filter {
            return;
        }
        let selected = self.selected().map(|r| r.key.clone());
        if new.starts_with(&self.filter) && !self.filter.trim().is_empty() {
            let hay = &self.hay;
            self.view.retain(|&i| matches(&hay[i as usize], &new));
            self.filter = new;
        } else {
            self.filter = new;
            self.refilter_all();
        }
        self.reselect(selected.as_ref());
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn sort(&self) -> SortKey {
        self.sort
    }

    pub fn cycle_sort(&mut self) {
        let selected = self.selected().map(|r| r.key.clone());
        self.sort = self.sort.next();
        self.resort();
        self.refilter_all();
        self.reselect(selected.as_ref());
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
        if !self.marked.remove(&key) {
            self.marked.insert(key);
        }
        true
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
    pub fn set_status(&mut self, keys: &[AnomalyKey], status: Status) {
        for k in keys {
            if let Some(&i) = self.index.get(k) {
                self.rows[i as usize].status = status;
                self.hay[i as usize] = haystack(&self.rows[i as usize]);
            }
        }
    }

    pub fn set_link_count(&mut self, key: &AnomalyKey, count: usize) {
        if let Some(&i) = self.index.get(key) {
            self.rows[i as usize].link_count = count;
        }
    }
}
