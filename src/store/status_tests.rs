#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::domain::ArchiveReason;
use crate::store::test_support::{key, link, open_temp, reopen, seed, t};
use crate::store::{OutboxFilter, StoreError};

#[test]
fn status_change_writes_history_and_one_note_per_live_link() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1"]);
    link(&mut s, "A-1", "s1");
    link(&mut s, "A-1", "s2");
    link(&mut s, "A-1", "s3");
    s.mark_link_broken("prod", "s3", "HTTP 404").unwrap();

    let c = s
        .record_status_change(&key("A-1"), Status::Acknowledged, "ann", t(5))
        .unwrap();
    assert_eq!(
        (c.previous, c.changed, c.outbox.len()),
        (Status::Active, true, 2)
    );
    let rows = s.outbox_list(&OutboxFilter::default()).unwrap();
    assert_eq!(
        rows.iter()
            .map(|d| d.sys_id.clone().unwrap())
            .collect::<Vec<_>>(),
        ["s1", "s2"]
    );
    for d in &rows {
        assert_eq!(
            d.payload,
            "[2026-11-23 10:00:05 UTC] Anomaly A-1 status: Acknowledged"
        );
        assert_eq!(d.anomaly, Some(key("A-1")));
        assert_eq!(d.created_at, t(5));
    }

    let same = s
        .record_status_change(&key("A-1"), Status::Acknowledged, "bob", t(6))
        .unwrap();
    assert_eq!((same.changed, same.outbox.len()), (false, 0));

    let arch = Status::Archived(ArchiveReason::Invalid);
    let c = s
        .record_status_change(&key("A-1"), arch, "bob", t(7))
        .unwrap();
    assert_eq!(c.previous, Status::Acknowledged);
    assert_eq!(
        s.outbox_get(c.outbox[0]).unwrap().unwrap().payload,
        "[2026-11-23 10:00:07 UTC] Anomaly A-1 status: Archived (Invalid)"
    );
    let h = s.status_history(&key("A-1")).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        (h[0].from, h[0].to, h[0].user.as_str(), h[0].at),
        (Status::Active, Status::Acknowledged, "ann", t(5))
    );
    assert_eq!((h[1].to, h[1].reason.as_deref()), (arch, Some("invalid")));
    let a = s.get_anomaly(&key("A-1")).unwrap().unwrap();
    assert_eq!((a.status, a.status_changed_at), (arch, Some(t(7))));

    let err = s
        .record_status_change(&key("nope"), arch, "bob", t(7))
        .unwrap_err();
    assert!(matches!(err, StoreError::AnomalyNotFound(_)));
}

#[test]
fn comments_queue_exact_notes() {
    let (_d, mut s) = open_temp();
    seed(&mut s, &["A-1", "A-2"]);
    link(&mut s, "A-1", "s1");
    let r = s
        .record_comment(&key("A-1"), "José", "re-ran the load\nstill failing", t(61))
        .unwrap();
    assert_eq!(r.outbox.len(), 1);
    assert_eq!(
        s.outbox_get(r.outbox[0]).unwrap().unwrap().payload,
        "[2026-11-23 10:01:01 UTC] Comment on anomaly A-1 from José: re-ran the load\nstill failing"
    );
    let r2 = s
        .record_comment(&key("A-2"), "ann", "unlinked: local only", t(62))
        .unwrap();
    assert!(r2.outbox.is_empty());
    let list = s.comments(&key("A-1")).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].author.as_str(), list[0].at, list[0].id),
        ("José", t(61), r.comment_id)
    );
    assert!(matches!(
        s.record_comment(&key("A-1"), "ann", "  \n", t(63))
            .unwrap_err(),
        StoreError::Invalid(_)
    ));
    assert!(matches!(
        s.record_comment(&key("zz"), "ann", "x", t(63)).unwrap_err(),
        StoreError::AnomalyNotFound(_)
    ));
}

/// Two processes (here: two connections on two threads) triage the same anomalies at once.
/// Every change and every comment must land with its notes; nothing is lost to a race.
#[test]
fn concurrent_writers_lose_nothing() {
    let (dir, mut setup) = open_temp();
    let ids: Vec<String> = (0..30).map(|i| format!("A-{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    seed(&mut setup, &refs);
    for id in &refs {
        link(&mut setup, id, "s1");
    }
    let path = setup.path().to_owned();
    let acker = {
        let (path, ids) = (path.clone(), ids.clone());
        std::thread::spawn(move || {
            let mut s = reopen(&path);
            for id in &ids {
                let c = s
                    .record_status_change(&key(id), Status::Acknowledged, "ann", t(1))
                    .unwrap();
                assert!(c.changed);
            }
        })
    };
    let commenter = {
        let (path, ids) = (path.clone(), ids.clone());
        std::thread::spawn(move || {
            let mut s = reopen(&path);
            for id in &ids {
                s.record_comment(&key(id), "bob", "looking", t(1)).unwrap();
                s.record_comment(&key(id), "bob", "found it", t(2)).unwrap();
            }
        })
    };
    acker.join().unwrap();
    commenter.join().unwrap();
    let s = reopen(&path);
    for id in &refs {
        assert_eq!(s.status_history(&key(id)).unwrap().len(), 1);
        assert_eq!(s.comments(&key(id)).unwrap().len(), 2);
        assert_eq!(
            s.get_anomaly(&key(id)).unwrap().unwrap().status,
            Status::Acknowledged
        );
    }
    let outbox = s.outbox_list(&OutboxFilter::default()).unwrap();
    assert_eq!(outbox.len(), 30 * 3);
    let mut seqs: Vec<i64> = outbox.iter().map(|d| d.seq).collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=90).collect::<Vec<i64>>(),
        "one queue, gap-free order"
    );
    drop(dir);
}
