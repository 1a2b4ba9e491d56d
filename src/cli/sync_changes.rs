//! The human lines of `sync --once` for its change-detection pass (docs/sync.md §Change
//! detection); `--json` puts the report under `changes` (docs/json-output.md).

use crate::sync::ChangeReport;

use super::output::outln;

/// One line for a change pass that had records to read, and one per status it applied.
pub(super) fn print_changes(c: &ChangeReport) {
    if c.records == 0 {
        return;
    }
    let mut line = format!(
        "{}: changes: {} linked records, {} requests, {} changed",
        c.instance, c.records, c.requests, c.changed
    );
    if !c.back_sync {
        line.push_str(" (back_sync off: nothing applied)");
    }
    outln!("{line}");
    for a in &c.applied {
        outln!(
            "  anomaly {} {} → {} ({} by {})",
            a.anomaly.id,
            a.from,
            a.to,
            a.number,
            a.user
        );
    }
    if let Some(e) = &c.error {
        outln!("  change read failed: {e}");
    }
}
