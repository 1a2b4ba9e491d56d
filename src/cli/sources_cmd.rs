//! `snowlink sources`: each configured source's health as the ingester last recorded it — when
//! it last read the source, the last error with its cause and fix, when it reads next, and what
//! the source accepts back (write-back). Reads the store only.

use jiff::Timestamp;
use serde::Serialize;

use crate::config::ProcessEnv;
use crate::store::SourceState;

use super::context::Globals;
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};

/// One source in `snowlink sources --json`.
#[derive(Debug, Serialize)]
struct SourceHealth {
    name: String,
    kind: &'static str,
    /// `ok`, `failing`, or `unread` (never read yet).
    health: &'static str,
    #[serde(flatten)]
    state: Option<SourceState>,
}

pub async fn run(globals: &Globals) -> CliResult<Exit> {
    let (_paths, config, db) = globals.load_store().await?;
    let sources = config.sources(&ProcessEnv);
    if sources.is_empty() {
        return Err(CliError::usage(
            "no [[sources]] in the config; add one (see config.example.toml)",
        ));
    }
    let states = tokio::task::spawn_blocking(move || db.open()?.source_states())
        .await
        .map_err(|e| CliError::other(format!("reading the store stopped unexpectedly: {e}")))??;
    let rows: Vec<SourceHealth> = sources
        .iter()
        .map(|s| {
            let state = states.iter().find(|st| st.source == s.name).cloned();
            let health = match &state {
                None => "unread",
                Some(st) if st.last_error.is_some() => "failing",
                Some(_) => "ok",
            };
            SourceHealth {
                name: s.name.clone(),
                kind: s.kind.as_str(),
                health,
                state,
            }
        })
        .collect();
    if globals.json {
        output::json(&serde_json::json!({ "sources": rows }));
    } else {
        let now = Timestamp::now();
        for r in &rows {
            outln!("{}", line(r, now));
        }
    }
    Ok(if rows.iter().any(|r| r.health == "failing") {
        Exit::Error
    } else {
        Exit::Ok
    })
}

fn line(r: &SourceHealth, now: Timestamp) -> String {
    let Some(st) = &r.state else {
        return format!(
            "{} ({}): not read yet; run `snowlink load` or `snowlink sync --watch`",
            r.name, r.kind
        );
    };
    let ago = |t: Option<Timestamp>| match t {
        Some(t) => format!("{} ago", short(now.duration_since(t).as_secs())),
        None => "never".to_owned(),
    };
    let next = match st.next_poll_at {
        Some(t) if t > now => format!("in {}", short(t.duration_since(now).as_secs())),
        Some(_) => "now".to_owned(),
        None => "not scheduled".to_owned(),
    };
    let back = if st.capabilities.is_empty() {
        "triage stays local".to_owned()
    } else {
        format!("writes back {}", st.capabilities.join(", "))
    };
    match &st.last_error {
        Some(e) => format!(
            "{} ({}): FAILING x{}: {e}; last success {}; next try {next}",
            r.name,
            r.kind,
            st.failures,
            ago(st.last_success_at)
        ),
        None => format!(
            "{} ({}): ok, read {}; next {next}; {back}",
            r.name,
            r.kind,
            ago(st.last_success_at)
        ),
    }
}

fn short(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s => format!("{}h", s / 3600),
    }
}
