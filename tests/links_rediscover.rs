//! `snowlink links rediscover` (issue 14 point 4): ServiceNow is the system of record, so a new
//! machine (an empty data directory, the same config) rebuilds every link from the records'
//! correlation ids, description blocks and rule notes — reading only. Real binary, real
//! emulator(s) over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod rediscover_common;

use std::collections::BTreeSet;

use common::{TestEnv, exit_code, free_port, stderr, stdout, work_notes_by};
use rediscover_common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_machine_recovers_every_link_from_servicenow_by_reading_only() {
    let env = TestEnv::start().await;
    add_to_config(
        &env,
        "[[rules]]\nname = \"refunds\"\n\
         match = { source = \"warehouse-dq\", title = \"^(Refund volume spike|Postal codes fail country-specific pattern)$\" }\n\
         dedupe = [\"source\"]\nconsolidation_interval = \"0s\"",
    );
    // Machine one: two incidents made by hand (the second with two anomalies), a problem, a
    // seed incident linked by hand (a block, no correlation id), a rule's incident with a
    // second anomaly that joined it (named only in the rule's consolidated note), and an
    // anomaly from a file the other machine's sources do not list.
    let first = number(&ok_json(&env, &["ticket", "create", "A-1001"]).await);
    let second = number(&ok_json(&env, &["ticket", "create", "A-1002"]).await);
    ok_json(&env, &["ticket", "link", "A-1004", &second]).await;
    let problem =
        number(&ok_json(&env, &["ticket", "create", "A-1007", "--table", "problem"]).await);
    assert!(problem.starts_with("PRB"), "{problem}");
    ok_json(&env, &["ticket", "link", "A-1008", "INC0000005"]).await;
    let extra = env.dir.path().join("extra.ndjson");
    std::fs::write(
        &extra,
        "{\"id\":\"X-1\",\"title\":\"Only on machine one\"}\n",
    )
    .unwrap();
    let out = env
        .run(&["load", extra.to_str().unwrap(), "--source", "scratch"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    ok_json(&env, &["ticket", "create", "X-1"]).await;
    // The create, then the consolidated note naming A-1017 (due at once): a few passes at most.
    let mut rule_incident = String::new();
    for _ in 0..5 {
        let out = env.run(&["sync", "--once"]).await;
        assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
        let one = link_set(&env, &env.data_dir()).await;
        if let Some(l) = one.iter().find(|l| l[1] == "A-1016") {
            rule_incident = l[5].clone();
            let notes = work_notes_by(&env.url, &rule_incident).await;
            if notes.iter().any(|(_, n)| n.contains("warehouse-dq/A-1017")) {
                break;
            }
        }
    }
    let notes = work_notes_by(&env.url, &rule_incident).await;
    let joined_notes = notes
        .iter()
        .filter(|(_, n)| n.contains("snowlink rule refunds:"))
        .count();
    assert_eq!(joined_notes, 1, "the rule's consolidated note: {notes:?}");
    let one = link_set(&env, &env.data_dir()).await;
    let rule_made: BTreeSet<&str> = one
        .iter()
        .filter(|l| l[5] == rule_incident)
        .map(|l| l[1].as_str())
        .collect();
    assert_eq!(rule_made, BTreeSet::from(["A-1016", "A-1017"]), "{one:?}");
    assert_eq!(one.len(), 8, "{one:?}");
    // The emulator's seed holds four incidents snowlink made before (`…#seed` correlation
    // ids): ServiceNow says they are linked, so they come back too.
    let seeded = seeded_links(&env).await;
    assert_eq!(seeded.len(), 4, "{seeded:?}");
    let every: BTreeSet<Vec<String>> = one.union(&seeded).cloned().collect();

    // Machine two rediscovers: every link back, and only GETs reached ServiceNow.
    let two = machine_two(&env);
    clear_requests(&env).await;
    let (out, v) = json_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    assert_eq!(total(&v, "added"), 12, "{v}");
    assert_eq!(
        total(&v, "placeholders"),
        1,
        "X-1 is in no source here: {v}"
    );
    assert_eq!(total(&v, "unparseable"), 0, "{v}");
    let asked = requests(&env).await;
    assert!(!asked.is_empty());
    let writes: Vec<&Value> = asked.iter().filter(|r| r["method"] != "GET").collect();
    assert!(
        writes.is_empty(),
        "rediscovery wrote to ServiceNow: {writes:#?}"
    );
    assert_eq!(link_set(&env, &two).await, every);

    // The rule's link is the rule's, and its key came back: the runner joins, not creates.
    let (_, links) = json_in(&env, &two, &["links"]).await;
    let by = |id: &str| {
        links["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["anomaly"]["id"] == id)
            .map(|l| l["linked_by"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(by("A-1016"), "rule:refunds");
    assert_eq!(by("A-1017"), "rule:refunds");
    assert_eq!(by("A-1001"), "Test Engineer");
    let (_, rules) = json_in(&env, &two, &["rules"]).await;
    assert_eq!(rules["rules"][0]["linked"], 2, "{rules}");

    // A second run adds nothing.
    let (out, again) = json_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 0, "{again}");
    assert_eq!(total(&again, "added"), 0, "{again}");
    assert_eq!(total(&again, "already_present"), 12, "{again}");

    // On machine two, the rules runner leaves the rule's anomaly alone, and an ack reaches the
    // rediscovered incident once.
    let out = run_in(&env, &two, &["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{}", stdout(&out), stderr(&out));
    let made = env
        .admin_get("/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:refunds&sysparm_fields=number")
        .await;
    assert_eq!(made["result"].as_array().unwrap().len(), 1, "{made}");
    let notes = work_notes_by(&env.url, &rule_incident).await;
    let after = notes
        .iter()
        .filter(|(_, n)| n.contains("snowlink rule refunds:"))
        .count();
    assert_eq!(
        after, joined_notes,
        "a joined-anomaly note was sent for a rediscovered link: {notes:?}"
    );
    let (out, v) = json_in(&env, &two, &["ack", "A-1002"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let notes = work_notes_by(&env.url, &second).await;
    let acks = notes
        .iter()
        .filter(|(_, n)| n.contains("Anomaly A-1002 status: Acknowledged"))
        .count();
    assert_eq!(acks, 1, "{notes:?}");
    assert!(!first.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mangled_block_is_reported_and_since_limits_the_read() {
    let env = TestEnv::start().await;
    let old = number(&ok_json(&env, &["ticket", "create", "A-1001"]).await);
    ok_json(&env, &["ticket", "link", "A-1003", "INC0000006"]).await;
    edit_description(
        &env,
        "incident",
        "INC0000006",
        "Anomaly ID: A-1003",
        "Anomaly ID: A-1003 (checked by Ann)",
    )
    .await;
    // Wait until the (shared) clock is past the last write's second, then write once more:
    // only that record is updated after `cut`.
    let last = env.incident("INC0000006").await["sys_updated_on"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let cut = loop {
        let now = jiff::Timestamp::now()
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string();
        if now > last {
            break now;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the clock did not move"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let new = number(&ok_json(&env, &["ticket", "create", "A-1002"]).await);

    let two = machine_two(&env);
    let (out, v) = json_in(&env, &two, &["links", "rediscover", "--since", &cut]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    let got = link_set(&env, &two).await;
    let numbers: BTreeSet<String> = got.iter().map(|l| l[5].clone()).collect();
    assert_eq!(numbers, BTreeSet::from([new.clone()]), "{v}");

    // Without --since: the older incident too; the hand-edited block is reported, not added.
    let out = run_in(&env, &two, &["links", "rediscover", "--dry-run"]).await;
    let text = stdout(&out);
    assert_eq!(exit_code(&out), 0, "{text}\n{}", stderr(&out));
    let seeded = seeded_links(&env).await;
    let seeded_numbers: BTreeSet<String> = seeded.iter().map(|l| l[5].clone()).collect();
    assert!(
        text.contains(&format!("would add {}", 1 + seeded.len())),
        "{text}"
    );
    assert_eq!(link_set(&env, &two).await.len(), 1, "a dry run added links");
    let out = run_in(&env, &two, &["links", "rediscover"]).await;
    let text = stdout(&out);
    assert_eq!(exit_code(&out), 0, "{text}\n{}", stderr(&out));
    assert!(
        text.contains("INC0000006: unparseable: description block `--- snowlink anomaly A-1003 ---`: the header does not match"),
        "{text}"
    );
    let numbers: BTreeSet<String> = link_set(&env, &two)
        .await
        .iter()
        .map(|l| l[5].clone())
        .collect();
    let mut want = seeded_numbers;
    want.extend([old, new]);
    assert_eq!(numbers, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_is_down_is_named_and_the_others_are_still_read() {
    let env = TestEnv::start().await;
    env.add_admin_instance("sandbox", &format!("http://127.0.0.1:{}", free_port()), "");
    let made = number(&ok_json(&env, &["ticket", "create", "A-1001"]).await);
    let two = machine_two(&env);
    let (out, v) = json_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 4, "{v}\n{}", stderr(&out));
    let inst = |name: &str| {
        v["instances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["instance"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing: {v}"))
    };
    let sandbox = inst("sandbox");
    let err = sandbox["tables"][0]["error"].as_str().unwrap_or("");
    assert!(err.contains("refused"), "{sandbox}");
    assert!(sandbox["tables"][1]["skipped"].is_string(), "{sandbox}");
    let seeded = seeded_links(&env).await;
    let n = 1 + seeded.len();
    assert_eq!(inst("default")["tables"][0]["added"], n, "{v}");
    let numbers: BTreeSet<String> = link_set(&env, &two)
        .await
        .iter()
        .map(|l| l[5].clone())
        .collect();
    let mut want: BTreeSet<String> = seeded.iter().map(|l| l[5].clone()).collect();
    want.insert(made);
    assert_eq!(numbers, want);
    // Text mode names the cause on stderr, the healthy instance's summary on stdout.
    let out = run_in(&env, &two, &["links", "rediscover"]).await;
    assert_eq!(exit_code(&out), 4);
    assert!(
        stderr(&out).contains("sandbox: incident:"),
        "{}",
        stderr(&out)
    );
    let line = format!(
        "default: incident: {n} records read, {n} links found: added 0, {n} already present"
    );
    assert!(stdout(&out).contains(&line), "{}", stdout(&out));
}
