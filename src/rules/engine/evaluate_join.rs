//! Phase three, continued: an anomaly joining its key's incident (merged, linked, or the
//! Resolved one reopened), adopting an incident found on ServiceNow on first use, and when the
//! consolidated note falls due. Part of [`Evaluator`](super::Evaluator).

use jiff::Timestamp;

use crate::rules::{DedupeKey, Rule};
use crate::store::{DecisionAction, DecisionEffect, KeyRef, NewDecision};

use super::super::outcome::{Evaluated, Outcome};
use super::super::payload;
use super::super::views::new_key;
use super::Evaluator;

/// A join's plan, as `decide` gave it, plus an event rule's event for the anomaly.
pub(super) struct Join {
    pub generation: u32,
    pub reopen: bool,
    pub link_only: bool,
    pub event: Option<String>,
}

impl Evaluator<'_> {
    pub(super) fn join(
        &mut self,
        rule: &Rule,
        key: &DedupeKey,
        j: Join,
        why: String,
        mk: impl Fn(Option<DecisionAction>, Outcome, String) -> Evaluated,
        decision: impl Fn(DecisionAction, &str, DecisionEffect) -> NewDecision,
    ) -> (Evaluated, Option<NewDecision>) {
        let Join {
            generation,
            reopen,
            link_only,
            event,
        } = j;
        let view_key = (rule.name.clone(), key.hash.clone());
        let due = self.note_due(rule, &view_key);
        let now = self.now;
        let Some(view) = self.views.get_mut(&view_key) else {
            return (
                mk(None, Outcome::Nothing, "no incident for the key".into()),
                None,
            );
        };
        let number = view.number.clone();
        // The key row joined: this rule's, or (a link rule) the rule's that made the incident.
        let owner = view.owner.clone().unwrap_or_else(|| rule.name.clone());
        let action = if reopen {
            DecisionAction::Reopen
        } else if link_only {
            DecisionAction::Link
        } else {
            DecisionAction::Merge
        };
        view.facts.last_seen_at = now;
        if reopen {
            view.facts.state = Some(super::super::decide::STATE_IN_PROGRESS.into());
        }
        let outcome = Outcome::Link {
            number,
            reopen,
            merge: !link_only,
        };
        if !view.stored {
            // Found on ServiceNow by its correlation id: adopt it (its key row, the link).
            view.stored = true;
            let cid = view
                .found_correlation_id
                .clone()
                .unwrap_or_else(|| rule.correlation_id(key, generation));
            let (found, state) = (view.found.clone(), view.facts.state.clone());
            let mut adopted = new_key(rule, key, generation, &cid, found, state);
            // Under the rule that made it (named in its correlation id), as on its own machine.
            adopted.rule = owner;
            let why = format!("{why}; adopted the incident found on ServiceNow by correlation id");
            let d = decision(
                action,
                &why,
                DecisionEffect::Create {
                    key: adopted,
                    payload: None,
                    window: None,
                    overflow: false,
                    event: false,
                },
            );
            return (mk(Some(action), outcome, why), Some(d));
        }
        let d = decision(
            action,
            &why,
            DecisionEffect::Join {
                key: KeyRef {
                    rule: owner,
                    key_hash: key.hash.clone(),
                    generation,
                },
                note_due_at: due,
                // An event rule's alert is kept by ServiceNow: no reopen.
                reopen: (reopen && event.is_none()).then(payload::reopen),
                event,
            },
        );
        (mk(Some(action), outcome, why), Some(d))
    }

    /// The consolidated note is due one `consolidation_interval` after the last note (or the
    /// incident's opening), and never in the past.
    pub(super) fn note_due(&self, rule: &Rule, view_key: &(String, String)) -> Timestamp {
        let interval = rule.flood.consolidation_interval;
        let base = self
            .views
            .get(view_key)
            .map(|v| v.last_note_at.unwrap_or(v.facts.opened_at))
            .unwrap_or(self.now);
        let due = base.saturating_add(interval).unwrap_or(self.now);
        due.max(self.now)
    }
}
