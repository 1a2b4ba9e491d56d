//! `snowlink event send ID`: the anomaly goes to Event Management (one event, message key
//! `snowlink:<source>/<id>`) through the outbox, and is linked to the alert it became.

use serde::Serialize;

use crate::domain::IncidentRef;
use crate::ops;

use super::args::EventCommand;
use super::context::{Globals, session};
use super::deliver::{Delivered, deliver};
use super::error::CliResult;
use super::exit::Exit;
use super::output::{self, outln};

pub async fn run(cmd: EventCommand, globals: &Globals) -> CliResult<Exit> {
    match cmd {
        EventCommand::Send { id } => send(&id, globals).await,
    }
}

/// `event send --json` (docs/json-output.md "event send").
#[derive(Debug, Serialize)]
struct SendOutput {
    anomaly: String,
    outbox_id: crate::store::OutboxId,
    message_key: String,
    event: serde_json::Map<String, serde_json::Value>,
    /// The alert the event was processed into (table `em_alert`), once known.
    alert: Option<IncidentRef>,
    url: Option<String>,
    delivery: Delivered,
}

async fn send(id: &str, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, true).await?;
    let anomaly = id.to_owned();
    let queued = session
        .off_runtime(move |s| ops::enqueue_event(s, &anomaly))
        .await?;
    let delivery = deliver(&session, &[queued.outbox_id]).await?;
    let alert = delivery.created.first().cloned();
    let url = alert.as_ref().and_then(|a| {
        session
            .client
            .as_ref()
            .map(|c| c.record_ui_url(&a.table, &a.sys_id))
    });
    let exit = delivery.exit();
    if globals.json {
        output::json(&SendOutput {
            anomaly: id.to_owned(),
            outbox_id: queued.outbox_id,
            message_key: queued.message_key,
            event: queued.event,
            alert,
            url,
            delivery,
        });
        return Ok(exit);
    }
    match (&alert, &url) {
        (Some(a), Some(u)) => {
            outln!(
                "sent an event for anomaly {id}; ServiceNow processed it into alert {} and it is linked",
                a.number
            );
            outln!("  message key {}", queued.message_key);
            outln!("  {u}");
        }
        _ => delivery.print_human(),
    }
    Ok(exit)
}
