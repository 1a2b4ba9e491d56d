//! The ticket form's state, validation and the draft it produces. Keys: `update/form_keys.rs`;
//! drawing: `ui/ticket_form.rs`.

use ratatui_textarea::TextArea;

use crate::domain::{
    AnomalyKey, SHORT_DESCRIPTION_MAX, TicketDraft, TicketTable, default_short_description,
};

use super::backend::{AnomalyDetail, CacheNote, ChoiceItem, NamedRef};
use super::msg::ReqId;

pub use super::form_field::Field;

/// Tables offered, in order (`TicketForm::table` indexes this).
pub const TABLES: [TicketTable; 3] = TicketTable::ALL;

/// The change types the form offers: a standard change comes from a template, which the form
/// does not pick (the draft would be refused), so it is not offered.
pub const CHANGE_TYPES: [(&str, &str); 2] = [("normal", "Normal"), ("emergency", "Emergency")];

/// A choice list filled from the backend.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picker {
    pub items: Vec<ChoiceItem>,
    /// `None` = not set.
    pub selected: Option<usize>,
    pub req: Option<ReqId>,
    pub error: Option<String>,
    /// The items are the last good read, not ServiceNow's answer now: how old, and why.
    pub cached: Option<CacheNote>,
}

impl Picker {
    pub fn value(&self) -> Option<&ChoiceItem> {
        self.selected.and_then(|i| self.items.get(i))
    }

    /// Cycles through "(none)" and the items; returns whether the choice changed.
    pub fn step(&mut self, forward: bool) -> bool {
        if self.items.is_empty() {
            return false;
        }
        let n = self.items.len();
        self.selected = match (self.selected, forward) {
            (None, true) => Some(0),
            (None, false) => Some(n - 1),
            (Some(i), true) if i + 1 < n => Some(i + 1),
            (Some(i), false) if i > 0 => Some(i - 1),
            _ => None,
        };
        true
    }
}

/// A name typed by the user, searched as they type, and the record they picked.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub input: TextArea<'static>,
    pub results: Vec<NamedRef>,
    pub highlight: usize,
    pub chosen: Option<NamedRef>,
    pub req: Option<ReqId>,
    pub error: Option<String>,
    /// Assignee only: list every user, not only the chosen group's members (`ctrl-g`).
    pub all_users: bool,
    /// The results are the last good read (ServiceNow unreachable): how old, and why.
    pub cached: Option<CacheNote>,
}

impl Lookup {
    pub fn text(&self) -> String {
        self.input.lines().join(" ")
    }

    /// What goes into the draft: the picked record's sys_id, else the typed name (ServiceNow
    /// resolves a display value on write).
    pub fn draft_value(&self) -> Option<String> {
        match &self.chosen {
            Some(r) => Some(r.sys_id.clone()),
            None => Some(self.text().trim().to_owned()).filter(|s| !s.is_empty()),
        }
    }
}

#[derive(Debug)]
pub struct TicketForm {
    pub key: AnomalyKey,
    pub anomaly_id: String,
    pub focus: Field,
    /// The configured instances, the selected (`--instance` or default) one first; the
    /// Instance field shows only when there are several.
    pub instances: Vec<String>,
    /// Index into `instances`: where the ticket goes, and what its lookups ask.
    pub instance: usize,
    /// Index into [`TABLES`].
    pub table: usize,
    /// Index into [`CHANGE_TYPES`] (change requests only).
    pub change_type: usize,
    /// The change's risk (choices of `change_request.risk`).
    pub risk: Picker,
    pub short: TextArea<'static>,
    pub description: TextArea<'static>,
    pub category: Picker,
    pub subcategory: Picker,
    pub impact: u8,
    pub urgency: u8,
    pub group: Lookup,
    pub assignee: Lookup,
    pub caller: TextArea<'static>,
    pub submitting: Option<ReqId>,
    /// Waiting for `$EDITOR` on the description.
    pub editing: Option<ReqId>,
    /// The last submit error from the backend.
    pub error: Option<String>,
    /// The draft as the form opened; `esc` closes at once while the draft still equals it.
    pub initial: TicketDraft,
    /// `esc` on a changed form asks first: discard the edits or keep editing.
    pub confirm_discard: bool,
    /// A bulk create: the other marked anomalies (`key` is the first). The incident is created
    /// for `key`, then linked to each of these (docs/dashboard.md §Bulk actions).
    pub also: Vec<AnomalyKey>,
}

