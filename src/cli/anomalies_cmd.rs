//! `snowlink anomalies` (list) and `snowlink show ID` (detail with links, comments, history).

use serde::Serialize;

use crate::domain::{Link, format_timestamp};
use crate::store::{AnomalyFilter, Comment, StatusFilter, StatusHistoryEntry, StoredAnomaly};

use super::args::{AnomaliesArgs, StatusArg};
use super::context::{Globals, session};
use super::error::CliResult;
use super::exit::Exit;
use super::output::{self, outln};

pub async fn list(args: AnomaliesArgs, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, false).await?;
    let store = session.open_store()?;
    let filter = AnomalyFilter {
        status: args.status.map(|s| match s {
            StatusArg::Active => StatusFilter::Active,
            StatusArg::Acknowledged => StatusFilter::Acknowledged,
            StatusArg::Archived => StatusFilter::Archived,
        }),
        linked: match (args.linked, args.unlinked) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        ..AnomalyFilter::default()
    };
    let rows = store.list_anomalies(&filter)?;
    if globals.json {
        // Serialized straight from the rows: a `json!` value of 100k rows would hold a second
        // copy of them all.
        #[derive(serde::Serialize)]
        struct List<'a> {
            anomalies: &'a [crate::store::AnomalyRow],
        }
        output::json(&List { anomalies: &rows });
        return Ok(Exit::Ok);
    }
    if rows.is_empty() {
        outln!("no anomalies match (sources are listed by `snowlink config check`)");
        return Ok(Exit::Ok);
    }
    outln!(
        "{:<22} {:<8} {:<10} {:<5} {:<24} TITLE",
        "STATUS",
        "SEVERITY",
        "ID",
        "LINKS",
        "DATASTORE"
    );
    for r in rows {
        outln!(
            "{:<22} {:<8} {:<10} {:<5} {:<24} {}",
            r.status.to_string(),
            r.severity.map(|s| s.as_str()).unwrap_or("-"),
            r.key.id,
            r.link_count,
            r.datastore.as_deref().unwrap_or("-"),
            r.title
        );
    }
    Ok(Exit::Ok)
}

/// One link with the other anomalies that share its incident.
#[derive(Debug, Serialize)]
struct LinkView {
    #[serde(flatten)]
    link: Link,
    /// Other anomalies (`source/id`) linked to the same incident.
    also_linked: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Detail {
    #[serde(flatten)]
    stored: StoredAnomaly,
    links: Vec<LinkView>,
    comments: Vec<Comment>,
    history: Vec<StatusHistoryEntry>,
}

pub async fn show(id: &str, globals: &Globals) -> CliResult<Exit> {
    let session = session(globals, false).await?;
    let store = session.open_store()?;
    let key = store.resolve_anomaly_id(id)?;
    let Some(stored) = store.get_anomaly(&key)? else {
        return Err(super::CliError::not_found(format!(
            "anomaly {id} not found"
        )));
    };
    let mut links = Vec::new();
    for link in store.links_for_anomaly(&key)? {
        let also_linked = store
            .anomalies_for_incident(&link.incident.instance, &link.incident.sys_id)?
            .into_iter()
            .filter(|k| *k != key)
            .map(|k| format!("{}/{}", k.source, k.id))
            .collect();
        links.push(LinkView { link, also_linked });
    }
    let detail = Detail {
        comments: store.comments(&key)?,
        history: store.status_history(&key)?,
        stored,
        links,
    };
    if globals.json {
        output::json(&detail);
    } else {
        print_detail(&detail);
    }
    Ok(Exit::Ok)
}

fn print_detail(d: &Detail) {
    let a = &d.stored.anomaly;
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    outln!("{}  {}", a.id, a.title);
    outln!(
        "  status:     {} (source says {})",
        d.stored.status,
        a.status
    );
    outln!(
        "  severity:   {}",
        a.severity.map(|s| s.as_str()).unwrap_or("-")
    );
    outln!("  type:       {}", opt(&a.kind));
    outln!("  source:     {} ({})", d.stored.key.source, opt(&a.source));
    outln!(
        "  where:      {} / {} / {}",
        opt(&a.datastore),
        opt(&a.container),
        opt(&a.field)
    );
    if let Some(at) = a.detected_at {
        outln!("  detected:   {}", format_timestamp(at));
    }
    if let Some(url) = &a.url {
        outln!("  url:        {url}");
    }
    if !a.tags.is_empty() {
        outln!("  tags:       {}", a.tags.join(", "));
    }
    if let Some(desc) = &a.description {
        outln!("  description: {desc}");
    }
    if !a.failed_checks.is_empty() {
        outln!("  failed checks:");
        for c in &a.failed_checks {
            outln!("    - {}: {}", c.name, c.message);
        }
    }
    outln!("  linked incidents: {}", d.links.len());
    for l in &d.links {
        let i = &l.link.incident;
        let state = match (&l.link.read_error, l.link.broken) {
            (_, true) => "BROKEN (not found or hidden)".to_string(),
            (Some(err), _) => format!("unknown ({err})"),
            (None, _) => l
                .link
                .last
                .state
                .clone()
                .unwrap_or_else(|| "unknown".into()),
        };
        let read = l
            .link
            .read_at
            .map(format_timestamp)
            .unwrap_or_else(|| "never".into());
        outln!(
            "    {} [{}] state {}, priority {}, group {}, assignee {} (read {read})",
            i.number,
            i.instance,
            state,
            l.link.last.priority.as_deref().unwrap_or("-"),
            l.link.last.assignment_group.as_deref().unwrap_or("-"),
            l.link.last.assigned_to.as_deref().unwrap_or("-"),
        );
        if !l.also_linked.is_empty() {
            outln!("      also linked to: {}", l.also_linked.join(", "));
        }
    }
    if !d.comments.is_empty() {
        outln!("  comments:");
        for c in &d.comments {
            outln!("    [{}] {}: {}", format_timestamp(c.at), c.author, c.text);
        }
    }
    if !d.history.is_empty() {
        outln!("  status history:");
        for h in &d.history {
            outln!(
                "    [{}] {} → {} by {}",
                format_timestamp(h.at),
                h.from,
                h.to,
                h.user
            );
            if let Some(detail) = &h.detail {
                outln!("      {detail}");
            }
        }
    }
}
