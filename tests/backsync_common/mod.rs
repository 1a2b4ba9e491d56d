//! Shared by the back-sync tests: an emulator whose seed gives snowlink its own integration
//! user (`snowlink.integration`) and a person (`beth.anglin`) a password, plus incidents last
//! changed long ago (so a change read returns only what the test changes); snowlink's config
//! logs in as the integration user. People change the incidents through the Table API as
//! themselves, and `snowlink sync --once` makes one change-detection pass.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use servicenow_emulator::EmulatorConfig;
use snowlink::domain::{AnomalyKey, IncidentRef, Status};
use snowlink::store::Store;

use crate::common::{TestEnv, exit_code, stderr};
use crate::sync_common;

pub const SNOWLINK_USER: &str = "snowlink.integration";
pub const SNOWLINK_PASSWORD: &str = "sl-secret";
pub const BETH: (&str, &str) = ("beth.anglin", "beth-secret");
/// Closing (state 7) needs admin or itil_admin on the emulator, as on a real instance.
pub const ADMIN: (&str, &str) = ("admin", "admin");

pub struct Bs {
    pub env: TestEnv,
    pub incidents: Vec<IncidentRef>,
    _seed: tempfile::TempDir,
}

/// When seed incident `i` was last updated: 2020-01-01, two minutes apart, so only the newest
/// is inside the 60 s overlap of the first change read after the baseline.
pub fn seed_time(i: usize) -> String {
    let base: jiff::civil::DateTime = "2020-01-01 00:00:00".parse().unwrap();
    let at = base
        .checked_add(jiff::Span::new().minutes(2 * i64::try_from(i).unwrap()))
        .unwrap();
    at.strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// ServiceNow's raw time `raw` less `secs` seconds.
pub fn seconds_before(raw: &str, secs: i64) -> String {
    let at: jiff::civil::DateTime = raw.parse().unwrap();
    at.checked_sub(jiff::Span::new().seconds(secs))
        .unwrap()
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// `n` incidents last updated long ago ([`seed_time`]), and the config (`back_sync = true`
/// when asked).
pub async fn start(n: usize, back_sync: bool) -> Bs {
    let seed_dir = tempfile::tempdir().unwrap();
    let incidents: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "short_description": format!("backsync-{i:04}"),
                "sys_created_on": seed_time(i),
            })
        })
        .collect();
    let seed = json!({
        "credentials": { SNOWLINK_USER: SNOWLINK_PASSWORD, BETH.0: BETH.1 },
        "tables": { "incident": incidents },
    });
    let path = seed_dir.path().join("seed.json");
    std::fs::write(&path, seed.to_string()).unwrap();
    let env = TestEnv::start_with(EmulatorConfig {
        seed: Some(path),
        ..EmulatorConfig::default()
    })
    .await;
    let extra = if back_sync { "back_sync = true" } else { "" };
    sync_common::write_config(&env, SNOWLINK_USER, SNOWLINK_PASSWORD, extra);
    let rows = env
        .admin_get(&format!(
            "/api/now/table/incident?sysparm_query=short_descriptionSTARTSWITHbacksync-^ORDERBYshort_description&sysparm_fields=sys_id,number&sysparm_limit={}",
            n.max(1)
        ))
        .await;
    let incidents = rows["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| IncidentRef {
            instance: "default".into(),
            table: "incident".into(),
            sys_id: r["sys_id"].as_str().unwrap().into(),
            number: r["number"].as_str().unwrap().into(),
        })
        .collect::<Vec<_>>();
    assert_eq!(incidents.len(), n);
    Bs {
        env,
        incidents,
        _seed: seed_dir,
    }
}

impl Bs {
    pub fn store(&self) -> Store {
        sync_common::open_store(&self.env)
    }

    /// Anomaly `id` (source `wh`) linked to the incidents at `which`.
    pub fn anomaly(&self, id: &str, which: &[usize]) -> AnomalyKey {
        let mut store = self.store();
        let key = sync_common::seed_anomaly(&mut store, id);
        for &i in which {
            sync_common::link(&mut store, &key, &self.incidents[i]);
        }
        key
    }