use super::line_edit::area;

/// The description wraps long lines and opens at its top (it is read before it is edited).
fn description_area(text: &str) -> TextArea<'static> {
    let mut ta = area(text, true);
    ta.move_cursor(ratatui_textarea::CursorMove::Top);
    ta.move_cursor(ratatui_textarea::CursorMove::Head);
    ta
}

impl TicketForm {
    /// Prefilled from the anomaly: the default short description, the anomaly's own description
    /// followed by its block, impact and urgency 3 (ServiceNow's defaults), caller = the user.
    pub fn new(key: AnomalyKey, detail: &AnomalyDetail, user: &str) -> TicketForm {
        let draft = TicketDraft::for_anomaly(&detail.anomaly);
        let description = draft.full_description(&detail.anomaly, detail.url.as_deref());
        let mut form = TicketForm {
            key,
            anomaly_id: detail.anomaly.id.clone(),
            focus: Field::Short,
            instances: Vec::new(),
            instance: 0,
            table: 0,
            change_type: 0,
            risk: Picker::default(),
            short: area(&default_short_description(&detail.anomaly), false),
            description: description_area(&description),
            category: Picker::default(),
            subcategory: Picker::default(),
            impact: 3,
            urgency: 3,
            group: Lookup::default(),
            assignee: Lookup::default(),
            caller: area(user, false),
            submitting: None,
            editing: None,
            error: None,
            initial: draft,
            confirm_discard: false,
            also: Vec::new(),
        };
        form.initial = form.draft();
        form
    }

    /// The oldest cached answer the form shows, if any part of it came from the cache: the
    /// form says so, and that the incident will be queued.
    pub fn cached(&self) -> Option<&CacheNote> {
        [
            &self.category.cached,
            &self.subcategory.cached,
            &self.risk.cached,
            &self.group.cached,
            &self.assignee.cached,
        ]
        .into_iter()
        .flatten()
        .min_by_key(|n| n.read_at)
    }

    /// One incident for several anomalies: prefilled from the first, its description carrying
    /// one anomaly block per anomaly (the link of each other anomaly then finds its block there
    /// and does not append it again).
    pub fn for_many(
        key: AnomalyKey,
        first: &AnomalyDetail,
        others: &[(AnomalyKey, AnomalyDetail)],
        user: &str,
    ) -> TicketForm {
        let mut form = TicketForm::new(key, first, user);
        let mut description = form.description_text();
        for (_, d) in others {
            if !crate::domain::has_block(&description, &d.anomaly.id) {
                description = crate::domain::append_block(
                    &description,
                    &crate::domain::description_block(&d.anomaly, d.url.as_deref()),
                );
            }
        }
        form.set_description(&description);
        form.also = others.iter().map(|(k, _)| k.clone()).collect();
        form.initial = form.draft();
        form
    }

    /// Every anomaly the incident is for, first the one it is created for.
    pub fn anomaly_ids(&self) -> Vec<String> {
        std::iter::once(self.anomaly_id.clone())
            .chain(self.also.iter().map(|k| k.id.clone()))
            .collect()
    }

    /// Whether the user changed anything since the form opened.
    pub fn changed(&self) -> bool {
        self.draft() != self.initial
    }

    pub fn short_text(&self) -> String {
        self.short.lines().join(" ")
    }

    pub fn description_text(&self) -> String {
        self.description.lines().join("\n")
    }

    pub fn set_description(&mut self, text: &str) {
        self.description = description_area(text);
    }

