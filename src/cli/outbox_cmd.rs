//! `snowlink outbox [list [--all] | retry ID | retry --all | drop ID]`: inspect and repair the
//! outbox of every instance. Needs no network: `snowlink sync` delivers what this makes due.

use jiff::Timestamp;
use serde::Serialize;

use crate::store::{Delivery, DeliveryState, OutboxCounts, OutboxFilter, PausedInstance, Store};

use super::args::{OutboxArgs, OutboxCommand};
use super::context::Globals;
use super::error::CliResult;
use super::exit::Exit;
use super::output::{self, outln};
use super::sync_cmd::store_error;

#[derive(Debug, Serialize)]
struct ListOutput<'a> {
    items: &'a [Delivery],
    paused: &'a [PausedInstance],
    counts: OutboxCounts,
}

#[derive(Debug, Serialize)]
struct RetryOutput {
    retried: usize,
    ids: Vec<i64>,
    resumed: Vec<String>,
}

pub async fn run(args: OutboxArgs, globals: &Globals) -> CliResult<Exit> {
    let (_paths, _config, location) = globals.load_store().await?;
    let mut store = location.open().map_err(store_error)?;
    match args.action.unwrap_or(OutboxCommand::List { all: false }) {
        OutboxCommand::List { all } => list(&store, all, globals.json),
        OutboxCommand::Retry { id, all } => retry(&mut store, id, all, globals.json),
        OutboxCommand::Drop { id } => {
            store.drop_delivery(id).map_err(store_error)?;
            if globals.json {
                output::json(&serde_json::json!({ "dropped": id }));
            } else {
                outln!("dropped #{id}: it will never be sent");
            }
            Ok(Exit::Ok)
        }
    }
}

fn list(store: &Store, all: bool, json: bool) -> CliResult<Exit> {
    let filter = OutboxFilter {
        states: if all {
            Vec::new()
        } else {
            DeliveryState::ALL
                .into_iter()
                .filter(|s| !s.is_final())
                .collect()
        },
        ..OutboxFilter::default()
    };
    let items = store.outbox_list(&filter).map_err(store_error)?;
    let paused = store.paused_instances().map_err(store_error)?;
    let counts = store.outbox_counts(Timestamp::now()).map_err(store_error)?;
    if json {
        output::json(&ListOutput {
            items: &items,
            paused: &paused,
            counts,
        });
        return Ok(Exit::Ok);
    }
    for p in &paused {
        outln!(
            "instance {} PAUSED since {}: {}",
            p.instance,
            p.paused_at,
            p.reason
        );
    }
    if items.is_empty() {
        outln!(
            "outbox empty{}",
            if all {
                ""
            } else {
                " (use --all for delivered items)"
            }
        );
        return Ok(Exit::Ok);
    }
    outln!(
        "{:>6}  {:<10} {:<10} {:<11} {:<18} {:>3}  DETAIL",
        "ID",
        "STATE",
        "INSTANCE",
        "NUMBER",
        "KIND",
        "TRY"
    );
    for d in &items {
        let (instance, number) = target(d);
        outln!(
            "{:>6}  {:<10} {:<10} {:<11} {:<18} {:>3}  {}",
            d.id,
            d.state.code(),
            instance,
            number,
            d.kind.code(),
            d.attempts,
            detail(d)
        );
    }
    outln!(
        "pending {} (waiting {}), in flight {}, paused {}, failed {}, dead {}",
        counts.pending,
        counts.waiting,
        counts.in_flight,
        counts.paused,
        counts.failed,
        counts.dead
    );
    Ok(Exit::Ok)
}

/// The INSTANCE and NUMBER columns: a ServiceNow row's profile and incident; a source
/// write-back's source name and anomaly id.
fn target(d: &Delivery) -> (String, String) {
    match crate::store::source_of_instance(&d.instance) {
        Some(source) if d.kind.is_source() => (
            source.to_string(),
            d.anomaly
                .as_ref()
                .map_or_else(|| "?".to_string(), |k| k.id.clone()),
        ),
        _ => (
            d.instance.clone(),
            d.number.clone().unwrap_or_else(|| "(new)".into()),
        ),
    }
}

fn detail(d: &Delivery) -> String {
    let first = d.payload.lines().next().unwrap_or("");
    let text: String = first.chars().take(60).collect();
    match (&d.state, &d.last_error) {
        (DeliveryState::Pending, Some(e)) => format!("retry at {}: {e}", d.next_attempt_at),
        (DeliveryState::Delivered, _) => format!(
            "{} at {}",
            text,
            d.delivered_at.map_or_else(String::new, |t| t.to_string())
        ),
        (_, Some(e)) => e.clone(),
        _ => text,
    }
}

/// Retrying is the explicit "try again" a paused instance waits for, so it resumes the
/// instance(s) concerned first.
fn retry(store: &mut Store, id: Option<i64>, all: bool, json: bool) -> CliResult<Exit> {
    let now = Timestamp::now();
    let paused = store.paused_instances().map_err(store_error)?;
    let mut resumed = Vec::new();
    let (retried, ids) = match (id, all) {
        (Some(id), false) => {
            let d = store
                .outbox_get(id)
                .map_err(store_error)?
                .ok_or_else(|| store_error(crate::store::StoreError::DeliveryNotFound(id)))?;
            if paused.iter().any(|p| p.instance == d.instance) {
                store
                    .resume_instance(&d.instance, now)
                    .map_err(store_error)?;
                resumed.push(d.instance.clone());
            }
            store.retry(id, now).map_err(store_error)?;
            (1, vec![id])
        }
        _ => {
            for p in &paused {
                store
                    .resume_instance(&p.instance, now)
                    .map_err(store_error)?;
                resumed.push(p.instance.clone());
            }
            (store.retry_all(now).map_err(store_error)?, Vec::new())
        }
    };
    if json {
        output::json(&RetryOutput {
            retried,
            ids,
            resumed,
        });
    } else {
        for r in &resumed {
            outln!("resumed instance {r}");
        }
        outln!("{retried} deliveries due now; run `snowlink sync --once` to deliver them");
    }
    Ok(Exit::Ok)
}
