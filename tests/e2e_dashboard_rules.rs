//! End to end in a real terminal: the dashboard's background worker runs the `[[rules]]`
//! (issue 11, docs/rules.md). `snowlink` (the dashboard) in tmux over the emulator, with an
//! NDJSON file source and one `create` rule (severity >= high, the group by name, a
//! `{placeholder}` short description, flood_limit 2). Anomalies appended while it runs become
//! exactly flood_limit + 1 incidents (checked over the admin Table API); the links pane marks the
//! rule's link, the rules popup shows the counts; a person unlinking an automatic link is not
//! undone by the next runner pass. Waiting is by polling for conditions (bounded, generous);
//! nothing asserts on speed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod tmux_common;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use common::TestEnv;
use serde_json::{Value, json};
use snowlink::domain::AnomalyKey;
use snowlink::store::Store;
use tmux_common::Tmux;
use tmux_common::demo::get;

const SOURCE: &str = "warehouse-dq";
const RULE: &str = "sev-high";
const LIMIT: usize = 2;

/// Appends NDJSON lines in one write, so the ingester sees them in this order.
fn append(file: &Path, rows: &[Value]) {
    let text: String = rows.iter().map(|r| format!("{r}\n")).collect();
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// A high-severity anomaly of key `fp` (`detected_at` is now: the list sorts newest first).
fn anomaly(id: &str, fp: &str) -> Value {
    json!({
        "id": id,
        "title": format!("e2e null ids {id}"),
        "severity": "high",
        "type": "NullCheck",
        "fingerprint": fp,
        "datastore": "snowflake",
        "detected_at": jiff::Timestamp::now().to_string(),
    })
}

/// The incidents any rule made (raw values), oldest first.
async fn rule_incidents(base: &str) -> Vec<Value> {
    let v = get(&format!(
        "{base}/api/now/table/incident?sysparm_query=correlation_idSTARTSWITHsnowlink:rule:^ORDERBYsys_created_on&sysparm_fields=sys_id,number,correlation_id,assignment_group,short_description&sysparm_exclude_reference_link=true&sysparm_limit=1000"
    ))
    .await;
    v["result"].as_array().cloned().unwrap()
}

/// Reads the dashboard's store from a blocking thread (the dashboard has it open too: WAL).
async fn with_store<T: Send + 'static>(
    db: &Path,
    f: impl FnOnce(&Store) -> T + Send + 'static,
) -> T {
    let db = db.to_path_buf();
    tokio::task::spawn_blocking(move || f(&Store::open(&db).unwrap()))
        .await
        .unwrap()
}

