//! The page envelope `{items,total,page,size,pages}`: 1-based pages, size
//! 1–100 (default 50), out-of-range pages empty, bad bounds 422.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use common::{emu, emu_with_seed};
use qualytics_emulator::{NewAnomaly, Ref, Seed, SeedData};
use reqwest::StatusCode;
use serde_json::json;

fn many(n: u64) -> Seed {
    let ds = Ref {
        id: 7,
        name: "Big".into(),
    };
    let c = Ref {
        id: 70,
        name: "events".into(),
    };
    Seed::Data(SeedData {
        users: Vec::new(),
        anomalies: (0..n)
            .map(|i| NewAnomaly {
                created: Some(format!("2026-10-01T00:00:{:02}Z", i % 60)),
                ..NewAnomaly::new(ds.clone(), c.clone(), format!("anomaly {i}"))
            })
            .collect(),
    })
}

#[tokio::test]
async fn the_envelope_reports_total_and_pages_and_defaults_to_size_50() {
    let e = emu().await;
    let r = e.get("/api/anomalies").await;
    assert_eq!(r.status, StatusCode::OK);
    // The demo seed has 6 open and 2 archived anomalies; archived are excluded by default.
    assert_eq!(
        (
            r.json["total"].clone(),
            r.json["page"].clone(),
            r.json["size"].clone(),
            r.json["pages"].clone()
        ),
        (json!(6), json!(1), json!(50), json!(1))
    );
    assert_eq!(r.items().len(), 6);
}

#[tokio::test]
async fn walking_pages_of_100_reads_every_anomaly_exactly_once() {
    let e = emu_with_seed(many(250)).await;
    let mut seen = HashSet::new();
    for page in 1..=3 {
        let r = e.get(&format!("/api/anomalies?page={page}&size=100")).await;
        assert_eq!(r.json["total"], 250);
        assert_eq!(r.json["pages"], 3);
        assert_eq!(r.items().len(), if page == 3 { 50 } else { 100 });
        for id in r.ids() {
            assert!(seen.insert(id), "id {id} on two pages");
        }
    }
    assert_eq!(seen.len(), 250);
    assert_eq!(e.list_all("").await.len(), 250);
    // Exactly ceil(250/100) requests for the helper that pages like the CLI.
    let lists = e
        .emu
        .requests()
        .iter()
        .filter(|r| r.path == "/api/anomalies")
        .count();
    assert_eq!(lists, 3 + 3);
}

#[tokio::test]
async fn a_page_past_the_end_is_empty_and_an_empty_store_has_zero_pages() {
    let e = emu_with_seed(many(3)).await;
    let r = e.get("/api/anomalies?page=2&size=3").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.items().is_empty());
    assert_eq!(
        (r.json["total"].as_u64(), r.json["pages"].as_u64()),
        (Some(3), Some(1))
    );

    let empty = emu_with_seed(Seed::Empty).await;
    let r = empty.get("/api/anomalies").await;
    assert_eq!(
        r.json,
        json!({ "items": [], "total": 0, "page": 1, "size": 50, "pages": 0 })
    );
}

#[tokio::test]
async fn size_1_and_100_are_accepted_and_out_of_bounds_values_are_422() {
    let e = emu().await;
    let r = e.get("/api/anomalies?size=1&page=6").await;
    assert_eq!(
        (r.status, r.items().len(), r.json["pages"].as_u64()),
        (StatusCode::OK, 1, Some(6))
    );
    assert_eq!(
        e.get("/api/anomalies?size=100").await.status,
        StatusCode::OK
    );
    for (q, field) in [
        ("size=101", "size"),
        ("size=0", "size"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("size=ten", "size"),
    ] {
        let r = e.get(&format!("/api/anomalies?{q}")).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.text
        );
        assert_eq!(r.json["detail"][0]["loc"], json!(["query", field]), "{q}");
    }
}

#[tokio::test]
async fn pages_do_not_overlap_when_created_times_tie() {
    // 250 anomalies share only 60 distinct created times: the id breaks ties.
    let e = emu_with_seed(many(250)).await;
    for sort in ["sort_created=asc", "sort_created=desc", "sort_weight=desc"] {
        let all = e.list_all(sort).await;
        let ids: HashSet<u64> = all.iter().map(|a| a["id"].as_u64().unwrap()).collect();
        assert_eq!(ids.len(), 250, "{sort}");
    }
}
