//! The dashboard's backend with ServiceNow unreachable (the emulator hibernating): the ticket
//! form's lookups answer from the last good read, with its age and the reason, and a create is
//! planned from that cache and queued instead of failing (docs/store.md §Lookup cache).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use servicenow_emulator::EmulatorConfig;
use snowlink::cli::dashboard::LiveBackend;
use snowlink::config::{Config, MapEnv};
use snowlink::domain::{AnomalyKey, TicketDraft};
use snowlink::ops::Session;
use snowlink::tui::backend::{Backend, CreateOutcome};

async fn fault(base: &str, spec: Option<&str>) {
    let http = reqwest::Client::new();
    let url = format!("{base}/__emulator/faults");
    let resp = match spec {
        Some(spec) => {
            http.post(&url)
                .json(&serde_json::json!({ "spec": spec }))
                .send()
                .await
        }
        None => http.delete(&url).send().await,
    };
    assert!(resp.unwrap().status().is_success());
}

#[tokio::test(flavor = "multi_thread")]
async fn lookups_fall_back_to_the_cache_and_a_create_is_queued_while_servicenow_hibernates() {
    let emu = servicenow_emulator::start(EmulatorConfig::default())
        .await
        .unwrap();
    let base = emu.base_url();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let text = format!(
        "[instances.default]\nurl = \"{base}\"\nusername = \"itil\"\npassword = \"itil\"\n"
    );
    let config = Config::from_str_at(&text, &path, Some(0o600)).unwrap();
    let profile = config.profile(None, &MapEnv::new()).unwrap();
    let client = snowlink::cli::context::client_for(&profile).await.unwrap();
    let session = Session {
        store: dir.path().join("snowlink.db").into(),
        user: "tester".into(),
        url_template: None,
        ticket_defaults: Default::default(),
        profile,
        others: Vec::new(),
        client: Some(client),
    };
    {
        let mut store = session.store.open().unwrap();
        let sample = dir.path().join("anomalies.ndjson");
        std::fs::write(&sample, include_str!("../assets/anomalies.ndjson")).unwrap();
        snowlink::ops::load_file(&mut store, "warehouse-dq", &sample).unwrap();
    }
    let backend = LiveBackend::new(
        session.clone(),
        Arc::new(tokio::sync::Notify::new()),
        tokio::sync::broadcast::channel(16).0,
        false,
    );

    // Online: live answers (no cache note), written to the cache.
    let live = backend
        .choices("default", "incident", "category", None)
        .await
        .unwrap();
    assert!(live.cached.is_none());
    assert!(live.items.iter().any(|c| c.value == "database"), "{live:?}");
    let groups = backend.search_groups("default", "Data").await.unwrap();
    assert!(groups.cached.is_none());
    let db = groups
        .items
        .iter()
        .find(|g| g.name == "Database")
        .cloned()
        .unwrap();
    // An online plan reads (and caches) the caller, as the first create of a day does.
    let first = snowlink::ops::load_anomaly(&session, "A-1001").unwrap();
    let mut draft = TicketDraft::for_anomaly(&first.anomaly);
    draft.caller = Some("itil".into());
    let plan = snowlink::ops::plan_create(&session, &first, &draft)
        .await
        .unwrap();
    assert!(plan.offline.is_none());

    fault(&base, Some("hibernate")).await;

    // Offline: the same answers, from the cache, with their age and why.
    let cached = backend
        .choices("default", "incident", "category", None)
        .await
        .unwrap();
    assert_eq!(cached.items, live.items);
    let note = cached.cached.expect("served from the cache");
    assert!(note.read_at <= jiff::Timestamp::now());
    assert_eq!(note.why, "ServiceNow unreachable", "{note:?}");
    let cached_groups = backend.search_groups("default", "Data").await.unwrap();
    assert!(cached_groups.cached.is_some());
    assert!(cached_groups.items.contains(&db), "{cached_groups:?}");
    // A list never read is not invented: the error says why and what to do.
    let never = backend
        .choices("default", "incident", "subcategory", Some("database"))
        .await
        .unwrap_err();
    assert!(never.contains("no earlier read"), "{never}");

    // A name never read cannot be resolved offline: said plainly, nothing queued.
    let key = AnomalyKey::new("warehouse-dq", "A-1002");
    let second = snowlink::ops::load_anomaly(&session, "A-1002").unwrap();
    let mut draft = TicketDraft::for_anomaly(&second.anomaly);
    draft.category = Some("database".into());
    draft.assignment_group = Some(db.sys_id.clone());
    draft.caller = Some("itil".into());
    let mut unknown = draft.clone();
    unknown.assigned_to = Some("nobody.known".into());
    let e = backend
        .create_ticket("default", &key, &unknown, &[])
        .await
        .unwrap_err();
    assert!(e.contains("cannot be resolved offline"), "{e}");
    assert!(
        backend
            .detail(&key)
            .await
            .unwrap()
            .pending_creates
            .is_empty()
    );

    // The group picked (a sys_id), the category and the caller from the cache: queued.
    let outcome = backend
        .create_ticket("default", &key, &draft, &[])
        .await
        .unwrap();
    let CreateOutcome::Queued { id, why } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(why.contains("unreachable"), "{why}");
    let detail = backend.detail(&key).await.unwrap();
    assert_eq!(detail.pending_creates.len(), 1, "{detail:?}");
    assert_eq!(detail.pending_creates[0].id, id);
    let store = session.store.open().unwrap();
    let queued = store.outbox_get(id).unwrap().unwrap();
    let body: serde_json::Value = serde_json::from_str(&queued.payload).unwrap();
    assert_eq!(body["assignment_group"], db.sys_id.as_str());
    assert_eq!(body["category"], "database");
    assert!(
        body["correlation_id"]
            .as_str()
            .unwrap()
            .starts_with("snowlink:warehouse-dq/A-1002#"),
        "{body}"
    );
    fault(&base, None).await;
    emu.shutdown().await;
}
