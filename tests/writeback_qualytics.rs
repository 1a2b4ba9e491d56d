//! Triage written back to Qualytics (docs/sources.md §Write-back), through the real binary
//! against the Qualytics emulator: `snowlink ack`, `archive --reason invalid` and `comment`
//! reach the emulator (read back over its own state), a comment without a comment route stays
//! local and says so, and a status change the source made itself writes nothing back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{TestEnv, exit_code, stderr};
use qualytics_emulator::{Emulator, EmulatorConfig};
use secrecy::SecretString;
use snowlink::domain::{AnomalyKey, Status};
use snowlink::source::qualytics::{
    AnomalyFilter, QualyticsAnomaly, QualyticsClient, QualyticsClientConfig, QualyticsStatus,
    to_anomaly,
};
use snowlink::store::{OutboxFilter, RawForm, SourceBatch, Store};

const SOURCE: &str = "qx";

struct Setup {
    env: TestEnv,
    emu: Emulator,
    client: QualyticsClient,
}

async fn setup() -> Setup {
    let env = TestEnv::start().await;
    let (emu, _) = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let client = QualyticsClient::new(QualyticsClientConfig::new(
        emu.base_url(),
        SecretString::from(emu.admin_token().to_owned()),
    ))
    .unwrap();
    let mut config = std::fs::read_to_string(env.config_path()).unwrap();
    config.push_str(&format!(
        "\n[[sources]]\nname = \"{SOURCE}\"\nkind = \"qualytics\"\nurl = \"{}\"\ntoken_command = \"printf %s '{}'\"\ntimeout_secs = 5\n",
        emu.base_url(),
        emu.admin_token()
    ));
    std::fs::write(env.config_path(), config).unwrap();
    Setup { env, emu, client }
}

fn store(env: &TestEnv) -> Store {
    Store::open(&env.data_dir().join(snowlink::config::DB_FILE)).unwrap()
}

/// What the ingester does: the anomalies read from Qualytics with the client, mapped, stored
/// with the source's capabilities, as the source.
fn ingest(env: &TestEnv, client: &QualyticsClient, anomalies: &[QualyticsAnomaly], caps: &[&str]) {
    let rows: Vec<_> = anomalies
        .iter()
        .map(|q| to_anomaly(q, SOURCE, client.base_url()))
        .collect();
    let caps: Vec<String> = caps.iter().map(|c| c.to_string()).collect();
    store(env)
        .apply_source_batch(
            &SourceBatch {
                source: SOURCE,
                kind: "qualytics",
                anomalies: &rows,
                form: RawForm::Payload,
                resolved: &[],
                cursor: None,
                capabilities: &caps,
                problems: 0,
                last: true,
                next_poll_at: None,
            },
            jiff::Timestamp::now(),
        )
        .unwrap();
}

/// The demo seed's open anomalies, Active ones first.
async fn open_anomalies(client: &QualyticsClient) -> Vec<QualyticsAnomaly> {
    let mut list = client
        .list_all(&AnomalyFilter::default())
        .await
        .unwrap()
        .anomalies;
    list.sort_by_key(|a| (a.status != QualyticsStatus::Active, a.id));
    assert!(list.len() >= 2, "the demo seed has open anomalies");
    assert_eq!(list[0].status, QualyticsStatus::Active);
    list
}

fn status_of(emu: &Emulator, id: u64) -> String {
    format!("{:?}", emu.anomaly(id).unwrap().status)
}