    /// Inline validation: every problem, tied to its field.
    pub fn problems(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        let short = self.short_text();
        let n = short.trim().chars().count();
        if n == 0 {
            out.push((Field::Short, "required".to_owned()));
        } else if n > SHORT_DESCRIPTION_MAX {
            out.push((
                Field::Short,
                format!("{n}/{SHORT_DESCRIPTION_MAX} characters: shorten it"),
            ));
        }
        out
    }

    /// The instance the ticket goes to (empty before the form knows the instances).
    pub fn instance_name(&self) -> String {
        self.instances
            .get(self.instance)
            .cloned()
            .unwrap_or_default()
    }

    /// Whether the form offers a choice of instance.
    pub fn several_instances(&self) -> bool {
        self.instances.len() > 1
    }

    /// The fields the form shows, in order: the chosen table's, and the Instance field when
    /// there are several instances.
    pub fn fields(&self) -> Vec<Field> {
        Field::shown(self.table())
            .into_iter()
            .filter(|f| *f != Field::Instance || self.several_instances())
            .collect()
    }

    /// Moves the focus to the next (or previous) shown field.
    pub fn step_focus(&mut self, forward: bool) {
        let shown = self.fields();
        let n = shown.len().max(1);
        let i = shown.iter().position(|f| *f == self.focus).unwrap_or(0);
        let j = if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        };
        self.focus = shown.get(j).copied().unwrap_or(Field::Short);
    }

    /// The chosen table.
    pub fn table(&self) -> TicketTable {
        TABLES
            .get(self.table)
            .copied()
            .unwrap_or(TicketTable::Incident)
    }

    /// The draft of the chosen table: fields that table lacks are left out, whatever they hold
    /// (switching tables keeps what was typed, so switching back restores it).
    pub fn draft(&self) -> TicketDraft {
        let table = self.table();
        let on = |f: Field| f.on(table);
        let caller = self.caller.lines().join(" ").trim().to_owned();
        TicketDraft {
            table: table.name().to_owned(),
            short_description: self.short_text().trim().to_owned(),
            description: Some(self.description_text()).filter(|d| !d.trim().is_empty()),
            category: self.category.value().map(|c| c.value.clone()),
            subcategory: self
                .subcategory
                .value()
                .filter(|_| on(Field::Subcategory))
                .map(|c| c.value.clone()),
            impact: Some(self.impact),
            urgency: Some(self.urgency),
            assignment_group: self.group.draft_value(),
            assigned_to: self.assignee.draft_value(),
            caller: Some(caller).filter(|c| !c.is_empty() && on(Field::Caller)),
            change_type: CHANGE_TYPES
                .get(self.change_type)
                .filter(|_| on(Field::ChangeType))
                .map(|(v, _)| (*v).to_owned()),
            risk: self
                .risk
                .value()
                .filter(|_| on(Field::Risk))
                .map(|c| c.value.clone()),
        }
    }
}

/// ServiceNow's default priority matrix (impact × urgency → priority), with its label.
pub fn priority(impact: u8, urgency: u8) -> (u8, &'static str) {
    let p = (impact.clamp(1, 3) + urgency.clamp(1, 3)).saturating_sub(1);
    let label = match p {
        1 => "Critical",
        2 => "High",
        3 => "Moderate",
        4 => "Low",
        _ => "Planning",
    };
    (p, label)
}

/// `1 - High` style label for impact and urgency values.
pub fn level_label(v: u8) -> &'static str {
    match v {
        1 => "1 - High",
        2 => "2 - Medium",
        _ => "3 - Low",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_matrix_matches_servicenow() {
        let expect = [
            [(1, "Critical"), (2, "High"), (3, "Moderate")],
            [(2, "High"), (3, "Moderate"), (4, "Low")],
            [(3, "Moderate"), (4, "Low"), (5, "Planning")],
        ];
        for (i, row) in expect.iter().enumerate() {
            for (u, want) in row.iter().enumerate() {
                assert_eq!(priority(i as u8 + 1, u as u8 + 1), *want);
            }
        }
    }
}
