//! Reads and writes of single anomalies and bulk lists: get by id or uuid,
//! PUT only to Active/Acknowledged, archive with a reason, hard delete, and
//! the all-or-nothing bulk PATCH / DELETE with JSON bodies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::emu;
use qualytics_emulator::Status;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn get_by_id_or_uuid_returns_the_full_shape() {
    let e = emu().await;
    let a = e.anomaly(1).await;
    for key in [
        "id",
        "uuid",
        "type",
        "status",
        "archived",
        "weight",
        "anomalous_records_count",
        "description",
        "created",
        "fingerprint",
        "global_tags",
        "assignees",
        "failed_checks",
        "datastore",
        "container",
        "comments",
    ] {
        assert!(a.get(key).is_some(), "missing {key} in {a}");
    }
    assert_eq!(a["type"], "record");
    assert_eq!(
        a["datastore"],
        json!({ "id": 1, "name": "Sales Warehouse" })
    );
    assert_eq!(a["container"], json!({ "id": 101, "name": "orders" }));
    assert_eq!(a["created"], "2026-11-20T09:15:00.000000Z");
    assert_eq!(
        a["failed_checks"][0]["quality_check"]["name"],
        "orders.customer_id is not null"
    );
    assert_eq!(a["global_tags"][0]["name"], "sales");
    let uuid = a["uuid"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    let by_uuid = e.get(&format!("/api/anomalies/{uuid}")).await;
    assert_eq!(by_uuid.json["id"], 1);

    let missing = e.get("/api/anomalies/999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json["detail"], "Anomaly 999 not found");
    // Archived anomalies can still be read by id.
    assert_eq!(e.anomaly(7).await["archived"], true);
}

#[tokio::test]
async fn put_acknowledges_and_edits_but_refuses_archive_statuses() {
    let e = emu().await;
    let r = e
        .put(
            "/api/anomalies/1",
            json!({ "status": "Acknowledged", "description": "looking", "tags": ["ops", "ops"], "assignee_ids": [2] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["id"], 1);
    let a = e.anomaly(1).await;
    assert_eq!(a["status"], "Acknowledged");
    assert_eq!(a["description"], "looking");
    assert_eq!(a["global_tags"], json!([{ "name": "ops", "color": null }]));
    assert_eq!(a["assignees"][0]["name"], "Ben Editor");
    // Back to Active is allowed, as qualytics-cli allows it.
    assert_eq!(
        e.put("/api/anomalies/1", json!({ "status": "Active" }))
            .await
            .status,
        StatusCode::OK
    );

    for status in ["Resolved", "Invalid", "Duplicate", "Discarded"] {
        let r = e.put("/api/anomalies/1", json!({ "status": status })).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{status}: {}",
            r.text
        );
        assert!(
            r.text.contains("archive=true"),
            "the error names the fix: {}",
            r.text
        );
    }
    assert_eq!(e.anomaly(1).await["status"], "Active");
    for body in [
        json!({ "status": "Open" }),
        json!({ "description": "no status" }),
        json!("Acknowledged"),
    ] {
        let r = e.put("/api/anomalies/1", body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let r = e
        .put(
            "/api/anomalies/1",
            json!({ "status": "Active", "assignee_ids": [42] }),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json["detail"], "User 42 not found");
    assert_eq!(
        e.put("/api/anomalies/999", json!({ "status": "Active" }))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn archived_anomalies_cannot_be_updated() {
    let e = emu().await;
    let r = e
        .put("/api/anomalies/7", json!({ "status": "Acknowledged" }))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json["detail"]
            .as_str()
            .unwrap()
            .contains("archived as Resolved"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn delete_archives_with_each_reason_and_a_retry_succeeds() {
    let e = emu().await;
    for (id, reason) in [
        (1, "Resolved"),
        (2, "Invalid"),
        (3, "Duplicate"),
        (4, "Discarded"),
    ] {
        let r = e
            .delete(
                &format!("/api/anomalies/{id}?archive=true&status={reason}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{reason}: {}", r.text);
        let a = e.anomaly(id).await;
        assert_eq!(
            (a["status"].as_str(), a["archived"].as_bool()),
            (Some(reason), Some(true))
        );
    }
    assert_eq!(e.get("/api/anomalies").await.ids().len(), 2);
    // An outbox that retries after a lost response must not fail; the reason may change.
    let again = e
        .delete("/api/anomalies/1?archive=true&status=Invalid", None)
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    assert_eq!(e.emu.anomaly(1).unwrap().status, Status::Invalid);
}

#[tokio::test]
async fn delete_refuses_open_or_missing_reasons_and_hard_deletes_without_archive() {
    let e = emu().await;
    for q in [
        "archive=true&status=Active",
        "archive=true&status=Acknowledged",
        "archive=true",
        "status=Closed",
        "archive=maybe&status=Resolved",
    ] {
        let r = e.delete(&format!("/api/anomalies/5?{q}"), None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.text
        );
    }
    assert_eq!(e.anomaly(5).await["status"], "Active");
    // Without `archive` the default is to archive, not to destroy.
    assert_eq!(
        e.delete("/api/anomalies/5?status=Resolved", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(e.anomaly(5).await["archived"], true);

    let r = e
        .delete("/api/anomalies/6?archive=false&status=Resolved", None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        e.get("/api/anomalies/6").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        e.delete("/api/anomalies/6?archive=false", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bulk_patch_updates_every_item_or_none() {
    let e = emu().await;
    let r = e
        .patch(
            "/api/anomalies",
            json!([{ "id": 1, "status": "Acknowledged", "tags": ["x"] }, { "id": 3, "status": "Acknowledged" }]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json.as_array().unwrap().len(), 2);
    assert_eq!(e.anomaly(1).await["global_tags"][0]["name"], "x");
    assert_eq!(e.anomaly(3).await["status"], "Acknowledged");

    for bad in [
        json!([{ "id": 4, "status": "Acknowledged" }, { "id": 999, "status": "Acknowledged" }]),
        json!([{ "id": 4, "status": "Acknowledged" }, { "id": 5, "status": "Resolved" }]),
        json!([{ "id": 4, "status": "Acknowledged" }, { "id": 7, "status": "Acknowledged" }]),
        json!({ "id": 4, "status": "Acknowledged" }),
    ] {
        let r = e.patch("/api/anomalies", bad.clone()).await;
        assert!(r.status.is_client_error(), "{bad}: {}", r.status);
        assert_eq!(
            e.anomaly(4).await["status"],
            "Active",
            "{bad} changed item 4"
        );
    }
}

#[tokio::test]
async fn bulk_delete_takes_a_json_body_and_is_all_or_nothing() {
    let e = emu().await;
    let r = e
        .delete(
            "/api/anomalies",
            Some(json!([{ "id": 1, "archive": true, "status": "Discarded" }, { "id": 2, "archive": true, "status": "Resolved" }])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(e.anomaly(1).await["status"], "Discarded");
    assert_eq!(e.anomaly(2).await["status"], "Resolved");

    let r = e
        .delete(
            "/api/anomalies",
            Some(json!([{ "id": 3, "archive": true, "status": "Resolved" }, { "id": 4, "archive": true, "status": "Active" }])),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e.anomaly(3).await["archived"], false);

    let r = e
        .delete(
            "/api/anomalies",
            Some(json!([{ "id": 3, "archive": false }])),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(e.emu.anomaly(3).is_none());
    assert_eq!(
        e.delete("/api/anomalies", None).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn bodies_up_to_the_limit_are_read_and_larger_ones_are_413_json() {
    let e = emu().await;
    // 3 MB of description: above axum's default 2 MB, below the emulator's limit.
    let big = "x".repeat(3 * 1024 * 1024);
    let r = e
        .put(
            "/api/anomalies/1",
            json!({ "status": "Active", "description": big }),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.text[..r.text.len().min(200)]
    );
    let huge = "x".repeat(qualytics_emulator::MAX_BODY_BYTES + 1);
    let r = e
        .put(
            "/api/anomalies/1",
            json!({ "status": "Active", "description": huge }),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.json["detail"].as_str().unwrap().contains("fewer items"),
        "{}",
        r.text
    );
    assert_eq!(e.emu.anomaly(1).unwrap().description.len(), 3 * 1024 * 1024);
}
