//! Where the ticket form's ticket goes: its table and, with several instances configured, its
//! instance (docs/dashboard.md §Ticket form). Both decide which choice lists apply, so a change
//! of either reloads them; a reply still on its way for the previous target is dropped by
//! request id.

use super::super::effect::Effect;
use super::super::form::{Field, Lookup, Picker, TicketForm};
use super::super::state::{Level, State};

/// Another table: its choice lists replace the previous table's (categories differ per
/// table, and a change has risks), so they are cleared and read again.
pub fn on_table_change(state: &mut State, form: &mut TicketForm) -> Vec<Effect> {
    let table = form.table();
    let instance = form.instance_name();
    let mut effects = Vec::new();
    for (element, picker) in [
        ("category", &mut form.category),
        ("subcategory", &mut form.subcategory),
        ("risk", &mut form.risk),
    ] {
        *picker = Picker::default();
        let wanted = match element {
            "category" => true,
            "risk" => Field::Risk.on(table),
            _ => false,
        };
        if wanted {
            let req = state.req();
            picker.req = Some(req);
            effects.push(Effect::LoadChoices {
                req,
                instance: instance.clone(),
                table: table.name().to_owned(),
                element: element.to_owned(),
                dependent: None,
            });
        }
    }
    effects
}

/// The next (or previous) instance. What came from the previous instance's lookups — the
/// assignment group and assignee (sys_ids there, unknown here) and the choices picked — is
/// cleared, the form says which, and the choice lists are read from the new instance. Typed
/// text that is not a lookup (short description, description, caller) is kept.
pub fn switch_instance(state: &mut State, form: &mut TicketForm, forward: bool) -> Vec<Effect> {
    let n = form.instances.len();
    if n < 2 {
        return Vec::new();
    }
    let before = form.instance_name();
    form.instance = if forward {
        (form.instance + 1) % n
    } else {
        (form.instance + n - 1) % n
    };
    let mut cleared = Vec::new();
    for (what, lookup) in [
        ("assignment group", &mut form.group),
        ("assignee", &mut form.assignee),
    ] {
        if lookup.chosen.is_some() || !lookup.text().trim().is_empty() {
            cleared.push(what);
        }
        *lookup = Lookup::default();
    }
    for (what, picker) in [
        ("category", &form.category),
        ("subcategory", &form.subcategory),
        ("risk", &form.risk),
    ] {
        if picker.value().is_some() {
            cleared.push(what);
        }
    }
    if !cleared.is_empty() {
        state.toast(
            Level::Info,
            format!(
                "instance {}: {} cleared (looked up on {before}); choose again",
                form.instance_name(),
                cleared.join(", ")
            ),
        );
    }
    on_table_change(state, form)
}
