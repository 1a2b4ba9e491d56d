//! `snowlink demo`: the emulator on a free loopback port, the sample anomalies in a throwaway data
//! dir, the live demo sources (the Qualytics emulator and, when it is on PATH, a local
//! Alertmanager: `demo_sources.rs`), and the dashboard on top, signed in as the demo `itil` user.

use std::path::PathBuf;

use servicenow_emulator::EmulatorConfig;

use crate::config::{Config, MapEnv};
use crate::ops::Session;

use super::super::context::{Globals, client_for, report_outcome};
use super::super::error::{CliError, CliResult};
use super::super::exit::Exit;
use super::demo_sources::DemoSources;

/// The sample anomalies shipped with snowlink.
const SAMPLE: &str = include_str!("../../../assets/anomalies.ndjson");

/// The demo's `itil` user, as the emulator's built-in seed defines it.
const DEMO_USER_SYS_ID: &str = "681b365ec0a80164000fb0b05854a0cd";

/// The demo emulator: the built-in seed, plus the `evt_mgmt_integration` role for the demo's
/// `itil` user so the dashboard's event actions work in the demo as they would for an
/// integration user granted that role on a real instance (the emulator's rule stays strict;
/// docs/rules.md §Events). The seed file is written to `dir`.
pub fn demo_emulator_config(dir: &std::path::Path) -> std::io::Result<EmulatorConfig> {
    let seed = serde_json::json!({
        "tables": { "sys_user": [
            { "sys_id": DEMO_USER_SYS_ID, "roles": "itil,evt_mgmt_integration" }
        ] }
    });
    let path = dir.join("emulator-seed.json");
    std::fs::write(&path, seed.to_string())?;
    Ok(EmulatorConfig {
        seed: Some(path),
        ..EmulatorConfig::default()
    })
}

pub async fn run(globals: &Globals) -> CliResult<Exit> {
    super::refuse_without_terminal()?;
    let dir = throwaway_dir()?;
    let emulator = match servicenow_emulator::start(demo_emulator_config(&dir)?).await {
        Ok(e) => e,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(CliError::other(format!(
                "could not start the demo emulator: {e}"
            )));
        }
    };
    let url = emulator.base_url();
    let result = match DemoSources::start(&dir).await {
        Ok(sources) => {
            let result = run_in(globals, &url, &dir, &sources.config_toml()).await;
            sources.stop().await;
            result
        }
        Err(e) => Err(CliError::other(e)),
    };
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run_in(
    globals: &Globals,
    url: &str,
    dir: &std::path::Path,
    live_sources: &str,
) -> CliResult<Exit> {
    let sample = dir.join("anomalies.ndjson");
    std::fs::write(&sample, SAMPLE)?;
    let config_path = dir.join("config.toml");
    let text = format!(
        r#"user = "Demo Engineer"
anomaly_url_template = "https://dq.example.com/anomalies/{{id}}"

[instances.default]
url = "{url}"
username = "itil"
password = "itil"
poll_interval_secs = 30

[[sources]]
name = "warehouse-dq"
kind = "file"
path = "{}"
poll_secs = 1
{live_sources}"#,
        sample.display()
    );
    // The file is ours, private and throwaway: parse it as a 0600 file.
    let config = Config::from_str_at(&text, &config_path, Some(0o600))?;
    let profile = config.profile(None, &MapEnv::new())?;
    let client = client_for(&profile).await?;
    let session = Session {
        store: dir.join("snowlink.db").into(),
        user: "Demo Engineer".into(),
        url_template: config.file.anomaly_url_template.clone(),
        ticket_defaults: config.file.ui.severity_impact_urgency,
        profile,
        client: Some(client),
        others: Vec::new(),
    };
    // The first read happens before the dashboard opens, so the demo starts full.
    let ingester = crate::ingest::Ingester::new(&session.store, config.sources(&MapEnv::new()));
    for outcome in ingester.run_once().await {
        report_outcome(&outcome);
    }
    // Short, so the status bar keeps connection and outbox visible at 80 columns.
    let banner = format!("DEMO {}", url.trim_start_matches("http://"));
    super::run(session, &config, globals, Some(banner), true).await
}

fn throwaway_dir() -> CliResult<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "snowlink-demo-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_millisecond()
    ));
    std::fs::create_dir_all(&dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(dir)
}
