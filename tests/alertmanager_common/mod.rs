//! Runs the real Alertmanager (Debian's `prometheus-alertmanager`) on 127.0.0.1 for the source
//! client tests: a throwaway config and storage directory, no clustering, stopped on drop.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Routes every alert to a receiver that sends nothing; `team="db"` alerts to a second one, so
/// the `receiver` filter has something to tell apart.
const CONFIG: &str = r#"
route:
  receiver: "null"
  group_wait: 1h
  routes:
    - matchers: ['team="db"']
      receiver: "db-null"
receivers:
  - name: "null"
  - name: "db-null"
"#;

/// Names of the binary: upstream's, then Debian's.
const NAMES: [&str; 2] = ["alertmanager", "prometheus-alertmanager"];

/// The binary to run: `$SNOWLINK_ALERTMANAGER_BIN` when set, else the first of [`NAMES`] on
/// `path`. The error says how to get it.
pub fn find_binary(env_bin: Option<OsString>, path: Option<OsString>) -> Result<PathBuf, String> {
    let fix = "run `scripts/test`, which installs Debian's prometheus-alertmanager, or install it yourself (apt-get install prometheus-alertmanager)";
    if let Some(bin) = env_bin {
        let bin = PathBuf::from(bin);
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!(
                "SNOWLINK_ALERTMANAGER_BIN={} is not a file; unset it or {fix}",
                bin.display()
            ))
        };
    }
    for dir in std::env::split_paths(&path.unwrap_or_default()) {
        for name in NAMES {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "alertmanager is not installed (neither `alertmanager` nor `prometheus-alertmanager` is on PATH): {fix}"
    ))
}

/// A running Alertmanager; killed and reaped on drop.
pub struct Alertmanager {
    pub base: String,
    child: Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    /// Starts one and waits until `/-/ready` answers. Fails (never skips) when the binary is
    /// missing.
    pub async fn start() -> Alertmanager {
        let bin = find_binary(
            std::env::var_os("SNOWLINK_ALERTMANAGER_BIN"),
            std::env::var_os("PATH"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        // The port is picked free and then bound by Alertmanager; another process can take it in
        // between, so a start that loses that race is tried again on a new port.
        let mut last_log = String::new();
        for _ in 0..3 {
            match Self::try_start(&bin).await {
                Ok(am) => return am,
                Err(log) => last_log = log,
            }
        }
        panic!("alertmanager did not become ready; its log:\n{last_log}");
    }

    async fn try_start(bin: &Path) -> Result<Alertmanager, String> {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, CONFIG).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join("alertmanager.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Empty: no gossip, no cluster port.
            .arg("--cluster.listen-address=")
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let mut am = Alertmanager {
            base: format!("http://127.0.0.1:{port}"),
            child,
            _dir: dir,
            log,
        };
        let http = reqwest::Client::new();
        // Bounded by a generous deadline: a start on a loaded machine can take seconds.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if am.child.try_wait().unwrap().is_some() {
                return Err(am.log_text());
            }
            let ready = http
                .get(format!("{}/-/ready", am.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return Ok(am);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(am.log_text())
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `POST /api/v2/alerts`, as Prometheus sends them.
    pub async fn post_alerts(&self, alerts: Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/v2/alerts", self.base))
            .json(&alerts)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        assert!(
            status.is_success(),
            "POST /api/v2/alerts: {status} {}",
            resp.text().await.unwrap_or_default()
        );
    }
}
