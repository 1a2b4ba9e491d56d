//! Phase three: the decisions of a batch, in revision order, each seeing the ones before it (a
//! key created earlier in the batch is joined, the window's count grows). Pure: the facts come
//! from phases one and two; the result is what `rules test` shows and what the runner records.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use crate::domain::AnomalyKey;
use crate::rules::{DedupeKey, Rule, RuleInput, RuleSet, RuleTarget};
use crate::store::{DecisionAction, DecisionEffect, KeyRef, NewDecision, RuleKeyRow};

use super::decide::{Facts, KeyFacts, Plan, STATE_CANCELED, STATE_CLOSED, decide};
use super::facts::{Candidate, Window};
use super::outcome::{Evaluated, Outcome};
use super::payload;
use super::remote::RemoteKey;
#[path = "evaluate_join.rs"]
mod join;

use super::views::{
    View, fresh_view, new_key, overflow_hash, overflow_key, placeholder_row, view_of_row,
};
use join::Join;

pub struct Evaluator<'a> {
    pub rules: &'a RuleSet,
    pub windows: HashMap<String, Window>,
    /// ServiceNow's view of keys, by (rule, key hash).
    pub remote: HashMap<(String, String), RemoteKey>,
    pub now: Timestamp,
    /// The sys_ids of the names rules give for reference fields.
    pub refs: super::refs::Refs,
    views: HashMap<(String, String), View>,
}

impl<'a> Evaluator<'a> {
    pub fn new(
        rules: &'a RuleSet,
        windows: HashMap<String, Window>,
        remote: HashMap<(String, String), RemoteKey>,
        now: Timestamp,
    ) -> Self {
        Evaluator {
            rules,
            windows,
            remote,
            now,
            refs: super::refs::Refs::default(),
            views: HashMap::new(),
        }
    }

    /// Every (anomaly, rule) of `c`: what it would do, and the decision to record (if any).
    pub fn evaluate(&mut self, c: &Candidate) -> Vec<(Evaluated, Option<NewDecision>)> {
        let input = RuleInput {
            source: &c.stored.key.source,
            anomaly: &c.stored.anomaly,
            status: c.stored.status,
            url: c.url.as_deref(),
        };
        let mut out = Vec::new();
        for m in &c.matched {
            let Some(rule) = self.rules.get(&m.rule) else {
                continue;
            };
            let view_key = (rule.name.clone(), m.key.hash.clone());
            if m.decided {
                // Its facts were not read (it is never acted on again): no view from it.
                let plan = Plan::Nothing;
                out.push(self.apply(rule, &input, &m.key, plan));
                continue;
            }
            if !self.views.contains_key(&view_key)
                && let Some(v) = self.initial_view(rule, &m.key, m.latest.as_ref())
            {
                self.views.insert(view_key.clone(), v);
            }
            let window = self.window(rule);
            let (window_created, window_has_overflow) = (window.created, window.overflow.is_some());
            let facts = Facts {
                decided: m.decided,
                linked_by_person: m.linked_by_person,
                status: c.stored.status,
                first_seen_at: c.stored.first_seen_at,
                delayed_until: m.delayed_until,
                key: self.views.get(&view_key).map(|v| v.facts.clone()),
                window_created,
                window_has_overflow,
            };
            let plan = decide(rule, &facts, self.now);
            out.push(self.apply(rule, &input, &m.key, plan));
        }
        out
    }

    fn window(&mut self, rule: &Rule) -> &mut Window {
        let start = super::decide::window_start(rule.flood.flood_interval, self.now);
        self.windows
            .entry(rule.name.clone())
            .or_insert_with(|| Window {
                start,
                created: 0,
                overflow: None,
            })
    }

    fn initial_view(&self, rule: &Rule, key: &DedupeKey, row: Option<&RuleKeyRow>) -> Option<View> {
        let remote = self.remote.get(&(rule.name.clone(), key.hash.clone()));
        if let Some(row) = row {
            let mut v = view_of_row(row);
            // A fresher state read just now wins over the stored one.
            if let Some(found) = remote.and_then(|r| r.newest.as_ref())
                && found.generation == row.generation
            {
                v.facts.state = Some(found.state.clone());
            }
            return Some(v);
        }
        let found = remote?.newest.as_ref()?;
        let last_seen = if matches!(found.state.as_str(), STATE_CLOSED | STATE_CANCELED) {
            Timestamp::MIN
        } else {
            // Found open on ServiceNow: adopt it rather than create a second one.
            self.now
        };
        Some(View {
            facts: KeyFacts {
                generation: found.generation,
                state: Some(found.state.clone()),
                opened_at: self.now,
                last_seen_at: last_seen,
                create_failed: false,
            },
            stored: false,
            found: Some(found.incident.clone()),
            found_correlation_id: Some(found.correlation_id.clone()),
            number: found.incident.number.clone(),
            last_note_at: None,
            owner: Some(found.owner.clone()),
        })
    }

