//! The list's sort orders: any column, either direction, as one total order (so binary
//! searches over the sorted view stay valid), and the incremental insert that keeps it sorted.

use std::cmp::Ordering;

use crate::domain::Status;

use super::backend::AnomalyRow;

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

/// The datastore, else the source: what the STORE column shows.
pub fn store_of(r: &AnomalyRow) -> &str {
    r.datastore.as_deref().unwrap_or(&r.source)
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

pub(super) fn compare(order: Order, a: &AnomalyRow, b: &AnomalyRow) -> Ordering {
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
pub(super) fn settle(order: Order, by: Ordering, a: &AnomalyRow, b: &AnomalyRow) -> Ordering {
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
pub(super) fn sort_text(key: SortKey, r: &AnomalyRow) -> Option<String> {
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
pub(super) fn insert_sorted(seq: &mut Vec<u32>, add: &[u32], rows: &[AnomalyRow], order: Order) {
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
