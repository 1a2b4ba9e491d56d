//! `snowlink audit [--limit N] [--rule NAME] [--json]`: every write made to ServiceNow (and each
//! local link/unlink), newest first, with the rule decision that caused it when a rule did —
//! so an administrator can explain each automatic write (docs/rules.md §Audit,
//! docs/json-output.md "audit").

use jiff::Timestamp;

use crate::store::ExplainedAudit;

use super::context::Globals;
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};
use super::sync_cmd::store_error;

pub async fn run(limit: usize, rule: Option<String>, globals: &Globals) -> CliResult<Exit> {
    let (_paths, _config, path) = globals.load_store().await?;
    let rows =
        tokio::task::spawn_blocking(move || path.open()?.audit_explained(limit, rule.as_deref()))
            .await
            .map_err(|e| CliError::other(e.to_string()))?
            .map_err(store_error)?;
    if globals.json {
        output::json(&serde_json::json!({ "audit": rows }));
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        outln!("no audit entries");
    }
    for r in &rows {
        outln!("{}", human(r));
    }
    Ok(Exit::Ok)
}

fn human(r: &ExplainedAudit) -> String {
    let e = &r.entry;
    let mut line = format!(
        "{} {} {} {} {} [{}]: {}",
        time(e.at),
        e.instance,
        e.number.as_deref().unwrap_or("(new)"),
        e.action,
        e.outbox_id.map(|i| format!("#{i}")).unwrap_or_default(),
        e.outcome,
        e.summary
    );
    if let Some(c) = &r.rule {
        line.push_str(&format!(
            "\n    by rule {} ({} for {}/{}): {}",
            c.rule, c.action, c.anomaly.source, c.anomaly.id, c.why
        ));
    }
    line
}

fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S").to_string()
}
