//! Status-change detection between two polls (pure). The API has no change feed, so each poll
//! compares what it reads with the snapshot kept from the last one (docs/sources-qualytics.md,
//! "Status changes").

use std::collections::HashMap;

use super::model::QualyticsAnomaly;
use super::model::QualyticsStatus;

/// What is kept of an anomaly between polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: u64,
    pub status: QualyticsStatus,
    /// Hash of the fields a person edits (status, assignees, tags, description, weight).
    pub rev: u64,
    /// The status snowlink itself last wrote (acknowledge, reopen, archive), so its own write
    /// seen again is marked `ours` and a `Resolved` it asked for is not taken as auto-resolve.
    pub requested: Option<QualyticsStatus>,
}

impl Snapshot {
    pub fn of(a: &QualyticsAnomaly) -> Snapshot {
        Snapshot {
            id: a.id,
            status: a.status,
            rev: revision(a),
            requested: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Not in the previous snapshot.
    New { status: QualyticsStatus },
    /// Active → Acknowledged.
    Acknowledged,
    /// Acknowledged → Active.
    Unacknowledged,
    /// Open → archived with this reason, by snowlink or by someone in Qualytics.
    Archived { reason: QualyticsStatus },
    /// Open → Resolved that snowlink did not ask for: a full scan's auto-resolve (or a person in
    /// the Qualytics UI: the API does not say who).
    AutoResolved,
    /// Archived → Active: a scan found the anomaly again.
    Reactivated { was: QualyticsStatus },
    /// Archived → Acknowledged: the UI's Restore.
    Restored { was: QualyticsStatus },
    /// Archived with one reason → another (a retried archive, or a scan marking `Duplicate`).
    ReasonChanged {
        was: QualyticsStatus,
        now: QualyticsStatus,
    },
    /// Same status, but tags, assignees, description or weight changed.
    Edited,
    /// Open before and not read now (deleted, see `StatusPoll::deleted`).
    Vanished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusChange {
    pub id: u64,
    pub kind: ChangeKind,
    /// The new status is the one snowlink requested (its own write-back seen again).
    pub ours: bool,
}

/// The changes from `previous` to `now`, in `now` order, then vanished ones in `previous` order.
/// Anomalies missing from `now` that were archived before are not reported (archived history
/// is not re-read).
pub fn diff(previous: &[Snapshot], now: &[QualyticsAnomaly]) -> Vec<StatusChange> {
    use QualyticsStatus::{Acknowledged, Active, Resolved};
    let before: HashMap<u64, &Snapshot> = previous.iter().map(|s| (s.id, s)).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for a in now {
        if !seen.insert(a.id) {
            continue;
        }
        let Some(prev) = before.get(&a.id) else {
            out.push(StatusChange {
                id: a.id,
                kind: ChangeKind::New { status: a.status },
                ours: false,
            });
            continue;
        };
        let ours = prev.requested == Some(a.status);
        let kind = match (prev.status, a.status) {
            (was, now) if was == now => {
                if prev.rev == revision(a) {
                    continue;
                }
                ChangeKind::Edited
            }
            (Active, Acknowledged) => ChangeKind::Acknowledged,
            (Acknowledged, Active) => ChangeKind::Unacknowledged,
            (was, Resolved) if was.is_open() && !ours => ChangeKind::AutoResolved,
            (was, reason) if was.is_open() => ChangeKind::Archived { reason },
            (was, Active) => ChangeKind::Reactivated { was },
            (was, Acknowledged) => ChangeKind::Restored { was },
            (was, now) => ChangeKind::ReasonChanged { was, now },
        };
        out.push(StatusChange {
            id: a.id,
            kind,
            ours,
        });
    }
    for prev in previous {
        if prev.status.is_open() && !seen.contains(&prev.id) {
            out.push(StatusChange {
                id: prev.id,
                kind: ChangeKind::Vanished,
                ours: false,
            });
        }
    }
    out
}

/// FNV-1a over the editable fields: stable across runs and Rust versions (it may be stored),
/// unlike `std`'s hasher.
pub fn revision(a: &QualyticsAnomaly) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(a.status.as_str().as_bytes());
    let mut assignees: Vec<u64> = a.assignees.iter().map(|u| u.id).collect();
    assignees.sort_unstable();
    for id in assignees {
        eat(&id.to_le_bytes());
    }
    eat(b"tags");
    let mut tags: Vec<&str> = a.global_tags.iter().map(|t| t.name.as_str()).collect();
    tags.sort_unstable();
    for t in tags {
        eat(t.as_bytes());
    }
    eat(a.description.as_deref().unwrap_or("").as_bytes());
    eat(&a.weight.unwrap_or(0.0).to_bits().to_le_bytes());
    h
}

#[cfg(test)]
#[path = "diff_tests.rs"]
mod tests;
