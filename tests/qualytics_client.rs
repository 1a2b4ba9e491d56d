//! The Qualytics source client against the Qualytics emulator (and two tiny hostile servers),
//! all on 127.0.0.1:0: paging and its cost, filters, write-back read over HTTP, status changes,
//! typed errors and caps. docs/sources-qualytics.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use qualytics_emulator::{
    Emulator, EmulatorConfig, FaultKind, FaultSpec, NewAnomaly, Ref, Role, ScanSpec, Seed, SeedData,
};
use secrecy::SecretString;
use snowlink::domain::ArchiveReason;
use snowlink::source::qualytics::{
    AnomalyFilter, ChangeKind, NewSinceCursor, QualyticsClient, QualyticsClientConfig,
    QualyticsError, QualyticsStatus as Q, Snapshot, diff,
};

async fn start(seed: Seed) -> Emulator {
    let cfg = EmulatorConfig {
        seed,
        ..EmulatorConfig::default()
    };
    let (emu, addr) = Emulator::start(cfg).await.unwrap();
    assert!(addr.ip().is_loopback());
    emu
}

fn config(base: &str, token: &str) -> QualyticsClientConfig {
    QualyticsClientConfig::new(base, SecretString::from(token.to_owned()))
}

fn client(emu: &Emulator) -> QualyticsClient {
    QualyticsClient::new(config(&emu.base_url(), emu.admin_token())).unwrap()
}

fn ids(list: &[snowlink::source::qualytics::QualyticsAnomaly]) -> Vec<u64> {
    let mut v: Vec<u64> = list.iter().map(|a| a.id).collect();
    v.sort_unstable();
    v
}

/// `n` open anomalies in one container, created a minute apart from 2026-01-01.
fn many(n: u64) -> Seed {
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
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
                created: Some((start + jiff::SignedDuration::from_mins(i as i64)).to_string()),
                ..NewAnomaly::new(ds.clone(), c.clone(), format!("anomaly {i}"))
            })
            .collect(),
    })
}

fn list_requests(emu: &Emulator) -> Vec<String> {
    emu.requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == "/api/anomalies")
        .map(|r| r.query)
        .collect()
}

fn param(query: &str, name: &str) -> Vec<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .collect()
}

