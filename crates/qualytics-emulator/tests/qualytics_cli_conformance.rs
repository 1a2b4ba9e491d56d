//! Conformance against the real third-party client: the `qualytics` binary of
//! the qualytics-cli package (pinned in scripts/test). Located via
//! `QUALYTICS_CLI_BIN`, else `qualytics` on PATH; a missing binary fails.
//! Every command runs with a temporary HOME; its effects are read back over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod qualytics_cli;

use common::emu;
use qualytics_cli::{Cli, env_of, ids};
use qualytics_emulator::{NewAnomaly, Ref, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn auth_init_config_file_doctor_and_env_precedence() {
    let a = emu().await;
    let b = emu().await;
    b.emu
        .add_anomaly(NewAnomaly {
            id: Some(50),
            ..NewAnomaly::new(
                Ref {
                    id: 3,
                    name: "Only in B".into(),
                },
                Ref {
                    id: 30,
                    name: "t".into(),
                },
                "lives in the second emulator",
            )
        })
        .unwrap();
    let cli = Cli::new("auth", a.emu.local_addr().port());

    cli.ok(
        None,
        &["auth", "init", "--url", &a.base, "--token", &a.admin],
    )
    .await;
    let config = std::fs::read_to_string(cli.home.join(".qualytics/config.yaml")).unwrap();
    assert!(
        config.contains(&format!("url: {}/api/", a.base)),
        "{config}"
    );

    // The config file is used when the env pair is absent…
    let got = cli
        .ok(None, &["anomalies", "get", "--id", "2", "--format", "json"])
        .await;
    assert_eq!(got.json()["description"], "3 orders with a negative total");
    let status = cli.ok(None, &["auth", "status"]).await;
    assert!(status.stdout.contains("Logged in"), "{}", status.stdout);

    // …and QUALYTICS_URL/QUALYTICS_TOKEN take precedence over it.
    let (b_url, b_token) = env_of(&b);
    let got = cli
        .ok(
            Some((&b_url, &b_token)),
            &["anomalies", "get", "--id", "50", "--format", "json"],
        )
        .await;
    assert_eq!(got.json()["datastore"]["name"], "Only in B");
    let missing = cli.run(None, &["anomalies", "get", "--id", "50"]).await;
    assert!(
        !missing.ok && missing.all().contains("Resource not found"),
        "{}",
        missing.all()
    );

    // doctor: token decoded (exp), /api/status reached, openapi.json parsed.
    let doctor = cli.ok(None, &["doctor"]).await;
    for line in [
        "Token validity  Valid (expires in",
        "API connection  Reachable",
        "API compatibility",
    ] {
        assert!(
            doctor.stdout.contains(line),
            "{line:?} missing:\n{}",
            doctor.stdout
        );
    }
    assert!(
        !doctor.stdout.contains("invalid OpenAPI"),
        "{}",
        doctor.stdout
    );

    // The CLI's own compatibility check finds every anomaly operation it uses.
    let doc = a.get("/api/openapi.json").await.json;
    let doc_file = cli.home.join("openapi.json");
    std::fs::write(&doc_file, doc.to_string()).unwrap();
    let check = cli
        .python()
        .args([
            "-c",
            "import json,sys\nfrom qualytics.api.compatibility import find_incompatible_operations as f\nprint(json.dumps(f(json.load(open(sys.argv[1])))))",
        ])
        .arg(&doc_file)
        .output()
        .await
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let issues: Vec<String> = serde_json::from_slice(&check.stdout).unwrap();
    let anomaly_issues: Vec<&String> = issues
        .iter()
        .filter(|i| i.contains("/api/anomalies"))
        .collect();
    assert!(anomaly_issues.is_empty(), "{anomaly_issues:?}");
    assert!(
        !issues.is_empty(),
        "only the anomaly routes are emulated, the rest must show as missing"
    );
}

#[tokio::test]
async fn bad_tokens_are_refused_and_a_viewer_cannot_write() {
    let e = emu().await;
    let other = emu().await;
    let cli = Cli::new("tokens", e.emu.local_addr().port());

    // A JWT-shaped token this emulator never issued: 401 → the CLI's auth error.
    let forged = cli
        .run(
            Some((&e.base, &other.admin)),
            &["anomalies", "get", "--id", "1"],
        )
        .await;
    assert!(
        !forged.ok && forged.all().contains("Authentication failed"),
        "{}",
        forged.all()
    );
    assert!(e.emu.requests().iter().any(|r| r.status == 401));

    // An expired token: the CLI decodes `exp` and refuses before any request.
    let expired = e.emu.issue_token(1, Role::Admin, std::time::Duration::ZERO);
    e.emu.clear_requests();
    let out = cli
        .run(
            Some((&e.base, &expired)),
            &["anomalies", "get", "--id", "1"],
        )
        .await;
    assert!(
        !out.ok && out.all().contains("token is expired"),
        "{}",
        out.all()
    );
    assert!(e.emu.requests().is_empty());

    // A viewer reads but its write is 403 → the CLI fails, nothing changes.
    let viewer = e.viewer.clone();
    cli.ok(Some((&e.base, &viewer)), &["anomalies", "get", "--id", "1"])
        .await;
    let write = cli
        .run(
            Some((&e.base, &viewer)),
            &[
                "anomalies",
                "update",
                "--id",
                "1",
                "--status",
                "Acknowledged",
            ],
        )
        .await;
    assert!(
        !write.ok && write.all().contains("Authentication failed"),
        "{}",
        write.all()
    );
    assert_eq!(e.anomaly(1).await["status"], "Active");
    assert!(
        e.emu
            .requests()
            .iter()
            .any(|r| r.status == 403 && r.method == "PUT")
    );
}

#[tokio::test]
async fn list_and_get_match_the_api() {
    let e = emu().await;
    let cli = Cli::new("list", e.emu.local_addr().port());
    let (url, token) = env_of(&e);
    let auth = Some((url.as_str(), token.as_str()));
    let list = |args: &'static [&'static str]| {
        let cli = &cli;
        async move {
            let mut all = vec!["anomalies", "list", "--format", "json"];
            all.extend_from_slice(args);
            ids(&cli.ok(auth, &all).await.json())
        }
    };
    assert_eq!(list(&["--datastore-id", "1"]).await, [1, 2, 3]);
    // Archive statuses alone: the CLI asks for archived=only.
    assert_eq!(
        list(&["--datastore-id", "1", "--status", "Resolved"]).await,
        [7]
    );
    // Mixed: archived=include with both statuses.
    assert_eq!(
        list(&["--datastore-id", "1", "--status", "Active,Resolved"]).await,
        [1, 3, 7]
    );
    assert_eq!(
        list(&["--datastore-id", "2", "--tag", "critical"]).await,
        [4]
    );
    assert_eq!(list(&["--datastore-id", "2", "--type", "shape"]).await, [4]);
    assert_eq!(
        list(&["--datastore-id", "2", "--start-date", "2026-11-28"]).await,
        [5, 6]
    );
    assert_eq!(
        list(&["--datastore-id", "1", "--container", "102"]).await,
        [3]
    );
    let queries: Vec<String> = e.emu.requests().iter().map(|r| r.query.clone()).collect();
    assert!(
        queries
            .iter()
            .any(|q| q == "page=1&size=100&datastore=1&status=Resolved&archived=only"),
        "{queries:?}"
    );
    assert!(
        queries
            .iter()
            .any(|q| q.contains("status=Active&status=Resolved&archived=include")),
        "{queries:?}"
    );

    // get prints exactly what the API returns.
    let got = cli
        .ok(auth, &["anomalies", "get", "--id", "4", "--format", "json"])
        .await
        .json();
    assert_eq!(got, e.anomaly(4).await);
    let missing = cli.run(auth, &["anomalies", "get", "--id", "999"]).await;
    assert!(
        !missing.ok && missing.all().contains("Resource not found"),
        "{}",
        missing.all()
    );
}

