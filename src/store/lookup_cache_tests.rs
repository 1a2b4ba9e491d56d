#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::store::schema::MIGRATIONS;
use crate::store::test_support::{open_temp, t};

fn choice(v: &str) -> CachedChoice {
    CachedChoice {
        value: v.to_lowercase(),
        label: v.to_owned(),
    }
}

fn user(sys_id: &str, name: &str, login: Option<&str>) -> CachedRef {
    CachedRef {
        sys_id: sys_id.into(),
        name: name.into(),
        user_name: login.map(str::to_owned),
    }
}

#[test]
fn a_choice_list_is_replaced_by_each_read_and_keeps_its_order_and_age() {
    let (_d, mut store) = open_temp();
    assert_eq!(
        store
            .cached_choices("default", "incident", "category", None)
            .unwrap(),
        None,
        "never read"
    );
    store
        .cache_choices(
            "default",
            "incident",
            "category",
            None,
            &[choice("Network"), choice("Database")],
            t(0),
        )
        .unwrap();
    store
        .cache_choices(
            "default",
            "incident",
            "subcategory",
            Some("network"),
            &[choice("DNS")],
            t(1),
        )
        .unwrap();
    let got = store
        .cached_choices("default", "incident", "category", None)
        .unwrap()
        .unwrap();
    assert_eq!(got.items, vec![choice("Network"), choice("Database")]);
    assert_eq!(got.read_at, t(0));
    // A later read replaces the list (a choice deactivated since is gone) and its time.
    store
        .cache_choices(
            "default",
            "incident",
            "category",
            None,
            &[choice("Database")],
            t(60),
        )
        .unwrap();
    let got = store
        .cached_choices("default", "incident", "category", None)
        .unwrap()
        .unwrap();
    assert_eq!((got.items, got.read_at), (vec![choice("Database")], t(60)));
    // Per dependent value and per instance.
    let sub = store
        .cached_choices("default", "incident", "subcategory", Some("network"))
        .unwrap()
        .unwrap();
    assert_eq!(sub.items, vec![choice("DNS")]);
    assert_eq!(
        store
            .cached_choices("default", "incident", "subcategory", Some("database"))
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .cached_choices("other", "incident", "category", None)
            .unwrap(),
        None
    );
    // An empty answer is an answer: the list is known to be empty.
    store
        .cache_choices("default", "incident", "close_code", None, &[], t(5))
        .unwrap();
    let empty = store
        .cached_choices("default", "incident", "close_code", None)
        .unwrap()
        .unwrap();
    assert!(empty.items.is_empty());
}

#[test]
fn refs_are_merged_searched_by_name_or_login_and_found_exactly() {
    let (_d, mut store) = open_temp();
    assert_eq!(
        store.cached_refs("default", RefList::Users, "").unwrap(),
        None
    );
    store
        .cache_refs(
            "default",
            RefList::Users,
            &[user("u1", "Abel Tuter", None)],
            t(0),
        )
        .unwrap();
    // A later search adds to what is known; the login a later read gives is kept.
    store
        .cache_refs(
            "default",
            RefList::Users,
            &[
                user("u2", "Beth Anglin", Some("beth.anglin")),
                user("u1", "Abel Tuter", Some("abel.tuter")),
            ],
            t(30),
        )
        .unwrap();
    store
        .cache_refs(
            "default",
            RefList::Users,
            &[user("u1", "Abel Tuter", None)],
            t(40),
        )
        .unwrap();
    let all = store
        .cached_refs("default", RefList::Users, "")
        .unwrap()
        .unwrap();
    assert_eq!(
        all.items,
        vec![
            user("u1", "Abel Tuter", Some("abel.tuter")),
            user("u2", "Beth Anglin", Some("beth.anglin"))
        ]
    );
    assert_eq!(all.read_at, t(30), "the oldest read among the answers");
    let hits = store
        .cached_refs("default", RefList::Users, "ANGLIN")
        .unwrap()
        .unwrap();
    assert_eq!(hits.items.len(), 1);
    assert_eq!(hits.read_at, t(30));
    let none = store
        .cached_refs("default", RefList::Users, "zed")
        .unwrap()
        .unwrap();
    assert!(none.items.is_empty());
    for wanted in ["u2", "beth.anglin", "Beth Anglin", "BETH.ANGLIN"] {
        let (r, at) = store
            .cached_ref("default", RefList::Users, wanted)
            .unwrap()
            .unwrap();
        assert_eq!((r.sys_id.as_str(), at), ("u2", t(30)), "{wanted}");
    }
    assert_eq!(
        store.cached_ref("default", RefList::Users, "beth").unwrap(),
        None,
        "a part of a name is not a match"
    );
    // Groups and each group's members are lists of their own.
    assert_eq!(
        store.cached_ref("default", RefList::Groups, "u2").unwrap(),
        None
    );
    store
        .cache_refs(
            "default",
            RefList::Members("g1"),
            &[user("u2", "Beth Anglin", None)],
            t(50),
        )
        .unwrap();
    assert!(
        store
            .cached_refs("default", RefList::Members("g2"), "")
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .cached_refs("default", RefList::Members("g1"), "")
            .unwrap()
            .unwrap()
            .items
            .len(),
        1
    );
}

