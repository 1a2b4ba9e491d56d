//! Shared harness of the integration tests: a real emulator on 127.0.0.1:0, a throwaway data and
//! config directory, and the real `snowlink` binary run against them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use servicenow_emulator::{EmulatorConfig, RunningEmulator};

pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/anomalies.ndjson");

pub struct TestEnv {
    pub emulator: RunningEmulator,
    pub dir: tempfile::TempDir,
    pub url: String,
    http: reqwest::Client,
}

impl TestEnv {
    /// Emulator with the built-in seed, a config whose default instance points at it (user
    /// `itil`), and the sample anomalies as the `warehouse-dq` file source.
    pub async fn start() -> Self {
        Self::start_with(EmulatorConfig::default()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Self {
        let emulator = servicenow_emulator::start(config)
            .await
            .expect("emulator starts");
        let url = emulator.base_url();
        let dir = tempfile::tempdir().expect("tempdir");
        let env = Self {
            emulator,
            dir,
            url,
            http: reqwest::Client::new(),
        };
        env.write_config("itil", "itil");
        env
    }

    /// Points the default instance at `url` instead of the emulator.
    pub fn point_config_at(&self, url: &str) {
        let text = std::fs::read_to_string(self.config_path())
            .unwrap()
            .replace(&self.url, url);
        std::fs::write(self.config_path(), text).unwrap();
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// (Re)writes the config file for `username`; the password comes from SNOWLINK_TEST_PASSWORD.
    pub fn write_config(&self, username: &str, password: &str) {
        let text = format!(
            r#"user = "Test Engineer"
anomaly_url_template = "https://dq.example.com/anomalies/{{id}}"

[instances.default]
url = "{url}"
username = "{username}"
password_env = "SNOWLINK_TEST_PASSWORD"
timeout_secs = 10

[[sources]]
name = "warehouse-dq"
kind = "file"
path = "{sample}"
"#,
            url = self.url,
            sample = SAMPLE,
        );
        std::fs::write(self.config_path(), text).unwrap();
        std::fs::write(self.dir.path().join("password"), password).unwrap();
    }

    /// Adds instance `name` at `url` to the config, logging in as the emulator's `admin`
    /// (password through `password_command`, 5 s timeout), plus the keys in `extra`.
    pub fn add_admin_instance(&self, name: &str, url: &str, extra: &str) {
        let config = std::fs::read_to_string(self.config_path()).unwrap();
        std::fs::write(
            self.config_path(),
            format!(
                "{config}\n[instances.{name}]\nurl = \"{url}\"\nusername = \"admin\"\n\
                 password_command = \"printf admin\"\ntimeout_secs = 5\n{extra}\n"
            ),
        )
        .unwrap();
    }

    fn password(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("password")).unwrap()
    }

    /// Runs the real binary with the test config, data dir and a clean environment.
    pub async fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None).await
    }

    /// The real binary with the test config, data dir, password and a clean environment
    /// (the caller sets up stdio).
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_snowlink"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("XDG_DATA_HOME", self.dir.path().join("xdg-data"))
            .env("XDG_STATE_HOME", self.dir.path().join("xdg-state"))
            .env("SNOWLINK_CONFIG", self.config_path())
            .env("SNOWLINK_DATA_DIR", self.data_dir())
            .env("SNOWLINK_TEST_PASSWORD", self.password())
            .env("USER", "tester")
            .env("NO_COLOR", "1");
        cmd
    }

    pub async fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> Output {
        use tokio::io::AsyncWriteExt;
        let mut cmd = self.command(args);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("snowlink runs");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).await.unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().await.unwrap()
    }

    /// Runs with `--json` and parses stdout.
    pub async fn json(&self, args: &[&str]) -> (Output, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all).await;
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out, value)
    }

    /// GET through the Table API as admin, dv=false unless the path says otherwise.
    pub async fn admin_get(&self, path_and_query: &str) -> Value {
        let resp = self
            .http
            .get(format!("{}{}", self.url, path_and_query))
            .basic_auth("admin", Some("admin"))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        resp.json().await.unwrap()
    }

    /// The incident record (raw values) with this number.
    pub async fn incident(&self, number: &str) -> Value {
        let v = self
            .admin_get(&format!(
                "/api/now/table/incident?sysparm_query=number={number}&sysparm_exclude_reference_link=true"
            ))
            .await;
        v["result"][0].clone()
    }

    /// Work-note texts of an incident, oldest first, from sys_journal_field.
    pub async fn work_notes(&self, sys_id: &str) -> Vec<String> {
        let v = self
            .admin_get(&format!(
                "/api/now/table/sys_journal_field?sysparm_query=element_id={sys_id}^element=work_notes^ORDERBYsys_created_on"
            ))
            .await;
        v["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["value"].as_str().unwrap().to_string())
            .collect()
    }

    /// Posts to the emulator's loopback-only control API.
    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{}", self.url, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let text = resp.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

pub fn exit_code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

pub fn path_str(p: &Path) -> String {
    p.to_string_lossy().to_string()
}

/// A loopback port that was free a moment ago (bound, read, closed): nothing listens on it.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// (author user_name, text) of the work notes of incident `number`, oldest first, on the
/// emulator at `base` (any emulator, not only the env's: tests with two instances).
pub async fn work_notes_by(base: &str, number: &str) -> Vec<(String, String)> {
    let get = |url: String| async move {
        reqwest::Client::new()
            .get(url)
            .basic_auth("admin", Some("admin"))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let inc = get(format!(
        "{base}/api/now/table/incident?sysparm_query=number={number}&sysparm_fields=sys_id"
    ))
    .await;
    let sys_id = inc["result"][0]["sys_id"].as_str().unwrap().to_string();
    let v = get(format!(
        "{base}/api/now/table/sys_journal_field?sysparm_query=element_id={sys_id}^element=work_notes^ORDERBYsys_created_on"
    ))
    .await;
    v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sys_created_by"].as_str().unwrap_or("").to_string(),
                r["value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
