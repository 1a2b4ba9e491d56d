//! What the user fills in to create an incident from an anomaly.

use serde_json::{Map, Value};

use super::anomaly::Anomaly;
use super::description::{append_block, description_block, has_block};
use super::notes::CORRELATION_DISPLAY;
use super::status::Severity;
use super::ticket_table::{CHANGE_TYPES, TicketTable, table_names};

/// Longest default short description, in characters.
pub const SHORT_DESCRIPTION_MAX: usize = 160;

/// A ticket to create. Optional fields left `None` are not sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TicketDraft {
    /// ServiceNow table; `incident` by default.
    pub table: String,
    pub short_description: String,
    /// The user's description; the anomaly block is appended to it when the ticket is created.
    pub description: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    /// 1 (high) to 3 (low).
    pub impact: Option<u8>,
    /// 1 (high) to 3 (low).
    pub urgency: Option<u8>,
    /// Group name or sys_id.
    pub assignment_group: Option<String>,
    pub assigned_to: Option<String>,
    /// Incidents only (`caller_id`).
    pub caller: Option<String>,
    /// Change requests only: `normal` or `emergency` (`standard` is refused, see [`DraftError`]).
    pub change_type: Option<String>,
    /// Change requests only: a `risk` choice value or label (High, Moderate, Low).
    pub risk: Option<String>,
}

/// Why a draft cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    #[error("short description is empty")]
    EmptyShortDescription,
    #[error("table is empty")]
    EmptyTable,
    #[error("{field} must be 1, 2 or 3 (got {value})")]
    OutOfRange { field: &'static str, value: u8 },
    #[error("table {0:?} is not one snowlink creates in: use one of {names}", names = table_names())]
    UnsupportedTable(String),
    #[error("{table} has no {field}: leave it out, or create an incident")]
    NotOnTable {
        field: &'static str,
        table: &'static str,
    },
    #[error(
        "a standard change is made from a template (std_change_producer_version), which snowlink does not pick: use type normal or emergency"
    )]
    StandardChange,
    #[error("change type {0:?} is not normal, emergency or standard")]
    UnknownChangeType(String),
}

/// The default impact and urgency of a ticket for each anomaly severity (config
/// `[ui] severity_impact_urgency`; both the dashboard's form and `snowlink ticket create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeverityDefaults {
    /// `(impact, urgency)`, indexed like [`Severity::ALL`]; each 1 (high) to 3 (low).
    levels: [(u8, u8); 5],
}

impl Default for SeverityDefaults {
    /// critical 1/1 (priority 1), high 2/1 (2), medium 2/2 (3), low 3/3 and info 3/3 (5).
    fn default() -> Self {
        SeverityDefaults {
            levels: [(1, 1), (2, 1), (2, 2), (3, 3), (3, 3)],
        }
    }
}

impl SeverityDefaults {
    /// `(impact, urgency)` for an anomaly of this severity; an anomaly without one gets
    /// ServiceNow's own default, 3/3.
    pub fn get(&self, severity: Option<Severity>) -> (u8, u8) {
        severity
            .and_then(|s| Severity::ALL.iter().position(|x| *x == s))
            .and_then(|i| self.levels.get(i).copied())
            .unwrap_or((3, 3))
    }

    /// Replaces one severity's levels; values outside 1..=3 are refused with the field named.
    pub fn set(&mut self, severity: Severity, impact: u8, urgency: u8) -> Result<(), DraftError> {
        for (field, value) in [("impact", impact), ("urgency", urgency)] {
            if !(1..=3).contains(&value) {
                return Err(DraftError::OutOfRange { field, value });
            }
        }
        if let Some(i) = Severity::ALL.iter().position(|x| *x == severity)
            && let Some(slot) = self.levels.get_mut(i)
        {
            *slot = (impact, urgency);
        }
        Ok(())
    }
}

impl TicketDraft {
    /// Defaults for an anomaly: table `incident`, the default short description and the
    /// anomaly's own description.
    pub fn for_anomaly(anomaly: &Anomaly) -> TicketDraft {
        TicketDraft {
            table: "incident".to_owned(),
            short_description: default_short_description(anomaly),
            description: anomaly.description.clone(),
            category: None,
            subcategory: None,
            impact: None,
            urgency: None,
            assignment_group: None,
            assigned_to: None,
            caller: None,
            change_type: None,
            risk: None,
        }
    }

