//! `snowlink ticket show NUMBER|SYS_ID [--table T]`: one incident's fields and its journal
//! (work notes and additional comments, newest first, snowlink's own notes marked). Read-only.
//! `--json` prints `ops::IncidentActivity` (docs/json-output.md §ticket show).

use crate::ops::{self, IncidentActivity};

use super::context::{Globals, session_only};
use super::error::CliResult;
use super::exit::Exit;
use super::output::{self, outln};

pub async fn run(number: &str, table: Option<&str>, globals: &Globals) -> CliResult<Exit> {
    let (session, _) = session_only(globals, true).await?;
    // The number's prefix names its table (PRB…, CHG…); a sys_id goes to the profile's table.
    let table = table
        .or_else(|| servicenow_client::table_for_number(number))
        .unwrap_or(&session.profile.table)
        .to_owned();
    let client = session.client()?;
    let activity = ops::read_activity(client, &table, number).await?;
    if globals.json {
        output::json(&activity);
    } else {
        print_human(&activity);
    }
    Ok(Exit::Ok)
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "-" } else { s }
}

fn print_human(a: &IncidentActivity) {
    outln!("{}  {}", a.number, a.short_description);
    outln!("  state:      {}", or_dash(&a.state));
    outln!("  priority:   {}", or_dash(&a.priority));
    outln!("  group:      {}", or_dash(&a.assignment_group));
    outln!("  assignee:   {}", or_dash(&a.assigned_to));
    outln!("  caller:     {}", or_dash(&a.caller));
    outln!("  opened:     {}", or_dash(&a.opened_at));
    outln!("  updated:    {}", or_dash(&a.updated_at));
    let from = match a.journal_source {
        "sys_journal_field" => "journal table",
        _ => "display values",
    };
    outln!();
    if a.journal.is_empty() {
        outln!("no work notes or comments (read from {from})");
        return;
    }
    outln!(
        "journal, newest first ({} entries, read from {from}){}:",
        a.journal.len(),
        if a.journal_truncated {
            "; older entries not shown"
        } else {
            ""
        }
    );
    for e in &a.journal {
        let kind = match e.kind {
            "work_note" => "work note",
            _ => "comment",
        };
        let mark = if e.snowlink { " (snowlink)" } else { "" };
        outln!();
        outln!("{}  {}  {kind}{mark}", e.created_on, e.author);
        for line in e.text.lines() {
            outln!("    {line}");
        }
    }
}