#[tokio::test]
async fn first_ingest_of_20000_costs_200_requests_and_later_polls_read_only_new() {
    let emu = start(many(20_000)).await;
    let c = client(&emu);
    let filter = AnomalyFilter::default();
    let first = c
        .new_since(
            &filter,
            &NewSinceCursor::default(),
            Duration::from_secs(3600),
        )
        .await
        .unwrap();
    assert_eq!(first.anomalies.len(), 20_000);
    assert_eq!(ids(&first.anomalies), (1..=20_000).collect::<Vec<_>>());
    assert_eq!(first.requests, 200, "⌈20,000 / 100⌉ requests");
    let log = list_requests(&emu);
    assert_eq!(log.len(), 200);
    let pages: HashSet<String> = log.iter().map(|q| param(q, "page")[0].clone()).collect();
    assert_eq!(pages.len(), 200, "no page read twice");
    assert!(log.iter().all(|q| param(q, "size") == ["100"]));
    assert_eq!(
        first.cursor.watermark.unwrap().to_string(),
        "2026-01-14T21:19:00Z"
    );

    // Three new anomalies (created now): the next poll reads one page and reports only them.
    for i in 0..3 {
        emu.add_anomaly(NewAnomaly::new(
            Ref {
                id: 7,
                name: "Big".into(),
            },
            Ref {
                id: 70,
                name: "events".into(),
            },
            format!("late {i}"),
        ))
        .unwrap();
    }
    emu.clear_requests();
    let second = c
        .new_since(&filter, &first.cursor, Duration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(ids(&second.anomalies), [20_001, 20_002, 20_003]);
    assert_eq!(second.requests, 1);
    assert_eq!(list_requests(&emu).len(), 1);
    let q = &list_requests(&emu)[0];
    assert_eq!(param(q, "sort_created"), ["desc"]);
    assert_eq!(param(q, "start_date"), ["2026-01-14"]);

    // A quiet poll: nothing new, still one request; the overlap window is deduped by id.
    let third = c
        .new_since(&filter, &second.cursor, Duration::from_secs(3600))
        .await
        .unwrap();
    assert!(third.anomalies.is_empty(), "{:?}", ids(&third.anomalies));
    assert_eq!(third.requests, 1);

    // The status re-poll reads the open ones once each, not the archived history.
    emu.auto_resolve(5).unwrap();
    emu.clear_requests();
    let open = c.open_snapshot(&filter).await.unwrap();
    assert_eq!(open.anomalies.len(), 20_002);
    assert_eq!(open.requests, 201);
    let log = list_requests(&emu);
    assert!(log.iter().all(
        |q| param(q, "status") == ["Active", "Acknowledged"] && param(q, "archived").is_empty()
    ));
    emu.shutdown().await;
}

#[tokio::test]
async fn filters_are_sent_as_the_api_takes_them_and_select() {
    let emu = start(Seed::Demo).await;
    let c = client(&emu);
    let all = emu.anomalies();
    let expect = |pred: &dyn Fn(&qualytics_emulator::Anomaly) -> bool| -> Vec<u64> {
        all.iter().filter(|a| pred(a)).map(|a| a.id).collect()
    };
    let run = |f: AnomalyFilter| {
        let c = c.clone();
        async move { ids(&c.list_all(&f).await.unwrap().anomalies) }
    };
    let ds1 = AnomalyFilter {
        datastores: vec![1],
        ..Default::default()
    };
    assert_eq!(
        run(ds1).await,
        expect(&|a| a.datastore.id == 1 && !a.archived)
    );
    // Two datastores: one run each (the API takes one), merged.
    emu.clear_requests();
    let both = AnomalyFilter {
        datastores: vec![1, 2],
        ..Default::default()
    };
    assert_eq!(run(both).await, expect(&|a| !a.archived));
    let sent: Vec<Vec<String>> = list_requests(&emu)
        .iter()
        .map(|q| param(q, "datastore"))
        .collect();
    assert_eq!(sent, [vec!["1".to_owned()], vec!["2".to_owned()]]);
    let orders = AnomalyFilter {
        containers: vec![101],
        ..Default::default()
    };
    assert_eq!(
        run(orders).await,
        expect(&|a| a.container.id == 101 && !a.archived)
    );
    // Containers with a datastore filter that excludes them: nothing.
    let crossed = AnomalyFilter {
        containers: vec![101],
        datastores: vec![2, 3],
        ..Default::default()
    };
    assert!(run(crossed).await.is_empty());
    let tagged = AnomalyFilter {
        tags: vec!["pii".into(), "critical".into()],
        ..Default::default()
    };
    assert_eq!(
        run(tagged).await,
        expect(&|a| !a.archived && (a.has_tag("pii") || a.has_tag("critical")))
    );
    let acked = AnomalyFilter {
        statuses: vec![Q::Acknowledged],
        ..Default::default()
    };
    assert_eq!(
        run(acked).await,
        expect(&|a| a.status == qualytics_emulator::Status::Acknowledged)
    );
    // Archive statuses are only found with `archived` set: the client sets it as qualytics-cli does.
    emu.clear_requests();
    let mixed = AnomalyFilter {
        statuses: vec![Q::Active, Q::Resolved],
        ..Default::default()
    };
    let got = run(mixed).await;
    assert_eq!(
        got,
        expect(&|a| matches!(
            a.status,
            qualytics_emulator::Status::Active | qualytics_emulator::Status::Resolved
        ))
    );
    let q = &list_requests(&emu)[0];
    assert_eq!(param(q, "status"), ["Active", "Resolved"]);
    assert_eq!(param(q, "archived"), ["include"]);
    let history = AnomalyFilter {
        archived: snowlink::source::qualytics::ArchivedFilter::Only,
        start_date: Some(jiff::civil::date(2026, 11, 1)),
        ..Default::default()
    };
    assert_eq!(run(history).await, expect(&|a| a.archived));
    // One page as served.
    let page = c.list_page(&AnomalyFilter::default(), 2, 4).await.unwrap();
    assert_eq!(
        (page.page, page.size, page.total, page.items.len()),
        (2, 4, 6, 2)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn triage_is_written_back_and_read_back_over_http() {
    let emu = start(Seed::Demo).await;
    let c = client(&emu);
    let acked = c.acknowledge(1).await.unwrap();
    assert_eq!((acked.id, acked.status), (1, Q::Acknowledged));
    assert_eq!(c.get(1).await.unwrap().status, Q::Acknowledged);
    let reopened = c.reopen(2).await.unwrap();
    assert_eq!(reopened.status, Q::Active);
    assert_eq!(c.get(2).await.unwrap().status, Q::Active);
    let archived = c.archive(3, ArchiveReason::Invalid).await.unwrap();
    assert_eq!(archived.status, Q::Invalid);
    let del = emu
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert_eq!(del.path, "/api/anomalies/3");
    assert_eq!(param(&del.query, "archive"), ["true"]);
    assert_eq!(param(&del.query, "status"), ["Invalid"]);
    let put = emu
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&put.body).unwrap(),
        serde_json::json!({"status": "Acknowledged"})
    );
    // Archived anomalies stay readable and are not in the open list any more.
    let open = ids(&c
        .open_snapshot(&AnomalyFilter::default())
        .await
        .unwrap()
        .anomalies);
    assert!(!open.contains(&3));

    assert!(c.can_comment().await.unwrap());
    let first = c.comment(1, "INC0010001 opened for this").await.unwrap();
    assert_eq!(
        (first.anomaly_id, first.message.as_str()),
        (1, "INC0010001 opened for this")
    );
    c.clone().comment(1, "second").await.unwrap();
    let stored: Vec<String> = emu.comments(1).into_iter().map(|c| c.message).collect();
    assert_eq!(stored, ["INC0010001 opened for this", "second"]);
    let probes = emu
        .requests()
        .iter()
        .filter(|r| r.path == "/api/openapi.json")
        .count();
    assert_eq!(
        probes, 1,
        "openapi.json is probed once per client, clones included"
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn status_changes_are_found_by_re_polling() {
    let emu = start(Seed::Demo).await;
    let c = client(&emu);
    let filter = AnomalyFilter::default();
    let mut previous: Vec<Snapshot> = c
        .open_snapshot(&filter)
        .await
        .unwrap()
        .anomalies
        .iter()
        .map(Snapshot::of)
        .collect();
    previous.push(Snapshot::of(&c.get(7).await.unwrap()));
    // Outside snowlink: a scan reactivates 7 and auto-resolves 1; someone acknowledges 3.
    emu.scan(ScanSpec {
        reactivate: vec![7],
        auto_resolve: vec![1],
        ..Default::default()
    })
    .unwrap();
    QualyticsClient::new(config(&emu.base_url(), emu.editor_token()))
        .unwrap()
        .acknowledge(3)
        .await
        .unwrap();
    // snowlink archives 5 as Duplicate and remembers it asked.
    c.archive(5, ArchiveReason::Duplicate).await.unwrap();
    previous
        .iter_mut()
        .filter(|s| s.id == 5)
        .for_each(|s| s.requested = Some(Q::Duplicate));
    let fresh = emu
        .add_anomaly(NewAnomaly::new(
            Ref {
                id: 1,
                name: "Sales Warehouse".into(),
            },
            Ref {
                id: 102,
                name: "customers".into(),
            },
            "new one",
        ))
        .unwrap();

    emu.clear_requests();
    let poll = c.status_poll(&filter, &previous).await.unwrap();
    assert_eq!(poll.requests, 3, "one open page, one get each for 1 and 5");
    assert_eq!(emu.requests().len(), 3);
    let changes = diff(&previous, &poll.current);
    let mut got: Vec<(u64, ChangeKind, bool)> =
        changes.iter().map(|c| (c.id, c.kind, c.ours)).collect();
    got.sort_by_key(|c| c.0);
    assert_eq!(
        got,
        [
            (1, ChangeKind::AutoResolved, false),
            (3, ChangeKind::Acknowledged, false),
            (
                5,
                ChangeKind::Archived {
                    reason: Q::Duplicate
                },
                true
            ),
            (7, ChangeKind::Reactivated { was: Q::Resolved }, false),
            (fresh.id, ChangeKind::New { status: Q::Active }, false),
        ]
    );
    assert!(poll.deleted.is_empty() && poll.out_of_scope.is_empty());
    emu.shutdown().await;
}

fn err<T: std::fmt::Debug>(r: Result<T, QualyticsError>) -> QualyticsError {
    r.expect_err("an error")
}

#[tokio::test]
async fn http_failures_are_typed_and_name_the_fix() {
    let emu = start(Seed::Demo).await;
    let c = client(&emu);
    let base = emu.base_url();
    let all = AnomalyFilter::default();

    let bad = QualyticsClient::new(config(&base, "not-a-token-secret-123")).unwrap();
    let e = err(bad.list_all(&all).await);
    assert!(matches!(e, QualyticsError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("create a new API token"), "{e}");
    let expired = emu.issue_token(1, Role::Admin, Duration::ZERO);
    assert!(matches!(
        err(QualyticsClient::new(config(&base, &expired))
            .unwrap()
            .get(1)
            .await),
        QualyticsError::Unauthorized { .. }
    ));

    let viewer = QualyticsClient::new(config(&base, emu.viewer_token())).unwrap();
    assert_eq!(viewer.get(1).await.unwrap().id, 1, "viewers read");
    let e = err(viewer.acknowledge(1).await);
    assert!(matches!(e, QualyticsError::Forbidden { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("the token's user lacks Author/Editor on the datastore"),
        "{e}"
    );

    let e = err(c.get(999).await);
    assert!(matches!(e, QualyticsError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("anomaly 999"), "{e}");
    let e = err(c.acknowledge(7).await);
    assert!(
        matches!(e, QualyticsError::Conflict { .. }),
        "archived 7: {e:?}"
    );
    let e = err(c.list_page(&all, 1, 500).await);
    assert!(matches!(e, QualyticsError::Invalid { .. }), "{e:?}");
    assert!(e.to_string().contains("query.size"), "{e}");

    emu.add_fault(
        FaultSpec::new(FaultKind::RateLimit {
            retry_after_secs: 7,
        })
        .times(1),
    );
    let e = err(c.list_all(&all).await);
    assert!(matches!(e, QualyticsError::RateLimited { .. }), "{e:?}");
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
    assert!(
        e.is_transient() && e.to_string().contains("retry after 7 s"),
        "{e}"
    );
    emu.add_fault(FaultSpec::new(FaultKind::ServerError { status: 503 }).times(1));
    let e = err(c.get(1).await);
    assert!(
        matches!(e, QualyticsError::Server { status: 503, .. }) && e.is_transient(),
        "{e:?}"
    );
    emu.add_fault(FaultSpec::new(FaultKind::MalformedPage).times(1));
    assert!(matches!(
        err(c.list_all(&all).await),
        QualyticsError::Malformed { .. }
    ));
    emu.add_fault(FaultSpec::new(FaultKind::WrongShape).times(1));
    let e = err(c.list_all(&all).await);
    assert!(
        matches!(e, QualyticsError::Malformed { .. }) && e.to_string().contains("\"items\""),
        "{e}"
    );
    // Faults used up: the same calls succeed again.
    assert_eq!(c.list_all(&all).await.unwrap().anomalies.len(), 6);

    // A body over the cap stops while streaming.
    let mut small = config(&base, emu.admin_token());
    small.max_response_bytes = 1024;
    let e = err(QualyticsClient::new(small).unwrap().list_all(&all).await);
    assert!(
        matches!(e, QualyticsError::TooLarge { limit: 1024, .. }),
        "{e:?}"
    );

    // The token is in no error and in no Debug output.
    let secret = "sekrit-token-value-42";
    let leaky = QualyticsClient::new(config(&base, secret)).unwrap();
    let e = err(leaky.get(1).await);
    assert!(!format!("{e} {e:?} {leaky:?} {:?}", config(&base, secret)).contains(secret));
    for url in [
        "ftp://x",
        "http://qualytics.example.com",
        "https://u:p@x.example.com",
    ] {
        let e = err(QualyticsClient::new(config(url, secret)));
        assert!(
            matches!(e, QualyticsError::Config { .. }) && !e.to_string().contains("u:p"),
            "{url}: {e}"
        );
    }
    assert!(QualyticsClient::new(config("https://acme.qualytics.io", secret)).is_ok());
    emu.shutdown().await;
}

/// A server that answers every `/api/anomalies` page with `page(n)` and counts the requests.
async fn hostile(
    page: fn(u64) -> serde_json::Value,
) -> (String, Arc<AtomicU32>, tokio::task::JoinHandle<()>) {
    use axum::extract::Query;
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let app = axum::Router::new()
        .route(
            "/api/anomalies",
            axum::routing::get(move |Query(q): Query<std::collections::HashMap<String, String>>| {
                counter.fetch_add(1, Ordering::SeqCst);
                let n = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
                async move { axum::Json(page(n)) }
            }),
        )
        .route(
            "/api/openapi.json",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"openapi": "3.1.0", "paths": {"/api/anomalies": {"get": {}}}})) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, hits, task)
}

fn items(from: u64) -> Vec<serde_json::Value> {
    (from..from + 100)
        .map(|id| serde_json::json!({"id": id, "status": "Active"}))
        .collect()
}

#[tokio::test]
async fn a_server_that_repeats_pages_or_never_ends_is_stopped() {
    let (url, hits, task) = hostile(
        |_| serde_json::json!({"items": items(1), "total": 1_000_000, "page": 1, "size": 100}),
    )
    .await;
    let c = QualyticsClient::new(config(&url, "t")).unwrap();
    let e = err(c.list_all(&AnomalyFilter::default()).await);
    assert!(
        matches!(e, QualyticsError::RepeatedPage { page: 2, .. }),
        "{e:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    // No comment route in this server's openapi.json: a typed error, and nothing is posted.
    let e = err(c.comment(1, "hello").await);
    assert!(
        matches!(e, QualyticsError::CommentsUnsupported { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("kept in snowlink only"));
    assert!(!c.can_comment().await.unwrap());
    task.abort();

    let (url, hits, task) = hostile(|n| serde_json::json!({"items": items(n * 100), "total": 1_000_000_000u64, "page": n, "size": 100})).await;
    let mut capped = config(&url, "t");
    capped.max_requests = 5;
    let e = err(QualyticsClient::new(capped)
        .unwrap()
        .list_all(&AnomalyFilter::default())
        .await);
    assert!(
        matches!(e, QualyticsError::RequestCap { requests: 5 }),
        "{e:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 5);
    let mut few = config(&url, "t");
    few.max_records = 250;
    let e = err(QualyticsClient::new(few)
        .unwrap()
        .list_all(&AnomalyFilter::default())
        .await);
    assert!(
        matches!(e, QualyticsError::RecordCap { records: 300 }),
        "{e:?}"
    );
    task.abort();
}

#[tokio::test]
async fn bad_records_are_skipped_with_their_id_and_the_rest_kept() {
    let (url, _hits, task) = hostile(|_| {
        serde_json::json!({"items": [
            {"id": 1, "status": "Active", "fingerprint": 5},
            {"id": 2, "status": "Closed"},
            {"id": 3, "status": "Active", "created": "not a time"}
        ], "total": 3, "page": 1, "size": 100})
    })
    .await;
    let c = QualyticsClient::new(config(&url, "t")).unwrap();
    let got = c.list_all(&AnomalyFilter::default()).await.unwrap();
    assert_eq!(ids(&got.anomalies), [1]);
    let skipped: Vec<Option<String>> = got.skipped.iter().map(|s| s.id.clone()).collect();
    assert_eq!(skipped, [Some("2".to_owned()), Some("3".to_owned())]);
    assert_eq!(
        got.anomalies[0].raw,
        r#"{"fingerprint":5,"id":1,"status":"Active"}"#
    );
    task.abort();
}

/// The ingester will run the client on spawned tasks: every call's future must be `Send`
/// (this fails to compile otherwise; the futures are dropped unpolled).
#[test]
fn client_futures_are_send() {
    fn send<T: Send>(_: T) {}
    let c = QualyticsClient::new(config("http://127.0.0.1:1", "t")).unwrap();
    let f = AnomalyFilter::default();
    let cursor = NewSinceCursor::default();
    send(c.list_all(&f));
    send(c.new_since(&f, &cursor, Duration::ZERO));
    send(c.status_poll(&f, &[]));
    send(c.comment(1, "x"));
    send(c.archive(1, ArchiveReason::Resolved));
}

/// A server that accepts and never answers: the total deadline ends the request.
#[tokio::test]
async fn a_silent_server_ends_at_the_deadline() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let mut cfg = config(&url, "t");
    cfg.timeout = Duration::from_millis(300);
    let e = err(QualyticsClient::new(cfg).unwrap().get(1).await);
    assert!(
        matches!(e, QualyticsError::Timeout { .. }) && e.is_transient(),
        "{e:?}"
    );
    assert!(e.to_string().contains("raise timeout_secs"), "{e}");
    task.abort();
}