    pub fn validate(&self) -> Result<(), DraftError> {
        if self.table.trim().is_empty() {
            return Err(DraftError::EmptyTable);
        }
        let table = TicketTable::from_name(&self.table)
            .ok_or_else(|| DraftError::UnsupportedTable(self.table.clone()))?;
        if self.short_description.trim().is_empty() {
            return Err(DraftError::EmptyShortDescription);
        }
        let set = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        for (field, given, allowed) in [
            ("caller", set(&self.caller), table.has_caller()),
            (
                "subcategory",
                set(&self.subcategory),
                table.has_subcategory(),
            ),
            (
                "change type",
                set(&self.change_type),
                table.has_change_fields(),
            ),
            ("risk", set(&self.risk), table.has_change_fields()),
        ] {
            if given && !allowed {
                return Err(DraftError::NotOnTable {
                    field,
                    table: table.name(),
                });
            }
        }
        if let Some(kind) = self.change_type.as_deref().map(str::trim) {
            if !CHANGE_TYPES.contains(&kind) {
                return Err(DraftError::UnknownChangeType(kind.to_owned()));
            }
            if kind == "standard" {
                return Err(DraftError::StandardChange);
            }
        }
        for (field, v) in [("impact", self.impact), ("urgency", self.urgency)] {
            if let Some(value) = v.filter(|v| !(1..=3).contains(v)) {
                return Err(DraftError::OutOfRange { field, value });
            }
        }
        Ok(())
    }

    /// The description sent on create: the user's text, a blank line, the anomaly block. Text
    /// that already carries the block (the dashboard form prefills it) is sent as it is.
    pub fn full_description(&self, anomaly: &Anomaly, url: Option<&str>) -> String {
        let own = self.description.as_deref().unwrap_or("");
        if has_block(own, &anomaly.id) {
            return own.to_owned();
        }
        append_block(
            self.description.as_deref().unwrap_or(""),
            &description_block(anomaly, url),
        )
    }

    /// The record fields for the create request (ServiceNow field names, string values),
    /// including `correlation_id` and `correlation_display`. The caller is sent as `caller_id`,
    /// the change type as `type`; fields the table lacks are refused by [`TicketDraft::validate`].
    pub fn create_fields(
        &self,
        anomaly: &Anomaly,
        url: Option<&str>,
        correlation_id: &str,
    ) -> Map<String, Value> {
        let mut m = Map::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                m.insert(k.to_owned(), Value::String(v));
            }
        };
        put("short_description", Some(self.short_description.clone()));
        put("description", Some(self.full_description(anomaly, url)));
        put("category", self.category.clone());
        put("subcategory", self.subcategory.clone());
        put("impact", self.impact.map(|v| v.to_string()));
        put("urgency", self.urgency.map(|v| v.to_string()));
        put("assignment_group", self.assignment_group.clone());
        put("assigned_to", self.assigned_to.clone());
        put("caller_id", self.caller.clone());
        put("type", self.change_type.clone());
        put("risk", self.risk.clone());
        put("correlation_id", Some(correlation_id.to_owned()));
        put("correlation_display", Some(CORRELATION_DISPLAY.to_owned()));
        m
    }
}

/// `[severity] title` (just the title when there is no severity), line breaks folded to spaces,
/// cut to [`SHORT_DESCRIPTION_MAX`] characters on a char boundary with a trailing `…` when cut.
pub fn default_short_description(anomaly: &Anomaly) -> String {
    let title: String = anomaly
        .title
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let full = match anomaly.severity {
        Some(s) => format!("[{s}] {title}"),
        None => title,
    };
    truncate_chars(&full, SHORT_DESCRIPTION_MAX)
}

