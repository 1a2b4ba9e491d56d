//! The blocking half of a rediscovery (run on `spawn_blocking`): the source of each anomaly
//! only a description block names, the readable text of each rule key, and the one store
//! transaction that records it all (docs/store.md §Rediscovery).
//!
//! A block names its anomaly's id, not its source. The source is, in order: the one the
//! record's correlation id (consolidated note, alert key) names; the only source whose
//! anomalies hold that id; of several, the one whose anomaly's link is the block's `Link:`;
//! with the id in no source's data, the only configured source. Anything else is reported
//! as unparseable (naming the candidates) rather than guessed.

use std::collections::{BTreeMap, HashSet};

use jiff::Timestamp;

use crate::domain::{AnomalyKey, anomaly_url};
use crate::rules::RuleInput;
use crate::store::rediscover::{
    RediscoverApplied, RediscoverBatch, RediscoveredKey, RediscoveredLink, RediscoveredRule,
};
use crate::store::{Store, StoreError};

use super::rediscover::{RediscoverOptions, Unparseable};
use super::rediscover_parse::{Candidate, KeyCandidate};

/// What was recorded: the links in batch order with the table (report index) each came from,
/// what the store did with them, and the candidates that could not be resolved.
#[derive(Debug, Default)]
pub struct Resolved {
    pub links: Vec<(usize, RediscoveredLink)>,
    pub applied: RediscoverApplied,
    pub problems: Vec<(usize, Unparseable)>,
}