    fn apply(
        &mut self,
        rule: &Rule,
        input: &RuleInput,
        key: &DedupeKey,
        plan: Plan,
    ) -> (Evaluated, Option<NewDecision>) {
        let now = self.now;
        let view_key = (rule.name.clone(), key.hash.clone());
        let mk = |action: Option<DecisionAction>, outcome: Outcome, why: String| Evaluated {
            anomaly: AnomalyKey::new(input.source, &input.anomaly.id),
            rule: rule.name.clone(),
            key: key.text.clone(),
            key_hash: key.hash.clone(),
            action,
            outcome,
            why,
        };
        let decision = |action: DecisionAction, why: &str, effect: DecisionEffect| NewDecision {
            rule: rule.name.clone(),
            anomaly: AnomalyKey::new(input.source, &input.anomaly.id),
            key_hash: key.hash.clone(),
            key_text: key.text.clone(),
            action,
            why: why.to_owned(),
            effect,
        };
        match plan {
            Plan::Nothing => (
                mk(None, Outcome::Nothing, "already decided, or waiting".into()),
                None,
            ),
            Plan::Skip(why) => {
                let d = decision(DecisionAction::Skip, &why, DecisionEffect::None);
                (
                    mk(Some(DecisionAction::Skip), Outcome::Nothing, why),
                    Some(d),
                )
            }
            Plan::Delay { due_at } => {
                let why = format!(
                    "creation_delay: evaluated again at {}",
                    crate::domain::format_timestamp(due_at)
                );
                let d = decision(
                    DecisionAction::Delay,
                    &why,
                    DecisionEffect::Delay { due_at },
                );
                (
                    mk(Some(DecisionAction::Delay), Outcome::Delay { due_at }, why),
                    Some(d),
                )
            }
            Plan::Create {
                generation,
                after: _,
                why,
            } => {
                let cid = rule.correlation_id(key, generation);
                let event = rule.target == RuleTarget::Event;
                let fields = if event {
                    payload::event(rule, input, &key.text, &rule.event_message_key(key))
                } else {
                    let earlier = self
                        .remote
                        .get(&view_key)
                        .map(|r| r.earlier.clone())
                        .unwrap_or_default();
                    let mut fields = payload::create(rule, input, &earlier, &cid);
                    self.refs.apply(rule, &mut fields);
                    fields
                };
                let start = self.window(rule).start;
                self.window(rule).created += 1;
                self.views.insert(view_key, fresh_view(generation, now));
                let d = decision(
                    DecisionAction::Create,
                    &why,
                    DecisionEffect::Create {
                        key: new_key(rule, key, generation, &cid, None, None),
                        payload: Some(Value::Object(fields.clone()).to_string()),
                        window: Some(start),
                        overflow: false,
                        event,
                    },
                );
                let outcome = Outcome::Create {
                    correlation_id: cid,
                    payload: fields,
                };
                (mk(Some(DecisionAction::Create), outcome, why), Some(d))
            }
            Plan::Join {
                generation,
                reopen,
                link_only,
                why,
            } => {
                let event = (rule.target == RuleTarget::Event).then(|| {
                    let m = payload::event(rule, input, &key.text, &rule.event_message_key(key));
                    Value::Object(m).to_string()
                });
                let j = Join {
                    generation,
                    reopen,
                    link_only,
                    event,
                };
                self.join(rule, key, j, why, mk, decision)
            }
            Plan::Overflow {
                window_start,
                create,
            } => {
                let cid = rule.overflow_correlation_id(window_start);
                let why = format!(
                    "flood_limit {} per {} reached: listed on the window's overflow incident",
                    rule.flood.flood_limit,
                    crate::rules::format_duration(rule.flood.flood_interval)
                );
                let event = rule.target == RuleTarget::Event;
                if create {
                    let fields = if event {
                        payload::event(rule, input, &key.text, &cid)
                    } else {
                        let mut fields = payload::overflow(rule, input, &cid, window_start);
                        self.refs.apply(rule, &mut fields);
                        fields
                    };
                    let okey = overflow_key(rule, window_start, &cid);
                    let hash = okey.key_hash.clone();
                    self.window(rule).overflow = Some(placeholder_row(&okey, now));
                    self.views
                        .insert((rule.name.clone(), hash), fresh_view(0, now));
                    let d = decision(
                        DecisionAction::Overflow,
                        &why,
                        DecisionEffect::Create {
                            key: okey,
                            payload: Some(Value::Object(fields.clone()).to_string()),
                            window: Some(window_start),
                            overflow: true,
                            event,
                        },
                    );
                    let outcome = Outcome::Overflow {
                        correlation_id: cid,
                        payload: Some(fields),
                    };
                    return (mk(Some(DecisionAction::Overflow), outcome, why), Some(d));
                }
                let hash = overflow_hash(window_start);
                let due = self.note_due(rule, &(rule.name.clone(), hash.clone()));
                let d = decision(
                    DecisionAction::Overflow,
                    &why,
                    DecisionEffect::Join {
                        key: KeyRef {
                            rule: rule.name.clone(),
                            key_hash: hash,
                            generation: 0,
                        },
                        note_due_at: due,
                        reopen: None,
                        event: event.then(|| {
                            Value::Object(payload::event(rule, input, &key.text, &cid)).to_string()
                        }),
                    },
                );
                let outcome = Outcome::Overflow {
                    correlation_id: cid,
                    payload: None,
                };
                (mk(Some(DecisionAction::Overflow), outcome, why), Some(d))
            }
        }
    }
}