/// Cuts `s` to at most `max` chars, ending with `…` when something was cut.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_description_that_already_has_the_block_is_kept_as_is() {
        let a = super::Anomaly::new("A-7", "t");
        let mut d = super::TicketDraft::for_anomaly(&a);
        let prefilled = super::append_block("mine", &super::description_block(&a, None));
        d.description = Some(prefilled.clone());
        assert_eq!(d.full_description(&a, None), prefilled);
        d.description = Some("mine".into());
        assert!(
            d.full_description(&a, None)
                .contains("--- snowlink anomaly A-7 ---")
        );
    }

    #[test]
    fn short_description_defaults() {
        let mut a = Anomaly::new("A-1", "Null customer ids\nin orders");
        assert_eq!(default_short_description(&a), "Null customer ids in orders");
        a.severity = Some(Severity::High);
        assert_eq!(
            default_short_description(&a),
            "[high] Null customer ids in orders"
        );
    }

    #[test]
    fn long_title_is_cut_on_char_boundary() {
        let mut a = Anomaly::new("A-2", "顧客名".repeat(100));
        a.severity = Some(Severity::Critical);
        let s = default_short_description(&a);
        assert_eq!(s.chars().count(), 160);
        assert!(s.starts_with("[critical] 顧客名"));
        assert!(s.ends_with('…'));
        let exact = Anomaly::new("A-3", "x".repeat(160));
        assert_eq!(default_short_description(&exact), "x".repeat(160));
        assert_eq!(truncate_chars("ab cd", 4), "ab…");
    }

    #[test]
    fn validation() {
        let mut d = TicketDraft::for_anomaly(&Anomaly::new("A-1", "t"));
        assert_eq!(d.table, "incident");
        assert_eq!(d.validate(), Ok(()));
        d.impact = Some(4);
        assert_eq!(
            d.validate(),
            Err(DraftError::OutOfRange {
                field: "impact",
                value: 4
            })
        );
        d.impact = Some(1);
        d.short_description = " ".into();
        assert_eq!(d.validate(), Err(DraftError::EmptyShortDescription));
    }

    #[test]
    fn each_table_takes_only_its_fields() {
        let mut d = TicketDraft::for_anomaly(&Anomaly::new("A-1", "t"));
        d.table = "problem".into();
        assert_eq!(d.validate(), Ok(()));
        d.caller = Some("ann".into());
        assert_eq!(
            d.validate(),
            Err(DraftError::NotOnTable {
                field: "caller",
                table: "problem"
            })
        );
        d.caller = None;
        d.change_type = Some("normal".into());
        assert!(matches!(
            d.validate(),
            Err(DraftError::NotOnTable {
                field: "change type",
                ..
            })
        ));
        d.table = "change_request".into();
        d.risk = Some("High".into());
        assert_eq!(d.validate(), Ok(()));
        let f = d.create_fields(&Anomaly::new("A-1", "t"), None, "c");
        assert_eq!(f["type"], "normal");
        assert_eq!(f["risk"], "High");
        assert!(!f.contains_key("caller_id"));
        d.change_type = Some("standard".into());
        assert_eq!(d.validate(), Err(DraftError::StandardChange));
        d.change_type = Some("minor".into());
        assert_eq!(
            d.validate(),
            Err(DraftError::UnknownChangeType("minor".into()))
        );
        d.table = "sc_task".into();
        let e = d.validate().unwrap_err().to_string();
        assert!(e.contains("incident, problem, change_request"), "{e}");
    }

    #[test]
    fn create_fields_carry_block_and_correlation() {
        let mut a = Anomaly::new("A-1", "Nulls");
        a.description = Some("Seen in nightly load.".into());
        let mut d = TicketDraft::for_anomaly(&a);
        d.urgency = Some(2);
        d.caller = Some("ann".into());
        d.category = Some("  ".into());
        let f = d.create_fields(&a, None, "snowlink:wh/A-1#ab");
        assert_eq!(f["short_description"], "Nulls");
        assert_eq!(f["urgency"], "2");
        assert_eq!(f["caller_id"], "ann");
        assert_eq!(f["correlation_id"], "snowlink:wh/A-1#ab");
        assert_eq!(f["correlation_display"], "snowlink");
        assert!(!f.contains_key("category"));
        assert!(!f.contains_key("impact"));
        let desc = f["description"].as_str().unwrap();
        assert!(desc.starts_with("Seen in nightly load.\n\n--- snowlink anomaly A-1 ---\n"));
    }

    #[test]
    fn severity_defaults_never_leave_a_critical_anomaly_at_planning() {
        let d = SeverityDefaults::default();
        assert_eq!(d.get(Some(Severity::Critical)), (1, 1));
        assert_eq!(d.get(Some(Severity::High)), (2, 1));
        assert_eq!(d.get(Some(Severity::Medium)), (2, 2));
        assert_eq!(d.get(Some(Severity::Low)), (3, 3));
        assert_eq!(d.get(Some(Severity::Info)), (3, 3));
        assert_eq!(d.get(None), (3, 3));
        let mut d = d;
        d.set(Severity::High, 1, 2).unwrap();
        assert_eq!(d.get(Some(Severity::High)), (1, 2));
        assert_eq!(
            d.set(Severity::Low, 3, 0),
            Err(DraftError::OutOfRange {
                field: "urgency",
                value: 0
            })
        );
    }
}
