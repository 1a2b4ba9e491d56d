//! The rule runner against the emulator, its clock driven through `run_pass(now)` (never by
//! sleeping): consolidated notes, reopen vs new, the earlier-incidents listing, creation delay,
//! manual link/unlink, a fresh data directory over the same ServiceNow, and two runners on one
//! store (issue 11 points 3, 4, 6, 7).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod rules_common;
mod sync_common;

use common::{TestEnv, exit_code, stderr, stdout};
use jiff::Timestamp;
use rules_common::*;
use serde_json::Value;
use snowlink::config::RuleConfig;
use snowlink::domain::{Anomaly, AnomalyKey, Status};
use snowlink::rules::RuleSet;
use snowlink::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_become_one_consolidated_note_per_interval() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let r = runner(&env, &dir, rules("consolidation_interval = \"15m\"")).await;
    let t0 = Timestamp::now();
    add(&dir, "A-0", "k", t0);
    assert_eq!(pass(&r, t0).await.decisions.get("create"), Some(&1));
    deliver(&env, &dir).await;
    for i in 1..=20 {
        add(&dir, &format!("A-{i}"), "k", mins(t0, 1));
        pass(&r, mins(t0, 1 + i / 5)).await;
    }
    assert_eq!(
        pass(&r, mins(t0, 14)).await.notes,
        0,
        "not due before the interval"
    );
    assert_eq!(pass(&r, mins(t0, 15)).await.notes, 1);
    deliver(&env, &dir).await;
    for i in 21..=25 {
        add(&dir, &format!("A-{i}"), "k", mins(t0, 16));
    }
    let p = pass(&r, mins(t0, 16)).await;
    assert_eq!(p.decisions.get("merge"), Some(&5));
    assert_eq!(pass(&r, mins(t0, 29)).await.notes, 0);
    assert_eq!(pass(&r, mins(t0, 30)).await.notes, 1);
    deliver(&env, &dir).await;

    let inc = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(inc.len(), 1, "{inc:#?}");
    let notes = env.work_notes(inc[0]["sys_id"].as_str().unwrap()).await;
    let ours = rule_notes(&notes);
    assert_eq!(ours.len(), 2, "{notes:#?}");
    let first = ours
        .iter()
        .find(|n| n.contains("20 more"))
        .expect("20 in one note");
    let second = ours
        .iter()
        .find(|n| n.contains("5 more"))
        .expect("5 in the next");
    for i in 1..=20 {
        assert!(
            first.contains(&format!("dq/A-{i} [high]:")),
            "A-{i} in {first}"
        );
    }
    for i in 21..=25 {
        assert!(second.contains(&format!("dq/A-{i} [high]:")), "A-{i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resolved_is_reopened_closed_is_never_reopened_and_the_new_one_names_it() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let r = runner(&env, &dir, rules("update_interval = \"24h\"")).await;
    let t0 = Timestamp::now();
    add(&dir, "R-0", "k", t0);
    pass(&r, t0).await;
    deliver(&env, &dir).await;
    let first = incidents(&env, "snowlink:rule:r:").await;
    let sys0 = first[0]["sys_id"].as_str().unwrap().to_string();
    let num0 = first[0]["number"].as_str().unwrap().to_string();

    set_state(&env, &sys0, "6").await;
    add(&dir, "R-1", "k", mins(t0, 5));
    let p = pass(&r, mins(t0, 5)).await;
    assert_eq!(p.decisions.get("reopen"), Some(&1), "{p:?}");
    deliver(&env, &dir).await;
    assert_eq!(
        env.incident(&num0).await["state"],
        "2",
        "Resolved → In Progress"
    );

    set_state(&env, &sys0, "7").await;
    add(&dir, "R-2", "k", mins(t0, 10));
    let p = pass(&r, mins(t0, 10)).await;
    assert_eq!(p.decisions.get("create"), Some(&1), "{p:?}");
    deliver(&env, &dir).await;
    assert_eq!(
        env.incident(&num0).await["state"],
        "7",
        "Closed stays closed"
    );
    let all = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(all.len(), 2, "{all:#?}");
    let next = all.iter().find(|i| i["sys_id"] != sys0.as_str()).unwrap();
    assert!(next["correlation_id"].as_str().unwrap().ends_with("#1"));
    let desc = next["description"].as_str().unwrap();
    assert!(
        desc.contains("Earlier incidents with the same key"),
        "{desc}"
    );
    assert!(
        desc.contains(&num0),
        "the new incident names {num0}: {desc}"
    );
    assert!(desc.contains("Closed"), "with its state: {desc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creation_delay_creates_nothing_for_an_anomaly_acknowledged_meanwhile() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let r = runner(&env, &dir, rules("creation_delay = \"5m\"")).await;
    let t0 = Timestamp::now();
    add(&dir, "D-1", "acked", t0);
    add(&dir, "D-2", "kept", t0);
    let p = pass(&r, t0).await;
    assert_eq!(p.decisions.get("delay"), Some(&2), "{p:?}");
    assert!(
        pass(&r, mins(t0, 4)).await.decisions.is_empty(),
        "still waiting"
    );
    {
        let mut s = Store::open(&db_path(&dir)).unwrap();
        s.record_status_change(
            &AnomalyKey::new(SOURCE, "D-1"),
            Status::Acknowledged,
            "ann",
            mins(t0, 2),
        )
        .unwrap();
    }
    let p = pass(&r, mins(t0, 5)).await;
    assert_eq!(p.decisions.get("create"), Some(&1), "{p:?}");
    assert_eq!(p.decisions.get("skip"), Some(&1), "{p:?}");
    deliver(&env, &dir).await;
    let s = Store::open(&db_path(&dir)).unwrap();
    let d = s.rule_decisions(Some("r")).unwrap();
    let skip = d
        .iter()
        .find(|d| d.anomaly.id == "D-1" && d.action.code() == "skip")
        .unwrap();
    assert!(skip.why.contains("acknowledged"), "{}", skip.why);
    let inc = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(inc.len(), 1, "only D-2's: {inc:#?}");
    assert!(
        s.links_for_anomaly(&AnomalyKey::new(SOURCE, "D-1"))
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_linked_anomaly_is_skipped_and_an_unlinked_auto_link_is_not_recreated() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let existing = sync_common::create_incidents(&env, 1).await;
    let t0 = Timestamp::now();
    add(&dir, "M-1", "person", t0);
    let out = env
        .run(&["ticket", "link", "M-1", &existing[0].number])
        .await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    add(&dir, "M-2", "auto", t0);
    let r = runner(&env, &dir, rules("")).await;
    let p = pass(&r, t0).await;
    assert_eq!(p.decisions.get("skip"), Some(&1), "{p:?}");
    assert_eq!(p.decisions.get("create"), Some(&1), "{p:?}");
    deliver(&env, &dir).await;
    let made = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(made.len(), 1);
    let num = made[0]["number"].as_str().unwrap();
    let out = env.run(&["ticket", "unlink", "M-2", num]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let p = pass(&r, mins(t0, 1)).await;
    assert!(
        p.decisions.is_empty(),
        "unlinking does not make the rule act again: {p:?}"
    );
    deliver(&env, &dir).await;
    assert_eq!(incidents(&env, "snowlink:rule:r:").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_data_directory_adopts_the_open_incident_instead_of_creating() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let t0 = Timestamp::now();
    add(&dir, "N-1", "k", t0);
    pass(&runner(&env, &dir, rules("")).await, t0).await;
    deliver(&env, &dir).await;
    // Another machine: a new store, the same anomaly stream, the same ServiceNow.
    let other = env.dir.path().join("other");
    add(&other, "N-1", "k", t0);
    add(&other, "N-2", "k", t0);
    sync_common::clear_requests(&env).await;
    let p = pass(&runner(&env, &other, rules("")).await, mins(t0, 1)).await;
    assert!(!p.decisions.contains_key("create"), "{p:?}");
    assert_eq!(p.decisions.get("merge"), Some(&2), "{p:?}");
    deliver(&env, &other).await;
    let inc = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(inc.len(), 1, "{inc:#?}");
    let s = Store::open(&db_path(&other)).unwrap();
    for id in ["N-1", "N-2"] {
        let l = s.links_for_anomaly(&AnomalyKey::new(SOURCE, id)).unwrap();
        assert_eq!(
            l[0].incident.sys_id,
            inc[0]["sys_id"].as_str().unwrap(),
            "{id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_on_one_store_decide_each_anomaly_once() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let t0 = Timestamp::now();
    {
        let mut s = Store::open(&db_path(&dir)).unwrap();
        let batch: Vec<Anomaly> = (0..300)
            .map(|i| {
                let mut a = Anomaly::new(format!("T-{i}"), "null");
                a.fingerprint = Some(format!("k{}", i % 30));
                a
            })
            .collect();
        s.upsert_anomalies(SOURCE, &batch, t0).unwrap();
    }
    let set = rules("flood_limit = 100");
    let a = runner(&env, &dir, set.clone()).await;
    let b = runner(&env, &dir, set).await;
    let (ra, rb) = tokio::join!(a.run_pass(t0), b.run_pass(t0));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let created =
        ra.decisions.get("create").unwrap_or(&0) + rb.decisions.get("create").unwrap_or(&0);
    assert_eq!(created, 30, "{ra:?} {rb:?}");
    deliver(&env, &dir).await;
    let s = Store::open(&db_path(&dir)).unwrap();
    assert_eq!(s.rule_decisions(Some("r")).unwrap().len(), 300);
    assert_eq!(incidents(&env, "snowlink:rule:r:").await.len(), 30);
}

/// A template names its assignment group and assignee; the create carries their sys_ids (a
/// name sent as a raw value would be a broken reference), and a name the instance does not know
/// is left out and reported, not sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_names_are_sent_as_the_instances_sys_ids() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let set = rules(
        "template = { short_description = \"{title}\", assignment_group = \"Database\", assigned_to = \"beth.anglin\" }",
    );
    let r = runner(&env, &dir, set).await;
    let t0 = Timestamp::now();
    add(&dir, "A-1", "named", t0);
    let report = pass(&r, t0).await;
    assert_eq!(report.decisions.get("create"), Some(&1), "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
    deliver(&env, &dir).await;
    let made = env
        .admin_get(
            "/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:r:&sysparm_fields=assignment_group,assigned_to&sysparm_display_value=all",
        )
        .await;
    let inc = &made["result"][0];
    assert_eq!(
        inc["assignment_group"]["display_value"], "Database",
        "{made}"
    );
    assert_eq!(inc["assigned_to"]["display_value"], "Beth Anglin", "{made}");
    assert_eq!(inc["assignment_group"]["value"].as_str().unwrap().len(), 32);

    // A group the instance does not have: left out, and said.
    let dir2 = tempfile::tempdir().unwrap();
    let set = rules("template = { assignment_group = \"No Such Team\" }");
    let r = runner(&env, dir2.path(), set).await;
    add(dir2.path(), "A-2", "unnamed", t0);
    let report = pass(&r, t0).await;
    assert_eq!(report.decisions.get("create"), Some(&1), "{report:?}");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("\"No Such Team\" is not on instance default")),
        "{report:?}"
    );
    let store = Store::open(&db_path(dir2.path())).unwrap();
    let queued = store
        .outbox_list(&Default::default())
        .unwrap()
        .into_iter()
        .find(|d| d.kind == snowlink::store::DeliveryKind::Create)
        .unwrap();
    let body: Value = serde_json::from_str(&queued.payload).unwrap();
    assert!(body.get("assignment_group").is_none(), "{body}");
}

/// `action = "link"`: an anomaly the link rule matches is linked to the open incident another
/// rule made for the same key, and nothing is created for it; without such an incident, nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_rule_links_to_the_incident_another_rule_made_for_the_key() {
    let env = TestEnv::start().await;
    let dir = env.data_dir();
    let link: RuleConfig = toml::from_str(&format!(
        "name = \"echoes\"\naction = \"link\"\nmatch = {{ source = \"{SOURCE}\", title = \"(?i)echo\" }}"
    ))
    .unwrap();
    let create: RuleConfig = toml::from_str(&format!(
        "name = \"r\"\nmatch = {{ source = \"{SOURCE}\" }}"
    ))
    .unwrap();
    let set = RuleSet::from_config(
        &[link, create],
        &[SOURCE.to_string()],
        &["default".to_string()],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let r = runner(&env, &dir, set).await;
    let t0 = Timestamp::now();
    // An echo before any incident holds its key: nothing to link to, nothing created.
    let mut s = Store::open(&db_path(&dir)).unwrap();
    let mut early = Anomaly::new("E-0", "echo of the nightly load");
    early.fingerprint = Some("load".into());
    s.upsert_anomalies(SOURCE, &[early], t0).unwrap();
    let report = pass(&r, t0).await;
    assert_eq!(report.decisions.get("create"), None, "{report:?}");
    // The create rule makes the incident of key "load"; a later echo is linked to it.
    add(&dir, "A-1", "load", mins(t0, 1));
    assert_eq!(
        pass(&r, mins(t0, 1)).await.decisions.get("create"),
        Some(&1)
    );
    deliver(&env, &dir).await;
    let mut echo = Anomaly::new("E-1", "Echo: nightly load failed again");
    echo.fingerprint = Some("load".into());
    s.upsert_anomalies(SOURCE, &[echo], mins(t0, 2)).unwrap();
    let report = pass(&r, mins(t0, 2)).await;
    assert_eq!(report.decisions.get("link"), Some(&1), "{report:?}");
    assert_eq!(report.decisions.get("create"), None, "{report:?}");
    let made = incidents(&env, "snowlink:rule:r:").await;
    assert_eq!(made.len(), 1, "{made:?}");
    let links = s
        .links_for_anomaly(&AnomalyKey::new(SOURCE, "E-1"))
        .unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(
        links[0].incident.sys_id,
        made[0]["sys_id"].as_str().unwrap()
    );
    assert_eq!(links[0].linked_by, "rule:echoes");
    assert!(
        s.links_for_anomaly(&AnomalyKey::new(SOURCE, "E-0"))
            .unwrap()
            .is_empty()
    );
}
