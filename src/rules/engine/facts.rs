//! Phase one of an evaluation: the anomalies of a batch, the rules that match each, their keys,
//! and what the store knows about each (decided, linked by a person, delayed, the key's newest
//! incident, the flood window). One blocking call per batch.

use std::collections::HashMap;

use jiff::Timestamp;

use crate::domain::{AnomalyKey, anomaly_url};
use crate::rules::{DedupeKey, RuleInput, RuleSet};
use crate::store::{RuleKeyRow, Store, StoreError, StoredAnomaly};

use super::decide::window_start;

/// One rule matched by one anomaly, with the store's facts.
#[derive(Debug, Clone)]
pub struct Matched {
    pub rule: String,
    pub key: DedupeKey,
    pub decided: bool,
    pub linked_by_person: bool,
    pub delayed_until: Option<Timestamp>,
    pub latest: Option<RuleKeyRow>,
}

/// One anomaly of the batch.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub stored: StoredAnomaly,
    pub url: Option<String>,
    pub matched: Vec<Matched>,
}

/// A rule's current flood window as the store has it.
#[derive(Debug, Clone)]
pub struct Window {
    pub start: Timestamp,
    pub created: u32,
    pub overflow: Option<RuleKeyRow>,
}

/// Reads the facts for `keys` (anomalies that no longer exist are left out).
pub fn gather(
    s: &Store,
    rules: &RuleSet,
    keys: &[AnomalyKey],
    url_template: Option<&str>,
    now: Timestamp,
) -> Result<(Vec<Candidate>, HashMap<String, Window>), StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(stored) = s.get_anomaly(key)? else {
            continue;
        };
        let url = anomaly_url(&stored.anomaly, url_template);
        let input = RuleInput {
            source: &stored.key.source,
            anomaly: &stored.anomaly,
            status: stored.status,
            url: url.as_deref(),
        };
        let mut matched = Vec::new();
        for rule in rules.matching(&input) {
            let dk = rule.dedupe_key(&input);
            let decided = s.rule_decided(&rule.name, key)?;
            if decided {
                // Nothing more to know: it is never acted on again.
                matched.push(Matched {
                    rule: rule.name.clone(),
                    key: dk,
                    decided,
                    linked_by_person: false,
                    delayed_until: None,
                    latest: None,
                });
                continue;
            }
            matched.push(Matched {
                rule: rule.name.clone(),
                linked_by_person: s.linked_by_person(key)?,
                delayed_until: s.rule_delay(&rule.name, key)?,
                // A link rule links to the incident any rule made for the same key.
                latest: match rule.action {
                    crate::rules::RuleAction::Link => s.latest_key_of_any_rule(&dk.hash)?,
                    crate::rules::RuleAction::Create => {
                        s.latest_rule_key_brief(&rule.name, &dk.hash)?
                    }
                },
                key: dk,
                decided,
            });
        }
        out.push(Candidate {
            stored,
            url,
            matched,
        });
    }
    let mut windows = HashMap::new();
    for rule in rules.rules() {
        let start = window_start(rule.flood.flood_interval, now);
        let (created, overflow_key) = s.rule_window(&rule.name, start)?;
        let overflow = match overflow_key {
            Some(k) => s.latest_rule_key_brief(&rule.name, &k)?,
            None => None,
        };
        windows.insert(
            rule.name.clone(),
            Window {
                start,
                created,
                overflow,
            },
        );
    }
    Ok((out, windows))
}