/// Waits until the rule has recorded a decision for each of `ids` and the outbox holds nothing
/// more to deliver; returns the decisions' actions in the order of `ids`.
async fn wait_decided(db: &Path, ids: &[&str], tmux: &Tmux) -> Vec<String> {
    let want: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let w = want.clone();
        let (actions, busy) = with_store(db, move |s| {
            let decisions = s.rule_decisions(Some(RULE)).unwrap();
            let actions: Vec<Option<String>> = w
                .iter()
                .map(|id| {
                    decisions
                        .iter()
                        .find(|d| &d.anomaly.id == id)
                        .map(|d| d.action.code().to_owned())
                })
                .collect();
            let c = s.outbox_counts(jiff::Timestamp::now()).unwrap();
            (actions, c.pending + c.in_flight)
        })
        .await;
        if busy == 0 && actions.iter().all(Option::is_some) {
            return actions.into_iter().flatten().collect();
        }
        assert!(
            Instant::now() < until,
            "not decided and delivered: {actions:?}, {busy} in the outbox\n{}",
            tmux.pane()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls the pane until `ok` holds (bounded, generous).
fn wait_pane(tmux: &Tmux, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let pane = tmux.pane();
        if ok(&pane) {
            return pane;
        }
        assert!(Instant::now() < until, "waited for {what}; pane:\n{pane}");
        std::thread::sleep(Duration::from_millis(150));
    }
}

/// The rules popup's text, its wrapped lines joined (the popup is 76 columns wide, so a rule's
/// counts may wrap): the lines under its `╭ Rules` title, between its borders.
fn popup_text(pane: &str) -> String {
    let lines: Vec<Vec<char>> = pane.lines().map(|l| l.chars().collect()).collect();
    let Some((top, col)) = lines.iter().enumerate().find_map(|(i, l)| {
        let s: String = l.iter().collect();
        s.find("╭ Rules").map(|b| (i, s[..b].chars().count()))
    }) else {
        return String::new();
    };
    let mut words = Vec::new();
    for l in &lines[top + 1..] {
        if l.get(col) == Some(&'╰') {
            break;
        }
        let inner: String = l.iter().skip(col + 1).take(74).collect();
        words.extend(inner.split_whitespace().map(str::to_owned));
    }
    words.join(" ")
}

/// Waits until the open rules popup shows the one rule with exactly `counts`.
fn wait_counts(tmux: &Tmux, counts: &str) {
    let want = format!("{RULE} create → default {counts}");
    wait_pane(tmux, &want, |p| popup_text(p) == want);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_runs_the_rules_marks_their_links_and_keeps_a_persons_unlink() {
    tmux_common::require();
    let env = TestEnv::start().await;
    let base = env.url.clone();
    let group = get(&format!(
        "{base}/api/now/table/sys_user_group?sysparm_query=name=Database&sysparm_fields=sys_id"
    ))
    .await["result"][0]["sys_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(group.len(), 32, "the seed's Database group: {group}");

    // The file starts with one anomaly the rule does not match, so the list has a row to show.
    let file = env.dir.path().join("anomalies.ndjson");
    let calm = json!({"id": "E2E-0", "title": "e2e calm row", "severity": "low",
        "detected_at": jiff::Timestamp::now().to_string()});
    std::fs::write(&file, format!("{calm}\n")).unwrap();
    let config = std::fs::read_to_string(env.config_path()).unwrap().replace(
        &format!("path = \"{}\"", common::SAMPLE),
        &format!("path = \"{}\"\npoll_secs = 1", file.display()),
    );
    // A flood window of 100 years: fixed windows are aligned to the epoch (docs/rules.md), and
    // a boundary crossed mid-test would open a new window and allow more creates.
    let config = format!(
        "{config}
[[rules]]
name = \"{RULE}\"
match = {{ source = \"{SOURCE}\", severity = \">=high\" }}
template = {{ short_description = \"[{{severity}}] {{title}} via {{rule}}\", assignment_group = \"Database\" }}
flood_limit = {LIMIT}
flood_interval = \"36500d\"
"
    );
    std::fs::write(env.config_path(), config).unwrap();
    let db = env.data_dir().join("snowlink.db");

    let cmd = format!(
        "env SNOWLINK_CONFIG={} SNOWLINK_DATA_DIR={} SNOWLINK_TEST_PASSWORD=itil USER=tester {}",
        env.config_path().display(),
        env.data_dir().display(),
        env!("CARGO_BIN_EXE_snowlink")
    );
    let tmux = Tmux::start(&cmd);
    tmux.wait_for("e2e calm row");

    // Four keys and two repeats of the first, appended while the dashboard runs.
    append(
        &file,
        &[
            anomaly("E2E-1", "fp-1"),
            anomaly("E2E-2", "fp-2"),
            anomaly("E2E-3", "fp-3"),
            anomaly("E2E-4", "fp-4"),
            anomaly("E2E-1b", "fp-1"),
            anomaly("E2E-1c", "fp-1"),
        ],
    );
    let ids = ["E2E-1", "E2E-2", "E2E-3", "E2E-4", "E2E-1b", "E2E-1c"];
    let actions = wait_decided(&db, &ids, &tmux).await;
    // Two keys within flood_limit, the other two on the overflow incident, the repeats merged.
    assert_eq!(
        actions,
        ["create", "create", "overflow", "overflow", "merge", "merge"],
        "{}",
        tmux.pane()
    );

    // ServiceNow: flood_limit + 1 incidents, routed to the group's sys_id, each key once.
    let incidents = rule_incidents(&base).await;
    assert_eq!(incidents.len(), LIMIT + 1, "{incidents:#?}");
    let cids: HashSet<&str> = incidents
        .iter()
        .map(|i| i["correlation_id"].as_str().unwrap())
        .collect();
    assert_eq!(cids.len(), incidents.len(), "no correlation_id twice");
    for inc in &incidents {
        let cid = inc["correlation_id"].as_str().unwrap();
        assert!(cid.starts_with(&format!("snowlink:rule:{RULE}:")), "{cid}");
        assert_eq!(inc["assignment_group"], group.as_str(), "{inc}");
    }
    assert_eq!(
        incidents
            .iter()
            .filter(|i| i["correlation_id"].as_str().unwrap().contains(":overflow:"))
            .count(),
        1,
        "{incidents:#?}"
    );
    let number_of = |id: &str| {
        let short = format!("[high] e2e null ids {id} via {RULE}");
        incidents
            .iter()
            .find(|i| i["short_description"] == short.as_str())
            .unwrap_or_else(|| panic!("no incident {short:?}: {incidents:#?}"))["number"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let inc2 = number_of("E2E-2");
    number_of("E2E-1");

    // The links pane: the incident's number and which rule made it.
    tmux.select("E2E-2");
    wait_pane(&tmux, "the rule's link in the links pane", |p| {
        p.lines()
            .any(|l| l.contains(&inc2) && l.contains(&format!("⚙ rule {RULE}")))
    });

    // The rules popup: what happened, as it counts it.
    tmux.keys(&["A"]);
    wait_counts(
        &tmux,
        "created 2 of 2 this window · linked 0 · merged 2 · 2 on the overflow incident",
    );
    tmux.keys(&["Escape"]);
    wait_pane(&tmux, "the popup to close", |p| {
        !p.contains("Rules · r refreshes")
    });

    // A person unlinks the automatic link.
    tmux.keys(&["u"]);
    tmux.wait_for(&format!("Unlink {inc2} from E2E-2?"));
    tmux.keys(&["y"]);
    tmux.wait_for(&format!("unlinked {inc2} from E2E-2"));
    tmux.wait_for("no incident linked");

    // A runner cycle after the unlink: the unlink gave E2E-2 a new revision, so it is a rule
    // candidate again, and the runner takes candidates in revision order: once the anomaly
    // appended after it is decided, E2E-2 has been looked at again too.
    append(&file, &[anomaly("E2E-5", "fp-5")]);
    let actions = wait_decided(&db, &["E2E-5"], &tmux).await;
    assert_eq!(actions, ["overflow"]);
    // The unlinked anomaly was not ticketed again: no new incident, no link, one decision.
    let incidents = rule_incidents(&base).await;
    assert_eq!(incidents.len(), LIMIT + 1, "{incidents:#?}");
    let (links, decisions) = with_store(&db, |s| {
        let key = AnomalyKey::new(SOURCE, "E2E-2");
        let links = s.links_for_anomaly(&key).unwrap().len();
        let decisions = s
            .rule_decisions(Some(RULE))
            .unwrap()
            .iter()
            .filter(|d| d.anomaly.id == "E2E-2")
            .count();
        (links, decisions)
    })
    .await;
    assert_eq!((links, decisions), (0, 1), "{}", tmux.pane());
    tmux.select("E2E-2");
    tmux.wait_for("no incident linked");

    // `:rules` shows the same popup, with the new anomaly on the overflow incident.
    tmux.keys(&[":"]);
    tmux.text("rules");
    tmux.keys(&["Enter"]);
    wait_counts(
        &tmux,
        "created 2 of 2 this window · linked 0 · merged 2 · 3 on the overflow incident",
    );
    tmux.keys(&["Escape", "q"]);
}
