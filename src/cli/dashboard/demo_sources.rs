//! The live sources of `snowlink demo`: the Qualytics emulator in-process (its default seed), and
//! a local Alertmanager as a child process when one is on PATH (a throwaway config and storage
//! dir, no clustering, a free loopback port, a few demo alerts posted through its API). Both stop
//! when [`DemoSources`] is dropped, so every way out of the demo (quit, an error, a panic that
//! unwinds) stops them; the Alertmanager child is killed and reaped.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use qualytics_emulator::{Emulator, EmulatorConfig};

/// Names of the Alertmanager binary: upstream's, then Debian's.
const ALERTMANAGER_NAMES: [&str; 2] = ["alertmanager", "prometheus-alertmanager"];

/// How often the demo reads its API sources: short, so a new user sees live updates and
/// write-back within seconds (the file source is checked every second anyway).
pub const DEMO_POLL_SECS: u64 = 3;

/// Every alert goes to a receiver that sends nothing.
const ALERTMANAGER_CONFIG: &str = r#"route:
  receiver: "null"
  group_wait: 1h
receivers:
  - name: "null"
"#;

/// How long Alertmanager gets to answer `/-/ready` (a loaded machine can take seconds).
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The Qualytics emulator and, when it could be started, Alertmanager.
pub struct DemoSources {
    qualytics: Emulator,
    alertmanager: Option<DemoAlertmanager>,
}

impl DemoSources {
    /// Starts the Qualytics emulator, then Alertmanager when it is on PATH (its files under
    /// `dir`). A missing or failing Alertmanager is said in one line on stderr and the demo goes
    /// on without it.
    pub async fn start(dir: &Path) -> Result<DemoSources, String> {
        let (qualytics, _) = Emulator::start(EmulatorConfig::default())
            .await
            .map_err(|e| format!("could not start the demo Qualytics emulator: {e}"))?;
        let alertmanager = match find_alertmanager(std::env::var_os("PATH")) {
            None => {
                crate::cli::output::errln!(
                    "alertmanager not found on PATH: the demo runs without it; apt-get install prometheus-alertmanager to see alerts"
                );
                None
            }
            Some(bin) => match DemoAlertmanager::start(&bin, &dir.join("alertmanager")).await {
                Ok(am) => Some(am),
                Err(e) => {
                    crate::cli::output::errln!(
                        "alertmanager did not start ({e}): the demo runs without it"
                    );
                    None
                }
            },
        };
        Ok(DemoSources {
            qualytics,
            alertmanager,
        })
    }

    /// The `[[sources]]` tables of the live sources, for the demo's config.
    pub fn config_toml(&self) -> String {
        // The emulator's tokens are base64url and dots: safe inside single quotes.
        let mut text = format!(
            r#"
[[sources]]
name = "qualytics"
kind = "qualytics"
url = "{}"
token_command = "printf %s '{}'"
poll_secs = {DEMO_POLL_SECS}
"#,
            self.qualytics.base_url(),
            self.qualytics.editor_token()
        );
        if let Some(am) = &self.alertmanager {
            text.push_str(&format!(
                r#"
[[sources]]
name = "alerts"
kind = "alertmanager"
url = "{}"
poll_secs = {DEMO_POLL_SECS}
"#,
                am.base
            ));
        }
        text
    }

    /// Stops both: Alertmanager killed and reaped, the emulator shut down.
    pub async fn stop(mut self) {
        drop(self.alertmanager.take());
        self.qualytics.shutdown().await;
    }
}