#[tokio::test]
async fn ack_archive_and_comment_reach_qualytics() {
    let s = setup().await;
    let open = open_anomalies(&s.client).await;
    let caps = ["acknowledge", "unacknowledge", "archive"];
    let mut all = caps.to_vec();
    if s.client.can_comment().await.unwrap() {
        all.push("comment");
    }
    assert!(
        all.contains(&"comment"),
        "the emulator's openapi.json lists POST /api/comments"
    );
    ingest(&s.env, &s.client, &open, &all);
    let id = open[0].id;
    let sid = id.to_string();

    let (out, v) = s.env.json(&["ack", &sid]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(v["source_delivery"]["queued"], 1, "{v}");
    assert_eq!(v["source_delivery"]["delivered"], 1, "{v}");
    assert!(v["recorded"][0]["source"]["outbox"].is_i64(), "{v}");
    assert_eq!(status_of(&s.emu, id), "Acknowledged");

    let (out, v) = s.env.json(&["archive", &sid, "--reason", "invalid"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(v["source_delivery"]["delivered"], 1, "{v}");
    let a = s.emu.anomaly(id).unwrap();
    assert_eq!(format!("{:?}", a.status), "Invalid");
    assert!(a.archived, "archived, not deleted");

    let other = open[1].id.to_string();
    let (out, v) = s
        .env
        .json(&["comment", &other, "checked the load job"])
        .await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(v["source_delivery"]["delivered"], 1, "{v}");
    let comments = s.emu.comments(open[1].id);
    assert_eq!(comments.len(), 1, "{comments:?}");
    assert!(comments[0].message.starts_with("checked the load job"));
    assert!(comments[0].message.contains("(via snowlink)"));

    // Every write-back delivered once, nothing left in the outbox.
    let rows = store(&s.env)
        .outbox_list(&OutboxFilter {
            instance: Some(format!("source:{SOURCE}")),
            ..OutboxFilter::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter().all(|d| d.state.is_final() && d.attempts == 1),
        "{rows:?}"
    );
    let out = s.env.run(&["outbox", "list", "--all"]).await;
    let text = common::stdout(&out);
    assert!(
        text.contains(&format!("{SOURCE} ")) && text.contains("source_ack"),
        "{text}"
    );
}

#[tokio::test]
async fn without_a_comment_route_the_comment_stays_local_and_says_so() {
    let s = setup().await;
    let open = open_anomalies(&s.client).await;
    // The ingester found no comment route in openapi.json: no "comment" capability.
    ingest(
        &s.env,
        &s.client,
        &open,
        &["acknowledge", "unacknowledge", "archive"],
    );
    let sid = open[0].id.to_string();
    let (out, v) = s.env.json(&["comment", &sid, "local only"]).await;
    assert_eq!(exit_code(&out), 0, "{}\n{v}", stderr(&out));
    assert_eq!(
        v["recorded"][0]["source"]["kept_local"],
        format!("kept local: {SOURCE} has no comment route"),
        "{v}"
    );
    assert_eq!(v["source_delivery"]["queued"], 0);
    assert!(s.emu.comments(open[0].id).is_empty());
    let out = s.env.run(&["comment", &sid, "again"]).await;
    assert!(
        common::stdout(&out).contains("kept local: qx has no comment route"),
        "{}",
        common::stdout(&out)
    );
    assert!(s.emu.comments(open[0].id).is_empty());
}

#[tokio::test]
async fn a_status_change_made_in_qualytics_is_not_written_back() {
    let s = setup().await;
    let open = open_anomalies(&s.client).await;
    let caps = ["acknowledge", "unacknowledge", "archive", "comment"];
    ingest(&s.env, &s.client, &open, &caps);
    let id = open[0].id;
    // Someone acknowledges in Qualytics; the next poll brings it in as the source's change.
    s.client.acknowledge(id).await.unwrap();
    let now = s.client.get(id).await.unwrap();
    s.emu.clear_requests();
    ingest(&s.env, &s.client, &[now], &caps);
    let st = store(&s.env);
    let a = st
        .get_anomaly(&AnomalyKey::new(SOURCE, id.to_string()))
        .unwrap()
        .unwrap();
    assert_eq!(a.status, Status::Acknowledged);
    assert_eq!(a.status_changed_by.as_deref(), Some("source:qx"));
    let rows = st
        .outbox_list(&OutboxFilter {
            instance: Some(format!("source:{SOURCE}")),
            ..OutboxFilter::default()
        })
        .unwrap();
    assert!(rows.is_empty(), "loop guard: {rows:?}");
    // And a sync sends nothing to Qualytics.
    let out = s.env.run(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{}", stderr(&out));
    let writes: Vec<_> = s
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}
