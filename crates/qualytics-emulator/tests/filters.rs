//! List filters: datastore, container, quality_check, status (repeatable),
//! tag (repeatable), anomaly_type, rule_type, dates, archived, source_enriched
//! and the two sort orders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use reqwest::StatusCode;

async fn ids(e: &common::Emu, query: &str) -> Vec<u64> {
    let r = e.get(&format!("/api/anomalies?size=100&{query}")).await;
    assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.text);
    let mut ids = r.ids();
    ids.sort();
    ids
}

#[tokio::test]
async fn datastore_container_and_check_filters() {
    let e = emu().await;
    assert_eq!(ids(&e, "").await, [1, 2, 3, 4, 5, 6]);
    assert_eq!(ids(&e, "datastore=1").await, [1, 2, 3]);
    assert_eq!(ids(&e, "datastore=2").await, [4, 5, 6]);
    assert_eq!(ids(&e, "container=101").await, [1, 2]);
    assert_eq!(
        ids(&e, "datastore=2&container=101").await,
        Vec::<u64>::new()
    );
    assert_eq!(ids(&e, "quality_check=2003").await, [6]);
    assert_eq!(ids(&e, "quality_check=2003&archived=include").await, [6, 8]);
    assert_eq!(ids(&e, "datastore=99").await, Vec::<u64>::new());
}

#[tokio::test]
async fn status_and_tag_repeat_and_match_any_of_their_values() {
    let e = emu().await;
    assert_eq!(ids(&e, "status=Acknowledged").await, [2, 6]);
    assert_eq!(
        ids(&e, "status=Active&status=Acknowledged").await,
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(ids(&e, "tag=critical").await, [1, 4]);
    assert_eq!(ids(&e, "tag=pii&tag=critical").await, [1, 3, 4]);
    assert_eq!(ids(&e, "tag=payments&status=Acknowledged").await, [6]);
    let r = e.get("/api/anomalies?status=active").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "status values are case-sensitive"
    );
    assert_eq!(r.json["detail"][0]["loc"][1], "status");
}

#[tokio::test]
async fn archived_anomalies_are_excluded_unless_asked_for() {
    let e = emu().await;
    // Asking for an archive status alone finds nothing without `archived`…
    assert_eq!(ids(&e, "status=Resolved").await, Vec::<u64>::new());
    // …which is why qualytics-cli adds archived=only / include.
    assert_eq!(ids(&e, "archived=only").await, [7, 8]);
    assert_eq!(ids(&e, "archived=only&status=Duplicate").await, [8]);
    assert_eq!(ids(&e, "archived=include").await, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(
        ids(&e, "archived=include&status=Active&status=Resolved").await,
        [1, 3, 4, 5, 7]
    );
    let r = e.get("/api/anomalies?archived=all").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn type_rule_dates_and_enrichment_filters() {
    let e = emu().await;
    assert_eq!(ids(&e, "anomaly_type=shape").await, [4]);
    assert_eq!(ids(&e, "anomaly_type=record").await, [1, 2, 3, 5, 6]);
    assert_eq!(
        ids(&e, "rule_type=notNull&rule_type=volumetric").await,
        [1, 4]
    );
    // Dates are inclusive calendar days of `created` (UTC).
    assert_eq!(ids(&e, "start_date=2026-11-25").await, [3, 4, 5, 6]);
    assert_eq!(ids(&e, "end_date=2026-11-22").await, [1, 2]);
    assert_eq!(
        ids(&e, "start_date=2026-11-22&end_date=2026-11-27").await,
        [2, 3, 4]
    );
    assert_eq!(ids(&e, "source_enriched=true").await, Vec::<u64>::new());
    assert_eq!(ids(&e, "source_enriched=false").await.len(), 6);
    for bad in [
        "anomaly_type=column",
        "start_date=25-11-2026",
        "end_date=2026-13-01",
        "source_enriched=maybe",
    ] {
        let r = e.get(&format!("/api/anomalies?{bad}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
}

#[tokio::test]
async fn default_order_is_newest_first_and_sorts_can_be_chosen() {
    let e = emu().await;
    let order = |q: &'static str| {
        let e = &e;
        async move { e.get(&format!("/api/anomalies?{q}")).await.ids() }
    };
    assert_eq!(order("").await, [6, 5, 4, 3, 2, 1]);
    assert_eq!(order("sort_created=asc").await, [1, 2, 3, 4, 5, 6]);
    assert_eq!(order("sort_created=desc").await, [6, 5, 4, 3, 2, 1]);
    // Weights: 1→8, 2→5, 3→3, 4→9, 5→6, 6→4.
    assert_eq!(order("sort_weight=desc").await, [4, 1, 5, 2, 6, 3]);
    assert_eq!(order("sort_weight=asc").await, [3, 6, 2, 5, 1, 4]);
    let r = e.get("/api/anomalies?sort_created=newest").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}