/// The first of [`ALERTMANAGER_NAMES`] that is an executable file in a directory of `path`.
pub fn find_alertmanager(path: Option<OsString>) -> Option<PathBuf> {
    let path = path?;
    std::env::split_paths(&path).find_map(|dir| {
        ALERTMANAGER_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// On Linux the child gets SIGTERM when snowlink dies without unwinding (SIGHUP from a closed
/// terminal, SIGKILL), so no Alertmanager outlives the demo; `Drop` covers every other way out.
/// (The signal follows the spawning thread: the demo runs on the main thread, `block_on`.)
#[cfg(target_os = "linux")]
fn stop_with_parent(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl(2), which
    // is async-signal-safe; it allocates nothing and touches no lock.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn stop_with_parent(_cmd: &mut Command) {}

/// A running Alertmanager child; killed and reaped on drop.
struct DemoAlertmanager {
    base: String,
    child: Child,
}

impl Drop for DemoAlertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl DemoAlertmanager {
    /// Starts it on a free loopback port, waits for `/-/ready` and posts the demo alerts. The
    /// port is picked free and then bound by Alertmanager; another process may take it in
    /// between, so a start that loses that race is tried again on another port.
    async fn start(bin: &Path, dir: &Path) -> Result<DemoAlertmanager, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = dir.join("alertmanager.yml");
        std::fs::write(&config, ALERTMANAGER_CONFIG)
            .map_err(|e| format!("{}: {e}", config.display()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        let mut last = String::new();
        for _ in 0..3 {
            let mut am = Self::spawn(bin, dir, &config)?;
            match am.ready(&http, &dir.join("alertmanager.log")).await {
                Ok(()) => {
                    am.post_demo_alerts(&http).await?;
                    return Ok(am);
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn(bin: &Path, dir: &Path, config: &Path) -> Result<DemoAlertmanager, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        // Its output goes to a file: the terminal belongs to the dashboard.
        let log_path = dir.join("alertmanager.log");
        let log =
            std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        stop_with_parent(&mut cmd);
        let child = cmd
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            // Empty: no gossip, no cluster port.
            .arg("--cluster.listen-address=")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
        Ok(DemoAlertmanager {
            base: format!("http://127.0.0.1:{port}"),
            child,
        })
    }

    /// Waits until `/-/ready` answers; an exit or a timeout gives the end of its log.
    async fn ready(&mut self, http: &reqwest::Client, log: &Path) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        let last_log_line = || {
            std::fs::read_to_string(log)
                .ok()
                .and_then(|t| t.lines().last().map(str::to_owned))
                .unwrap_or_default()
        };
        let url = format!("{}/-/ready", self.base);
        while Instant::now() < deadline {
            // A child that exited (the port was taken, a bad flag) will never answer.
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited ({status}): {}", last_log_line()));
            }
            let answer = http.get(&url).send().await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!(
            "not ready within {}s: {}",
            READY_WITHIN.as_secs(),
            last_log_line()
        ))
    }

    /// A few firing alerts, ending a day from now (re-sent alerts would end at their producer;
    /// these must not resolve while someone looks at the demo).
    async fn post_demo_alerts(&self, http: &reqwest::Client) -> Result<(), String> {
        let now = jiff::Timestamp::now();
        let ends = now + jiff::SignedDuration::from_hours(24);
        let alerts = serde_json::json!([
            {
                "labels": {"alertname": "PostgresReplicationLag", "severity": "critical",
                           "instance": "db-replica-2", "team": "db"},
                "annotations": {"summary": "Replication lag above 5 minutes on db-replica-2",
                                "description": "pg_replication_lag_seconds is 412 on db-replica-2; reports read stale orders."},
                "generatorURL": "http://prometheus.example.com/graph?g0.expr=pg_replication_lag_seconds",
                "startsAt": now.to_string(), "endsAt": ends.to_string()
            },
            {
                "labels": {"alertname": "DiskWillFillIn4Hours", "severity": "warning",
                           "instance": "warehouse-1", "mountpoint": "/data"},
                "annotations": {"summary": "Disk /data on warehouse-1 fills up in about 4 hours"},
                "generatorURL": "http://prometheus.example.com/graph?g0.expr=predict_linear",
                "startsAt": now.to_string(), "endsAt": ends.to_string()
            },
            {
                "labels": {"alertname": "NightlyLoadMissed", "severity": "high",
                           "job": "orders-loader"},
                "annotations": {"summary": "The nightly orders load did not finish",
                                "description": "No successful run of orders-loader since 02:00 UTC."},
                "generatorURL": "http://prometheus.example.com/graph?g0.expr=loader_last_success",
                "startsAt": now.to_string(), "endsAt": ends.to_string()
            }
        ]);
        let resp = http
            .post(format!("{}/api/v2/alerts", self.base))
            .json(&alerts)
            .send()
            .await
            .map_err(|e| format!("posting the demo alerts: {e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("posting the demo alerts: HTTP {}", resp.status()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn alertmanager_is_found_by_either_name_only_when_executable() {
        let dir = tempfile::tempdir().unwrap();
        let path = || Some(OsString::from(dir.path()));
        assert_eq!(find_alertmanager(path()), None);
        let debian = dir.path().join("prometheus-alertmanager");
        std::fs::write(&debian, "#!/bin/sh\n").unwrap();
        assert_eq!(find_alertmanager(path()), None, "not executable");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&debian, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_alertmanager(path()), Some(debian));
        assert_eq!(find_alertmanager(None), None);
    }
}
