//! The human summary of a sync report on stdout (`snowlink sync`, once per instance).

use crate::sync::{PauseCause, PendingItem, SyncReport};

use super::output::outln;

/// Human summary on stdout.
pub fn print_report(r: &SyncReport) {
    let mut line = format!(
        "{}: delivered {}, already present {}, retried {}",
        r.instance,
        r.delivered.len(),
        r.reconciled.len(),
        r.retried
    );
    for c in &r.created {
        line.push_str(&format!(
            ", created {} ({})",
            c.number,
            if c.found_existing {
                "found by correlation id"
            } else {
                "new"
            }
        ));
    }
    outln!("{line}");
    if r.read_only {
        outln!("read-only profile: nothing was sent");
    }
    if let Some(p) = &r.paused {
        outln!("PAUSED ({}): {}", cause_name(p.cause), p.reason);
        outln!(
            "  fix the cause, then `snowlink sync` (probes and resumes) or `snowlink outbox retry --all`"
        );
    }
    if r.deadline_reached {
        outln!(
            "stopped at the --once deadline: nothing more was claimed; what is left is listed below (`snowlink sync` again, or `--deadline SECS`)"
        );
    }
    if let Some(u) = &r.unreachable {
        outln!("ServiceNow unreachable: {u}");
    }
    section("waiting", &r.waiting);
    section("failed", &r.failed);
    section("dead", &r.dead);
    if r.all_delivered() && r.paused.is_none() {
        outln!("outbox empty for {}", r.instance);
    }
}

fn section(name: &str, items: &[PendingItem]) {
    if items.is_empty() {
        return;
    }
    outln!("{name} {}:", items.len());
    for p in items {
        outln!(
            "  #{} {} {}: {}",
            p.id,
            p.number.as_deref().unwrap_or("(new)"),
            p.kind.code(),
            p.why
        );
    }
}

pub(super) fn cause_name(c: PauseCause) -> &'static str {
    match c {
        PauseCause::Auth => "authentication",
        PauseCause::Permission => "permission",
        PauseCause::Unreachable => "unreachable",
    }
}
