//! `snowlink ack`, `archive` and `comment`: recorded locally with their notes queued in one
//! transaction, then delivered before the command returns (or left queued, and said so).

use std::io::Read;

use serde::Serialize;

use crate::domain::{ArchiveReason, Status};
use crate::ops::{self, Recorded};

use super::args::{ArchiveReasonArg, CommentArgs};
use super::context::{Globals, session};
use super::deliver::{Delivered, deliver};
use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::{self, outln};
use super::source_wiring::{SourceDelivered, deliver_sources, worse};

#[derive(Debug, Serialize)]
struct TriageOutput {
    recorded: Vec<Recorded>,
    delivery: Delivered,
    /// The write-backs to the anomalies' sources (docs/sources.md §Write-back).
    source_delivery: SourceDelivered,
}

pub async fn ack(ids: &[String], globals: &Globals) -> CliResult<Exit> {
    set_status(ids, Status::Acknowledged, globals).await
}

pub async fn archive(
    ids: &[String],
    reason: ArchiveReasonArg,
    globals: &Globals,
) -> CliResult<Exit> {
    let reason = match reason {
        ArchiveReasonArg::Resolved => ArchiveReason::Resolved,
        ArchiveReasonArg::Invalid => ArchiveReason::Invalid,
        ArchiveReasonArg::Duplicate => ArchiveReason::Duplicate,
        ArchiveReasonArg::Discarded => ArchiveReason::Discarded,
    };
    set_status(ids, Status::Archived(reason), globals).await
}

async fn set_status(ids: &[String], status: Status, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, true).await?;
    let ids = ids.to_vec();
    let recorded = session
        .off_runtime(move |s| ops::set_status(s, &ids, status))
        .await?;
    let outbox: Vec<_> = recorded.iter().flat_map(|r| r.outbox.clone()).collect();
    let delivery = deliver(&session, &outbox).await?;
    let source_delivery = write_back(globals, &session, &recorded).await?;
    if !globals.json {
        for r in &recorded {
            let what = if r.changed {
                format!("{}: {status}", r.anomaly.id)
            } else {
                format!("{}: already {status}, nothing to record", r.anomaly.id)
            };
            outln!("{what}{}", notes_phrase(r.outbox.len()));
            print_source_write(r);
        }
    }
    finish(
        TriageOutput {
            recorded,
            delivery,
            source_delivery,
        },
        globals,
    )
}

pub async fn comment(args: CommentArgs, globals: &Globals) -> CliResult<Exit> {
    let text = comment_text(&args)?;
    let session = session(globals, true).await?;
    let (id, body) = (args.id.clone(), text.clone());
    let recorded = session
        .off_runtime(move |s| ops::comment(s, &id, &body))
        .await?;
    let delivery = deliver(&session, &recorded.outbox).await?;
    let recorded = vec![recorded];
    let source_delivery = write_back(globals, &session, &recorded).await?;
    if !globals.json {
        for r in &recorded {
            outln!(
                "{}: comment recorded{}",
                r.anomaly.id,
                notes_phrase(r.outbox.len())
            );
            print_source_write(r);
        }
    }
    finish(
        TriageOutput {
            recorded,
            delivery,
            source_delivery,
        },
        globals,
    )
}

fn comment_text(args: &CommentArgs) -> CliResult<String> {
    let text = match (&args.text, &args.file) {
        (_, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!("cannot read comment file {}: {e}", path.display()))
        })?,
        (Some(t), None) if t == "-" => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::usage(format!("cannot read the comment from stdin: {e}")))?;
            s
        }
        (Some(t), None) => t.clone(),
        (None, None) => {
            return Err(CliError::usage(
                "give the comment as TEXT, with --file FILE, or `-` to read stdin",
            ));
        }
    };
    let text = text.trim_end_matches(['\n', '\r']).to_string();
    if text.trim().is_empty() {
        return Err(CliError::usage("the comment is empty: nothing recorded"));
    }
    Ok(text)
}

/// What was queued for the linked records: a work note per incident, and a Clear event for an
/// alert whose anomalies are now all archived (docs/sync.md §Events).
fn notes_phrase(n: usize) -> String {
    match n {
        0 => " (no linked incidents: nothing to send)".into(),
        1 => " (1 delivery to the linked record)".into(),
        n => format!(" ({n} deliveries, one per linked record)"),
    }
}

/// Tries the source write-backs the actions queued before the command returns.
async fn write_back(
    globals: &Globals,
    session: &crate::ops::Session,
    recorded: &[Recorded],
) -> CliResult<SourceDelivered> {
    let ids: Vec<_> = recorded.iter().filter_map(|r| r.source.outbox).collect();
    if ids.is_empty() {
        return Ok(SourceDelivered::default());
    }
    let (_, config) = globals.load_config()?;
    let sources = config.sources(&crate::config::ProcessEnv);
    Ok(deliver_sources(&session.store, sources, &ids).await)
}

fn print_source_write(r: &Recorded) {
    if let Some(why) = &r.source.kept_local {
        outln!("  {why}");
    } else if r.source.outbox.is_some() {
        outln!("  write-back to {} queued", r.anomaly.source);
    }
}

fn finish(out: TriageOutput, globals: &Globals) -> CliResult<Exit> {
    let exit = worse(out.delivery.exit(), out.source_delivery.exit());
    if globals.json {
        output::json(&out);
    } else {
        out.delivery.print_human();
        out.source_delivery.print_human();
    }
    Ok(exit)
}
