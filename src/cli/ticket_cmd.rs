//! `snowlink ticket create|link|unlink|search` (`show` is in `ticket_show_cmd.rs`).

use serde::Serialize;

use crate::domain::{TicketDraft, TicketTable, table_label, table_names};
use crate::ops::{self, IncidentSummary};

use super::args::{TicketCommand, TicketCreateArgs};
use super::context::{Globals, session};
use super::deliver::{Delivered, deliver};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};

pub async fn run(cmd: TicketCommand, globals: &Globals) -> CliResult<Exit> {
    match cmd {
        TicketCommand::Create(args) => create(*args, globals).await,
        TicketCommand::Link { id, incident } => link(&id, &incident, globals).await,
        TicketCommand::Unlink { id, incident } => unlink(&id, &incident, globals).await,
        TicketCommand::Search { text, table } => search(&text, table.as_deref(), globals).await,
        TicketCommand::Show { number, table } => {
            super::ticket_show_cmd::run(&number, table.as_deref(), globals).await
        }
    }
}

#[derive(Debug, Serialize)]
struct CreateOutput {
    anomaly: String,
    incident: Option<crate::domain::IncidentRef>,
    url: Option<String>,
    delivery: Delivered,
}

async fn create(args: TicketCreateArgs, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, true).await?;
    let id = args.id.clone();
    let stored = session
        .off_runtime(move |s| ops::load_anomaly(s, &id))
        .await?;
    let start = if args.dry_run {
        ops::CreateStart::New
    } else {
        let (key, another) = (stored.key.clone(), args.another);
        session
            .off_runtime(move |s| ops::start_create(s, &key, another))
            .await?
    };
    if let ops::CreateStart::Resume(id) = start {
        // The user asks again: the queued create is due now, not at its next backoff. One in
        // flight (a dead run's claim) is taken over by the delivery below.
        let _ = session
            .off_runtime(move |s| Ok(s.open_store()?.retry(id, jiff::Timestamp::now())?))
            .await;
        if !globals.json {
            outln!(
                "anomaly {} has a create queued earlier (#{id}); resuming it instead of making another incident",
                stored.key.id
            );
        }
        return finish_create(&session, &stored.key.id, id, globals).await;
    }
    let mut draft = TicketDraft::for_anomaly(&stored.anomaly);
    draft.table = args
        .table
        .clone()
        .unwrap_or_else(|| session.profile.table.clone());
    let Some(table) = TicketTable::from_name(&draft.table) else {
        return Err(CliError::usage(format!(
            "table {:?} is not one snowlink creates in: use --table {}",
            draft.table,
            table_names().replace(", ", "|")
        )));
    };
    if let Some(s) = args.short_description {
        draft.short_description = s;
    }
    if args.description.is_some() {
        draft.description = args.description;
    }
    draft.category = args.category;
    draft.subcategory = args.subcategory;
    // Unset levels follow the anomaly's severity (config `[ui] severity_impact_urgency`).
    let (impact, urgency) = session.ticket_defaults.get(stored.anomaly.severity);
    draft.impact = args.impact.or(Some(impact));
    draft.urgency = args.urgency.or(Some(urgency));
    draft.assignment_group = args
        .assignment_group
        .or_else(|| session.profile.assignment_group.clone());
    draft.assigned_to = args.assigned_to;
    // Only incidents have a caller; the profile's default applies to them alone, while a
    // --caller given for another table is refused by the draft's validation.
    draft.caller = if table.has_caller() {
        args.caller
            .or_else(|| session.profile.caller.clone())
            .or_else(|| session.profile.username.clone())
    } else {
        args.caller
    };
    draft.change_type = args.change_type;
    draft.risk = args.risk;
    if let Err(e) = draft.validate() {
        return Err(CliError::usage(format!("ticket: {e}")));
    }
    let plan = ops::plan_create(&session, &stored, &draft).await?;
    if args.dry_run {
        if globals.json {
            output::json(&serde_json::json!({"dry_run": true, "request": plan}));
        } else {
            outln!("dry run: nothing was sent. The request would be:");
            outln!("{} {}", plan.method, plan.url);
            output::json(&plan.body);
        }
        return Ok(Exit::Ok);
    }
    let (table, queued_plan) = (draft.table.clone(), plan.clone());
    let id = session
        .off_runtime(move |s| ops::enqueue_create(s, &table, &queued_plan, &[]))
        .await?;
    finish_create(&session, &stored.key.id, id, globals).await
}

