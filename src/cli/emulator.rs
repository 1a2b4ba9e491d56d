//! `snowlink emulator`: the local ServiceNow instance, in the foreground until Ctrl-C.

use servicenow_emulator::{DEMO_ACCOUNTS, EmulatorConfig, FaultSpec};

use super::args::EmulatorArgs;
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::outln;

pub async fn run(args: EmulatorArgs, json: bool) -> CliResult<Exit> {
    let faults = args
        .faults
        .iter()
        .map(|spec| {
            spec.parse::<FaultSpec>().map_err(|e| {
                CliError::usage(format!(
                    "--fault {spec:?}: {e} (grammar: docs/emulator.md, e.g. --fault status=429,retry-after=2,count=3)"
                ))
            })
        })
        .collect::<CliResult<Vec<_>>>()?;
    let config = EmulatorConfig {
        listen: args.listen,
        latency: std::time::Duration::from_millis(args.latency_ms),
        faults,
        seed: args.seed,
        rate_limits: args
            .rate_limit
            .map(|n| {
                servicenow_emulator::RateLimitRule::new(
                    "all users",
                    servicenow_emulator::AppliesTo::All,
                    n,
                )
            })
            .into_iter()
            .collect(),
        ..EmulatorConfig::default()
    };
    let running = servicenow_emulator::start(config).await.map_err(|e| {
        CliError::other(format!(
            "could not start the emulator on {}: {e} (pick another --listen address, e.g. 127.0.0.1:0)",
            args.listen
        ))
    })?;
    let url = running.base_url();
    if json {
        let accounts: Vec<_> = DEMO_ACCOUNTS
            .iter()
            .map(|a| serde_json::json!({"username": a.user_name, "password": a.password, "roles": a.roles}))
            .collect();
        outln!(
            "{}",
            serde_json::json!({"url": url, "accounts": accounts, "oauth_client": {"client_id": "snowlink", "client_secret": "snowlink-secret"}})
        );
    } else {
        outln!("ServiceNow emulator listening on {url}");
        outln!("Demo accounts (username/password, roles):");
        for a in DEMO_ACCOUNTS {
            let roles = if a.roles.is_empty() {
                "no roles".to_string()
            } else {
                a.roles.join(", ")
            };
            outln!("  {}/{}  ({roles})", a.user_name, a.password);
        }
        outln!("OAuth client: snowlink / snowlink-secret  (POST {url}/oauth_token.do)");
        outln!("Try: curl -u admin:admin '{url}/api/now/table/incident?sysparm_limit=1'");
        outln!("Press Ctrl-C to stop.");
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::other(format!("cannot wait for Ctrl-C: {e}")))?;
    running.shutdown().await;
    if !json {
        outln!("emulator stopped");
    }
    Ok(Exit::Ok)
}