#[test]
fn a_hostile_answer_cannot_grow_the_cache_without_limit() {
    let (_d, mut store) = open_temp();
    let many: Vec<CachedChoice> = (0..MAX_ROWS_PER_LIST + 500)
        .map(|i| choice(&format!("C{i}")))
        .collect();
    store
        .cache_choices("default", "incident", "category", None, &many, t(0))
        .unwrap();
    let got = store
        .cached_choices("default", "incident", "category", None)
        .unwrap()
        .unwrap();
    assert_eq!(got.items.len(), MAX_ROWS_PER_LIST);
    // An over-long entry is no real value: not stored.
    let long = "x".repeat(100_000);
    store
        .cache_choices(
            "default",
            "incident",
            "impact",
            None,
            &[choice(&long), choice("Low")],
            t(0),
        )
        .unwrap();
    let got = store
        .cached_choices("default", "incident", "impact", None)
        .unwrap()
        .unwrap();
    assert_eq!(got.items, vec![choice("Low")]);
    // Choice lists per instance: the least recently read go.
    for i in 0..MAX_CHOICE_LISTS + 10 {
        let dep = format!("cat{i}");
        store
            .cache_choices(
                "default",
                "incident",
                "subcategory",
                Some(&dep),
                &[choice("A")],
                t(10 + i as i64),
            )
            .unwrap();
    }
    let lists: i64 = store
        .conn
        .query_row(
            "SELECT COUNT(*) FROM choice_lists",
            crate::store::db::params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(lists as usize, MAX_CHOICE_LISTS);
    assert!(
        store
            .cached_choices("default", "incident", "category", None)
            .unwrap()
            .is_none(),
        "the oldest list was evicted"
    );
    let newest = format!("cat{}", MAX_CHOICE_LISTS + 9);
    assert!(
        store
            .cached_choices("default", "incident", "subcategory", Some(&newest))
            .unwrap()
            .is_some()
    );
    let orphans: i64 = store
        .conn
        .query_row(
            "SELECT COUNT(*) FROM cached_choices c WHERE NOT EXISTS (SELECT 1 FROM choice_lists l \
             WHERE l.instance = c.instance AND l.tbl = c.tbl AND l.element = c.element \
             AND l.dependent = c.dependent)",
            crate::store::db::params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0, "evicted lists take their entries along");
    // Refs: each read merges, the list keeps its most recently read entries.
    for round in 0..3 {
        let batch: Vec<CachedRef> = (0..MAX_ROWS_PER_LIST / 2 + 100)
            .map(|i| user(&format!("r{round}-{i}"), &format!("User {round} {i}"), None))
            .collect();
        store
            .cache_refs("default", RefList::Users, &batch, t(round))
            .unwrap();
    }
    let all = store
        .cached_refs("default", RefList::Users, "")
        .unwrap()
        .unwrap();
    assert_eq!(all.items.len(), MAX_ROWS_PER_LIST);
    assert!(all.items.iter().any(|r| r.sys_id.starts_with("r2-")));
    assert!(!all.items.iter().any(|r| r.sys_id.starts_with("r0-")));
    // Member lists per instance are capped too.
    for g in 0..MAX_REF_LISTS + 5 {
        let group = format!("g{g}");
        store
            .cache_refs(
                "default",
                RefList::Members(&group),
                &[user("u1", "Abel", None)],
                t(100 + g as i64),
            )
            .unwrap();
    }
    let member_lists: i64 = store
        .conn
        .query_row(
            "SELECT COUNT(DISTINCT list) FROM lookup_refs WHERE list LIKE 'member:%'",
            crate::store::db::params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(member_lists as usize, MAX_REF_LISTS);
}

#[test]
fn a_version_5_file_gains_the_cache_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snowlink.db");
    {
        let old = crate::store::open::open(&path, &MIGRATIONS[..5]).unwrap();
        assert_eq!(old.schema_version().unwrap(), 5);
        old.conn
            .execute(
                "INSERT INTO instance_outages (instance, cause, since, next_probe_at) \
                 VALUES ('default', 'connection refused', 0, 0)",
                crate::store::db::params![],
            )
            .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        crate::store::SCHEMA_VERSION
    );
    assert!(store.outage("default").unwrap().is_some());
    store
        .cache_choices(
            "default",
            "incident",
            "category",
            None,
            &[choice("Database")],
            t(0),
        )
        .unwrap();
    assert!(
        store
            .cached_choices("default", "incident", "category", None)
            .unwrap()
            .is_some()
    );
}