/// Delivers create `id` (new or resumed) and prints what came of it.
async fn finish_create(
    session: &ops::Session,
    anomaly: &str,
    id: crate::store::OutboxId,
    globals: &Globals,
) -> CliResult<Exit> {
    let delivery = deliver(session, &[id]).await?;
    let incident = delivery.created.first().cloned();
    let url = incident.as_ref().and_then(|i| {
        session
            .client
            .as_ref()
            .map(|c| c.record_ui_url(&i.table, &i.sys_id))
    });
    let exit = delivery.exit();
    if globals.json {
        output::json(&CreateOutput {
            anomaly: anomaly.to_string(),
            incident,
            url,
            delivery,
        });
    } else {
        match (&incident, &url) {
            (Some(i), Some(u)) => {
                let what = match i.table.as_str() {
                    "incident" => String::new(),
                    other => format!("{} ", table_label(other).to_lowercase()),
                };
                outln!(
                    "created {what}{} for anomaly {anomaly} and linked it",
                    i.number
                );
                outln!("  {u}");
            }
            _ => delivery.print_human(),
        }
    }
    Ok(exit)
}

#[derive(Debug, Serialize)]
struct LinkOutput {
    #[serde(flatten)]
    linked: ops::Linked,
    delivery: Delivered,
}

async fn link(id: &str, incident: &str, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, true).await?;
    let linked = ops::link(&session, id, incident).await?;
    let delivery = deliver(&session, &linked.outbox).await?;
    let exit = delivery.exit();
    if globals.json {
        output::json(&LinkOutput { linked, delivery });
        return Ok(exit);
    }
    if linked.created {
        outln!(
            "linked {} to {}. Note: linking modifies the incident: the anomaly block is appended to its description and a work note is added.",
            linked.anomaly.id,
            linked.incident.number
        );
        delivery.print_human();
    } else {
        outln!(
            "{} was already linked to {}: nothing changed",
            linked.anomaly.id,
            linked.incident.number
        );
    }
    Ok(exit)
}

async fn unlink(id: &str, incident: &str, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, false).await?;
    let link = ops::unlink(&session, id, incident)?;
    if globals.json {
        output::json(&serde_json::json!({"unlinked": link}));
    } else {
        outln!(
            "unlinked {} from {} (local only: notes already written stay on the incident)",
            link.anomaly.id,
            link.incident.number
        );
    }
    Ok(Exit::Ok)
}

async fn search(text: &str, table: Option<&str>, globals: &Globals) -> CliResult<Exit> {
    if text.trim().is_empty() {
        return Err(CliError::usage("give a number or some text to search for"));
    }
    let session = session(globals, true).await?;
    let found: Vec<IncidentSummary> = ops::search(&session, text, 20, table).await?;
    if globals.json {
        output::json(&serde_json::json!({"incidents": found}));
        return Ok(if found.is_empty() {
            Exit::NotFound
        } else {
            Exit::Ok
        });
    }
    if found.is_empty() {
        outln!("no incidents, problems or change requests match {text:?}");
        return Ok(Exit::NotFound);
    }
    outln!(
        "{:<14} {:<11} {:<20} {:<14} {:<16} SHORT DESCRIPTION",
        "TABLE",
        "NUMBER",
        "STATE",
        "PRIORITY",
        "GROUP"
    );
    for i in found {
        outln!(
            "{:<14} {:<11} {:<20} {:<14} {:<16} {}",
            table_label(&i.table),
            i.number,
            i.state,
            i.priority,
            i.assignment_group,
            i.short_description
        );
    }
    Ok(Exit::Ok)
}