pub fn resolve_and_record(
    opts: &RediscoverOptions,
    candidates: Vec<(usize, Candidate)>,
    keys: Vec<KeyCandidate>,
) -> Result<Resolved, StoreError> {
    let mut store = opts.store.open()?;
    let unknown: Vec<String> = candidates
        .iter()
        .filter(|(_, c)| c.source.is_none())
        .map(|(_, c)| c.anomaly_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let holders = store.sources_of_anomaly_ids(&unknown)?;
    let now = Timestamp::now();
    let mut out = Resolved::default();
    let mut seen = HashSet::new();
    for (idx, c) in candidates {
        let source = match &c.source {
            Some(s) => s.clone(),
            None => match source_of(&store, opts, &holders, &c)? {
                Ok(s) => s,
                Err(reason) => {
                    out.problems.push((
                        idx,
                        Unparseable {
                            number: c.incident.number.clone(),
                            reason,
                        },
                    ));
                    continue;
                }
            },
        };
        let anomaly = AnomalyKey::new(source, c.anomaly_id.clone());
        if !seen.insert((anomaly.clone(), c.incident.sys_id.clone())) {
            continue; // named twice by one record (its correlation id and its block)
        }
        let mut placeholder = c.placeholder.clone();
        if placeholder.title.is_empty() {
            placeholder.title = format!(
                "(rediscovered from {}; not read from source {} yet)",
                c.incident.number, anomaly.source
            );
        }
        let rule = c.rule.as_ref().map(|(rule, hash)| RediscoveredRule {
            rule: rule.clone(),
            key_hash: hash.clone(),
            key_text: String::new(), // filled below, once every link is known
        });
        out.links.push((
            idx,
            RediscoveredLink {
                linked_by: rule
                    .as_ref()
                    .map_or_else(|| opts.user.clone(), |r| format!("rule:{}", r.rule)),
                anomaly,
                incident: c.incident.clone(),
                state: c.state.clone(),
                read_at: Some(now),
                via: c.via.to_owned(),
                placeholder,
                rule,
            },
        ));
    }
    let keys = rule_keys(&store, opts, keys, &mut out.links)?;
    let batch = RediscoverBatch {
        links: out.links.iter().map(|(_, l)| l.clone()).collect(),
        keys,
        by: opts.user.clone(),
        at: now,
    };
    out.applied = store.record_rediscovered(&batch, !opts.dry_run)?;
    Ok(out)
}

/// The source of a block-only anomaly, or why it cannot be told.
fn source_of(
    store: &Store,
    opts: &RediscoverOptions,
    holders: &BTreeMap<String, Vec<String>>,
    c: &Candidate,
) -> Result<Result<String, String>, StoreError> {
    let id = &c.anomaly_id;
    match holders.get(id).map(Vec::as_slice) {
        Some([one]) => Ok(Ok(one.clone())),
        Some(many) => {
            let mut by_link = Vec::new();
            for s in many {
                let key = AnomalyKey::new(s.clone(), id.clone());
                if let Some(stored) = store.get_anomaly(&key)? {
                    let url = anomaly_url(&stored.anomaly, opts.url_template.as_deref());
                    if url.is_some() && url == c.link {
                        by_link.push(s.clone());
                    }
                }
            }
            Ok(match by_link.as_slice() {
                [one] => Ok(one.clone()),
                _ => Err(format!(
                    "anomaly {id} (description block) is in sources {} and its block's link \
                     does not tell which; link it by hand (`snowlink ticket link SOURCE/{id} {}`)",
                    many.join(", "),
                    c.incident.number
                )),
            })
        }
        None => Ok(match opts.sources.as_slice() {
            [one] => Ok(one.clone()),
            configured => Err(format!(
                "anomaly {id} (description block) is in no source's data yet and {} sources \
                 are configured, so its source is unknown; run `snowlink load` once its source \
                 lists it, then rediscover again",
                configured.len()
            )),
        }),
    }
}

/// The key rows of the rule records read, each with its readable text: the record's own (an
/// overflow window), else the rule's key of an anomaly of the record that the store holds
/// (the same config on the new machine gives the same key), else a note saying where it came
/// from. Links of the record's rule get the same text for their decisions.
fn rule_keys(
    store: &Store,
    opts: &RediscoverOptions,
    keys: Vec<KeyCandidate>,
    links: &mut [(usize, RediscoveredLink)],
) -> Result<Vec<RediscoveredKey>, StoreError> {
    let mut out = Vec::new();
    for k in keys {
        let mut text = k.key_text.clone();
        if text.is_none() {
            for (_, l) in links.iter().filter(|(_, l)| l.incident == k.incident) {
                text = key_text(store, opts, &k.rule, &k.key_hash, &l.anomaly)?;
                if text.is_some() {
                    break;
                }
            }
        }
        let text = text.unwrap_or_else(|| {
            format!(
                "key {} (rediscovered from {})",
                k.key_hash, k.incident.number
            )
        });
        for (_, l) in links.iter_mut().filter(|(_, l)| l.incident == k.incident) {
            if let Some(r) = l.rule.as_mut() {
                r.key_text = text.clone();
            }
        }
        out.push(RediscoveredKey {
            rule: k.rule,
            key_hash: k.key_hash,
            generation: k.generation,
            key_text: text,
            incident: k.incident,
            correlation_id: k.correlation_id,
            state: k.state_code,
            opened_at: k.opened_at.unwrap_or_else(Timestamp::now),
        });
    }
    // Links of a rule's record without a key row (an event rule's alert).
    for (_, l) in links.iter_mut() {
        let Some(r) = l.rule.as_ref().filter(|r| r.key_text.is_empty()) else {
            continue;
        };
        let text = key_text(store, opts, &r.rule, &r.key_hash, &l.anomaly)?
            .unwrap_or_else(|| format!("key {} (rediscovered)", r.key_hash));
        if let Some(r) = l.rule.as_mut() {
            r.key_text = text;
        }
    }
    Ok(out)
}

/// The rule's key text for `anomaly`, when the rule is configured, the store holds the
/// anomaly and its key has the hash the record names.
fn key_text(
    store: &Store,
    opts: &RediscoverOptions,
    rule: &str,
    hash: &str,
    anomaly: &AnomalyKey,
) -> Result<Option<String>, StoreError> {
    let Some(rule) = opts.rules.get(rule) else {
        return Ok(None);
    };
    let Some(stored) = store.get_anomaly(anomaly)? else {
        return Ok(None);
    };
    let url = anomaly_url(&stored.anomaly, opts.url_template.as_deref());
    let input = RuleInput {
        source: &stored.key.source,
        anomaly: &stored.anomaly,
        status: stored.status,
        url: url.as_deref(),
    };
    let key = rule.dedupe_key(&input);
    Ok((key.hash == hash).then_some(key.text))
}

#[cfg(test)]
#[path = "rediscover_resolve_tests.rs"]
mod tests;