#[tokio::test]
async fn the_cli_pages_250_anomalies_in_three_requests() {
    let e = emu().await;
    for i in 0..250 {
        e.emu
            .add_anomaly(NewAnomaly::new(
                Ref {
                    id: 9,
                    name: "Bulk".into(),
                },
                Ref {
                    id: 90,
                    name: "rows".into(),
                },
                format!("row anomaly {i}"),
            ))
            .unwrap();
    }
    let cli = Cli::new("pages", e.emu.local_addr().port());
    let (url, token) = env_of(&e);
    e.emu.clear_requests();
    let out = cli
        .ok(
            Some((&url, &token)),
            &[
                "anomalies",
                "list",
                "--datastore-id",
                "9",
                "--format",
                "json",
            ],
        )
        .await;
    assert!(
        out.stdout.contains("Found 250 anomalies."),
        "{}",
        &out.stdout[..200.min(out.stdout.len())]
    );
    let got = ids(&out.json());
    assert_eq!(got.len(), 250);
    got.windows(2)
        .for_each(|w| assert_ne!(w[0], w[1], "an anomaly was listed twice"));
    let pages: Vec<String> = e.emu.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(
        pages,
        [
            "page=1&size=100&datastore=9",
            "page=2&size=100&datastore=9",
            "page=3&size=100&datastore=9"
        ]
    );
}

