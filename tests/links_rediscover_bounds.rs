//! `snowlink links rediscover` beyond the happy path (issue 14 point 4): a run is bounded (pages,
//! a cap per table with the `--since` to go on from), alerts its events became come back, a
//! rejected login or a user without read access is named with its fix (exit 3), and
//! `--instance` reads only that instance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod events_common;
mod rediscover_common;

use std::collections::BTreeSet;

use common::{TestEnv, exit_code, free_port, stderr};
use rediscover_common::*;
use snowlink::ops::{ReadBounds, RediscoverOptions, rediscover_instance};

fn client(url: &str) -> servicenow_client::Client {
    use servicenow_client::{Auth, Client, ClientConfig, SecretString};
    let auth = Auth::Basic {
        username: "itil".into(),
        password: SecretString::from("itil"),
    };
    Client::new(ClientConfig::new(url, auth).timeout(std::time::Duration::from_secs(5))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_pages_stops_at_its_cap_and_says_where_to_go_on() {
    let env = TestEnv::start().await;
    // The seed's four snowlink incidents, updated 2026-11-09, -10, -16 and -20.
    let opts = |since| RediscoverOptions {
        store: env.dir.path().join("lib").join("snowlink.db").into(),
        since,
        dry_run: false,
        user: "tester".into(),
        sources: vec!["warehouse-dq".into()],
        url_template: None,
        rules: Default::default(),
        bounds: ReadBounds {
            page_size: 1,
            cap: 2,
        },
    };
    let c = client(&env.url);
    let r = rediscover_instance(&c, "default", &opts(None))
        .await
        .unwrap();
    let inc = &r.tables[0];
    assert_eq!(
        (inc.table.as_str(), inc.records, inc.added),
        ("incident", 2, 2)
    );
    assert!(inc.requests >= 3, "one record per page: {inc:?}");
    let capped = inc.capped.as_deref().unwrap_or_else(|| panic!("{inc:?}"));
    assert!(
        capped.contains("stopped after 2 records of incident")
            && capped.contains("--since '2026-11-10 09:10:10'"),
        "{capped}"
    );
    // Going on from there reads the rest (the boundary record again: already present).
    let since: jiff::Timestamp = "2026-11-10T09:10:10Z".parse().unwrap();
    let r = rediscover_instance(&c, "default", &opts(Some(since)))
        .await
        .unwrap();
    let inc = &r.tables[0];
    assert_eq!((inc.added, inc.already_present), (1, 1), "{inc:?}");
    assert!(
        inc.capped.is_some(),
        "A-1004 is still beyond the cap: {inc:?}"
    );
    let since: jiff::Timestamp = "2026-11-16T11:52:28Z".parse().unwrap();
    let r = rediscover_instance(&c, "default", &opts(Some(since)))
        .await
        .unwrap();
    let inc = &r.tables[0];
    assert_eq!((inc.records, inc.added), (2, 1), "{inc:?}");
    assert!(inc.capped.is_none(), "{inc:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_an_event_became_is_linked_again() {
    let env = events_common::start().await;
    let v = ok_json(&env, &["event", "send", "A-1001"]).await;
    let alert = v["alert"]["number"].as_str().unwrap().to_string();
    let one = link_set(&env, &env.data_dir()).await;
    let two = machine_two(&env);
    let (out, v) = json_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let got = link_set(&env, &two).await;
    let alerts: BTreeSet<&Vec<String>> = got.iter().filter(|l| l[3] == "em_alert").collect();
    assert_eq!(alerts, one.iter().collect(), "{v}");
    assert_eq!(alerts.iter().next().unwrap()[5], alert);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_login_and_a_user_without_read_access_name_the_fix() {
    let env = TestEnv::start().await;
    let two = machine_two(&env);
    env.write_config("itil", "wrong");
    let out = run_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("default: incident:"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).to_lowercase().contains("password"),
        "the fix is named: {}",
        stderr(&out)
    );
    env.write_config("guest", "guest");
    let (out, v) = json_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 3, "{v}\n{}", stderr(&out));
    let err = v["instances"][0]["tables"][0]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"));
    assert!(err.contains("needs read access to incident"), "{err}");
    assert!(link_set(&env, &two).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_reads_only_that_instance() {
    let env = TestEnv::start().await;
    env.add_admin_instance("sandbox", &format!("http://127.0.0.1:{}", free_port()), "");
    let two = machine_two(&env);
    let (out, v) = json_in(
        &env,
        &two,
        &["--instance", "default", "links", "rediscover"],
    )
    .await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let names: Vec<&str> = v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["instance"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["default"]);
    assert_eq!(total(&v, "added"), 4, "the seed's four: {v}");
}