    pub fn status(&self, key: &AnomalyKey) -> Status {
        self.store().get_anomaly(key).unwrap().unwrap().status
    }

    /// `snowlink --json sync --once`: exit 0; returns the change pass's report.
    pub async fn sync_once(&self) -> Value {
        let (out, report) = self.env.json(&["sync", "--once"]).await;
        assert_eq!(exit_code(&out), 0, "{report}\n{}", stderr(&out));
        report["changes"].clone()
    }

    /// PATCHes incident `i` as `who`; the change must take effect.
    pub async fn patch_as(&self, who: (&str, &str), i: usize, body: Value) {
        let resp = reqwest::Client::new()
            .patch(format!(
                "{}/api/now/table/incident/{}",
                self.env.url, self.incidents[i].sys_id
            ))
            .basic_auth(who.0, Some(who.1))
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(
            status.is_success(),
            "{} PATCH {body}: {status} {text}",
            who.0
        );
    }

    /// Beth assigns incident `i` to herself (state stays New).
    pub async fn assign(&self, i: usize) {
        let beth = self
            .env
            .admin_get(&format!(
                "/api/now/table/sys_user?sysparm_query=user_name={}&sysparm_fields=sys_id",
                BETH.0
            ))
            .await["result"][0]["sys_id"]
            .as_str()
            .unwrap()
            .to_string();
        self.patch_as(BETH, i, json!({ "assigned_to": beth })).await;
    }

    pub async fn set_state(&self, who: (&str, &str), i: usize, state: &str) {
        self.patch_as(who, i, json!({ "state": state })).await;
    }

    /// Resolved (6) with a close code, as Beth.
    pub async fn resolve(&self, i: usize, close_code: &str) {
        let body = json!({"state": "6", "close_code": close_code, "close_notes": "done"});
        self.patch_as(BETH, i, body).await;
    }

    /// Closed (7) with a close code, as admin (closing needs admin or itil_admin).
    pub async fn close(&self, i: usize, close_code: &str) {
        let body = json!({"state": "7", "close_code": close_code, "close_notes": "done"});
        self.patch_as(ADMIN, i, body).await;
    }

    /// The anomaly's history entries that came from ServiceNow.
    pub fn history_from_servicenow(
        &self,
        key: &AnomalyKey,
    ) -> Vec<snowlink::store::StatusHistoryEntry> {
        self.store()
            .status_history(key)
            .unwrap()
            .into_iter()
            .filter(|h| h.user.starts_with("servicenow:"))
            .collect()
    }
}

/// The numbers in a changes report's `applied` list, sorted.
pub fn applied_numbers(changes: &Value) -> Vec<String> {
    let mut v: Vec<String> = changes["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// The record `number` of `table` (incident, problem, change_request) as a link target.
pub async fn record(env: &TestEnv, table: &str, number: &str) -> IncidentRef {
    let v = env
        .admin_get(&format!(
            "/api/now/table/{table}?sysparm_query=number={number}&sysparm_fields=sys_id"
        ))
        .await;
    IncidentRef {
        instance: "default".into(),
        table: table.into(),
        sys_id: v["result"][0]["sys_id"].as_str().unwrap().into(),
        number: number.into(),
    }
}

/// PATCH `path` as `who` (demo password = user name); the status and the body.
pub async fn patch_path(env: &TestEnv, who: &str, path: &str, body: Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .patch(format!("{}{path}", env.url))
        .basic_auth(who, Some(who))
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// One field of `r` as ServiceNow has it now.
pub async fn field(env: &TestEnv, r: &IncidentRef, f: &str) -> String {
    env.admin_get(&format!(
        "/api/now/table/{}/{}?sysparm_fields={f}",
        r.table, r.sys_id
    ))
    .await["result"][f]
        .as_str()
        .unwrap()
        .to_string()
}

/// `snowlink sync --once` (must succeed); its `changes` report.
pub async fn sync_changes(env: &TestEnv) -> Value {
    let (out, v) = env.json(&["sync", "--once"]).await;
    assert_eq!(exit_code(&out), 0, "{v}\n{}", stderr(&out));
    v["changes"].clone()
}