#[tokio::test]
async fn update_archive_bulk_and_delete_take_effect() {
    let e = emu().await;
    let cli = Cli::new("write", e.emu.local_addr().port());
    let (url, token) = env_of(&e);
    let auth = Some((url.as_str(), token.as_str()));

    let out = cli
        .ok(
            auth,
            &[
                "anomalies",
                "update",
                "--id",
                "1",
                "--status",
                "Acknowledged",
                "--description",
                "on it",
                "--tags",
                "triage,ops",
                "--assignee-ids",
                "2",
            ],
        )
        .await;
    assert!(
        out.stdout.contains("Anomaly 1 updated to 'Acknowledged'."),
        "{}",
        out.stdout
    );
    let a = e.anomaly(1).await;
    assert_eq!(a["status"], "Acknowledged");
    assert_eq!(a["description"], "on it");
    assert_eq!(
        a["global_tags"],
        json!([{ "name": "triage", "color": null }, { "name": "ops", "color": null }])
    );
    assert_eq!(a["assignees"][0]["id"], 2);

    // Bulk update → PATCH /api/anomalies with a JSON list.
    cli.ok(
        auth,
        &["anomalies", "update", "--ids", "2,3", "--status", "Active"],
    )
    .await;
    assert_eq!(e.anomaly(2).await["status"], "Active");
    assert_eq!(e.anomaly(3).await["status"], "Active");
    let patch = e
        .emu
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&patch.body).unwrap(),
        json!([{ "id": 2, "status": "Active" }, { "id": 3, "status": "Active" }])
    );

    // Archive with a reason → DELETE ?archive=true&status=…
    let out = cli
        .ok(
            auth,
            &["anomalies", "archive", "--id", "4", "--status", "Invalid"],
        )
        .await;
    assert!(
        out.stdout.contains("Anomaly 4 archived as 'Invalid'."),
        "{}",
        out.stdout
    );
    let a = e.anomaly(4).await;
    assert_eq!(
        (a["status"].as_str(), a["archived"].as_bool()),
        (Some("Invalid"), Some(true))
    );
    assert!(
        e.emu
            .requests()
            .iter()
            .any(|r| r.method == "DELETE" && r.query == "archive=true&status=Invalid")
    );

    // Updating an archived anomaly is a 409 the CLI reports as a conflict.
    let conflict = cli
        .run(
            auth,
            &[
                "anomalies",
                "update",
                "--id",
                "4",
                "--status",
                "Acknowledged",
            ],
        )
        .await;
    assert!(
        !conflict.ok && conflict.all().contains("Conflict"),
        "{}",
        conflict.all()
    );

    // Bulk archive → DELETE /api/anomalies with a JSON body.
    cli.ok(
        auth,
        &[
            "anomalies",
            "archive",
            "--ids",
            "5,6",
            "--status",
            "Discarded",
        ],
    )
    .await;
    for id in [5, 6] {
        assert_eq!(e.anomaly(id).await["status"], "Discarded");
    }
    let archived = cli
        .ok(
            auth,
            &[
                "anomalies",
                "list",
                "--datastore-id",
                "2",
                "--status",
                "Discarded",
                "--format",
                "json",
            ],
        )
        .await;
    assert_eq!(ids(&archived.json()), [5, 6]);

    // Hard delete (archive=false): gone.
    cli.ok(auth, &["anomalies", "delete", "--id", "3"]).await;
    assert_eq!(
        e.get("/api/anomalies/3").await.status,
        StatusCode::NOT_FOUND
    );
}
