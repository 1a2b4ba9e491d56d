//! Links rebuilt from ServiceNow (`snowlink links rediscover`, docs/store.md §Rediscovery):
//! the links, the placeholder rows of anomalies no source has listed yet, the rule keys and
//! the rule decisions they imply, in one transaction. Nothing here is ever sent anywhere.
//! The SQL is what SQLite and PostgreSQL both accept (`ON CONFLICT DO NOTHING`, no
//! `INSERT OR IGNORE`), so the PostgreSQL engine can take it as it is.

use std::collections::BTreeMap;

use super::db::{Tx, params};
use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{Anomaly, AnomalyKey, IncidentRef, IncidentState};

use super::anomalies::bump_rev;
use super::audit::{NewAudit, audit_tx};
use super::{Result, Store, StoreError, ms};

/// A rule's part in a rediscovered link: the key it joined, so the rule records a decision
/// for the anomaly and never acts on it again (as on the machine that made the link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RediscoveredRule {
    pub rule: String,
    pub key_hash: String,
    pub key_text: String,
}

/// One link found on ServiceNow.
#[derive(Debug, Clone, PartialEq)]
pub struct RediscoveredLink {
    pub anomaly: AnomalyKey,
    pub incident: IncidentRef,
    /// The record's state as read while rediscovering (display values), and when.
    pub state: IncidentState,
    pub read_at: Option<Timestamp>,
    /// `rule:<name>` for a rule's record, else the user who ran the rediscovery.
    pub linked_by: String,
    /// How it was found, for the audit summary (`correlation_id`, `description block`, …).
    pub via: String,
    /// Inserted as the anomaly's row when the store has none (its source has not listed it):
    /// a link needs its anomaly row (a foreign key). The source's first read replaces it.
    pub placeholder: Anomaly,
    pub rule: Option<RediscoveredRule>,
}

/// One generation of a rule's key, found by its incident's correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RediscoveredKey {
    pub rule: String,
    pub key_hash: String,
    pub generation: u32,
    pub key_text: String,
    pub incident: IncidentRef,
    pub correlation_id: String,
    /// Raw state code as read.
    pub state: Option<String>,
    pub opened_at: Timestamp,
}

/// What one rediscovery records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RediscoverBatch {
    pub links: Vec<RediscoveredLink>,
    pub keys: Vec<RediscoveredKey>,
    /// Who ran it (the audit summary says so).
    pub by: String,
    pub at: Timestamp,
}

/// What [`Store::record_rediscovered`] did (or, on a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RediscoverApplied {
    /// Per link of the batch, in order.
    pub links: Vec<LinkOutcome>,
    /// Anomaly rows inserted because no source had listed them.
    pub placeholders: usize,
    pub keys_added: usize,
    pub decisions_added: usize,
}

/// What became of one rediscovered link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LinkOutcome {
    /// False when the link was already there.
    pub added: bool,
    /// Its anomaly got a placeholder row.
    pub placeholder: bool,
}

impl Store {
    /// The sources whose anomalies include each of `ids` (an id missing from the map is in
    /// none), sorted.
    pub fn sources_of_anomaly_ids(&self, ids: &[String]) -> Result<BTreeMap<String, Vec<String>>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT source FROM anomalies WHERE id = ?1 ORDER BY source")?;
        let mut out = BTreeMap::new();
        for id in ids {
            let sources: Vec<String> =
                stmt.query_map([id], |r| r.get(0))?.collect::<Result<_>>()?;
            if !sources.is_empty() {
                out.insert(id.clone(), sources);
            }
        }
        Ok(out)
    }

    /// Records what a rediscovery found, in one transaction: each link not already there (with
    /// its placeholder anomaly row when the store has none, a new revision and an audit entry
    /// `rediscover`), each rule key generation not already there, and a rule decision for every
    /// anomaly of a rule's record the rule has not decided. Links already present are left as
    /// they are. With `commit = false` everything is rolled back: the answer says what a real
    /// run would add.
    pub fn record_rediscovered(
        &mut self,
        batch: &RediscoverBatch,
        commit: bool,
    ) -> Result<RediscoverApplied> {
        let tx = self.write_tx()?;
        let mut out = RediscoverApplied::default();
        for k in &batch.keys {
            out.keys_added += insert_key(&tx, k, batch.at)?;
        }
        for l in &batch.links {
            let placeholder = ensure_anomaly(&tx, l, batch.at)?;
            out.placeholders += usize::from(placeholder);
            let added = tx.execute(
                "INSERT INTO links (source, anomaly_id, instance, tbl, sys_id, number, \
                 state, priority, assignment_group, assigned_to, read_at, linked_at, linked_by) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                 ON CONFLICT DO NOTHING",
                params![
                    l.anomaly.source,
                    l.anomaly.id,
                    l.incident.instance,
                    l.incident.table,
                    l.incident.sys_id,
                    l.incident.number,
                    l.state.state,
                    l.state.priority,
                    l.state.assignment_group,
                    l.state.assigned_to,
                    l.read_at.map(ms),
                    ms(batch.at),
                    l.linked_by
                ],
            )? == 1;
            if added {
                bump_rev(&tx, &l.anomaly)?; // its link count changed
                audit_tx(
                    &tx,
                    &NewAudit::local(
                        &l.incident,
                        "rediscover",
                        &format!(
                            "link to anomaly {} rediscovered from the {} by {}",
                            l.anomaly, l.via, batch.by
                        ),
                        batch.at,
                    ),
                )?;
            }
            out.links.push(LinkOutcome { added, placeholder });
            if let Some(r) = &l.rule {
                out.decisions_added += insert_decision(&tx, l, r, batch.at)?;
            }
        }
        if commit {
            tx.commit()?;
        } else {
            tx.rollback()?;
        }
        Ok(out)
    }
}

/// Inserts the placeholder row when the anomaly has none; true when it did.
fn ensure_anomaly(tx: &Tx<'_>, l: &RediscoveredLink, at: Timestamp) -> Result<bool> {
    let a = &l.placeholder;
    let raw = serde_json::to_string(a).map_err(|e| StoreError::Invalid(e.to_string()))?;
    // No digest: the source's first read of this anomaly always rewrites the row.
    let n = tx.execute(
        "INSERT INTO anomalies (source, id, title, severity, kind, source_status, \
         detected_at, datastore, container, field, url, raw, status, first_seen_at, last_seen_at, \
         normalized, digest, rev) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?6, ?13, ?13, NULL, NULL, \
         (SELECT COALESCE(MAX(rev), 0) + 1 FROM anomalies)) ON CONFLICT DO NOTHING",
        params![
            l.anomaly.source,
            l.anomaly.id,
            a.title,
            a.severity.map(|s| s.as_str()),
            a.kind,
            a.status.code(),
            a.detected_at.map(ms),
            a.datastore,
            a.container,
            a.field,
            a.url,
            raw,
            ms(at),
        ],
    )?;
    Ok(n == 1)
}

fn insert_key(tx: &Tx<'_>, k: &RediscoveredKey, at: Timestamp) -> Result<usize> {
    tx.execute(
        "INSERT INTO rule_keys (rule, key_hash, generation, key_text, instance, tbl, \
         correlation_id, create_outbox_id, sys_id, number, opened_at, last_seen_at, state) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, ?8, ?9, ?10, ?11, ?12) \
         ON CONFLICT DO NOTHING",
        params![
            k.rule,
            k.key_hash,
            k.generation,
            k.key_text,
            k.incident.instance,
            k.incident.table,
            k.correlation_id,
            k.incident.sys_id,
            k.incident.number,
            ms(k.opened_at),
            ms(at),
            k.state
        ],
    )
}

/// A `link` decision for an anomaly of a rule's record, unless the rule decided it already.
fn insert_decision(
    tx: &Tx<'_>,
    l: &RediscoveredLink,
    r: &RediscoveredRule,
    at: Timestamp,
) -> Result<usize> {
    let decided: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM rule_decisions WHERE anomaly_source = ?1 \
         AND anomaly_id = ?2 AND rule = ?3 AND action <> 'delay')",
        params![l.anomaly.source, l.anomaly.id, r.rule],
        |row| row.get(0),
    )?;
    if decided {
        return Ok(0);
    }
    let i = &l.incident;
    tx.execute(
        "INSERT INTO rule_decisions (at, rule, anomaly_source, anomaly_id, key_hash, key_text, \
         action, instance, sys_id, number, outbox_id, why) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'link', ?7, ?8, ?9, NULL, ?10)",
        params![
            ms(at),
            r.rule,
            l.anomaly.source,
            l.anomaly.id,
            r.key_hash,
            r.key_text,
            i.instance,
            i.sys_id,
            i.number,
            format!("rediscovered from {} ({})", i.number, l.via)
        ],
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::test_support::{incident, key, open_temp, seed, t};
    use super::*;

    fn found(id: &str, sys_id: &str, rule: Option<&str>) -> RediscoveredLink {
        let mut placeholder = Anomaly::new(id, format!("(rediscovered) {id}"));
        placeholder.kind = Some("record".into());
        RediscoveredLink {
            anomaly: key(id),
            incident: incident(sys_id),
            state: IncidentState::default(),
            read_at: None,
            linked_by: rule.map_or("ann".into(), |r| format!("rule:{r}")),
            via: "description block".into(),
            placeholder,
            rule: rule.map(|r| RediscoveredRule {
                rule: r.into(),
                key_hash: "00000000000000aa".into(),
                key_text: "k".into(),
            }),
        }
    }

    fn added(a: &RediscoverApplied) -> Vec<bool> {
        a.links.iter().map(|l| l.added).collect()
    }

    fn batch(links: Vec<RediscoveredLink>, keys: Vec<RediscoveredKey>) -> RediscoverBatch {
        RediscoverBatch {
            links,
            keys,
            by: "ann".into(),
            at: t(5),
        }
    }

    fn rule_key(sys_id: &str) -> RediscoveredKey {
        RediscoveredKey {
            rule: "nulls".into(),
            key_hash: "00000000000000aa".into(),
            generation: 1,
            key_text: "k".into(),
            incident: incident(sys_id),
            correlation_id: "snowlink:rule:nulls:00000000000000aa#1".into(),
            state: Some("2".into()),
            opened_at: t(1),
        }
    }

    #[test]
    fn links_are_added_once_with_placeholders_for_unknown_anomalies() {
        let (_d, mut s) = open_temp();
        seed(&mut s, &["A-1"]);
        let b = batch(
            vec![found("A-1", "s1", None), found("A-2", "s1", None)],
            vec![],
        );
        let first = s.record_rediscovered(&b, true).unwrap();
        assert_eq!(added(&first), vec![true, true]);
        assert_eq!(first.placeholders, 1);
        // The known anomaly kept its row; the unknown one got the placeholder.
        assert_eq!(
            s.get_anomaly(&key("A-1")).unwrap().unwrap().anomaly.title,
            "Anomaly A-1"
        );
        let placeholder = s.get_anomaly(&key("A-2")).unwrap().unwrap();
        assert_eq!(placeholder.anomaly.title, "(rediscovered) A-2");
        assert_eq!(placeholder.link_count, 1);
        let audit = s.audit_log(10).unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == "rediscover").count(), 2);
        // A second run adds nothing.
        let again = s.record_rediscovered(&b, true).unwrap();
        assert_eq!(added(&again), vec![false, false]);
        assert_eq!(again.placeholders, 0);
        assert_eq!(s.all_links().unwrap().len(), 2);
        // The source's first read replaces the placeholder (it has no digest).
        seed(&mut s, &["A-2"]);
        assert_eq!(
            s.get_anomaly(&key("A-2")).unwrap().unwrap().anomaly.title,
            "Anomaly A-2"
        );
    }

    #[test]
    fn a_dry_run_writes_nothing_but_says_what_it_would_add() {
        let (_d, mut s) = open_temp();
        let b = batch(
            vec![found("A-9", "s1", Some("nulls"))],
            vec![rule_key("s1")],
        );
        let dry = s.record_rediscovered(&b, false).unwrap();
        assert_eq!(
            (added(&dry), dry.placeholders, dry.keys_added),
            (vec![true], 1, 1)
        );
        assert_eq!(dry.decisions_added, 1);
        assert!(s.all_links().unwrap().is_empty());
        assert!(s.get_anomaly(&key("A-9")).unwrap().is_none());
        assert!(s.rule_keys(None).unwrap().is_empty());
    }

    #[test]
    fn rule_keys_and_decisions_are_restored_once() {
        let (_d, mut s) = open_temp();
        let b = batch(
            vec![found("A-9", "s1", Some("nulls"))],
            vec![rule_key("s1")],
        );
        let done = s.record_rediscovered(&b, true).unwrap();
        assert_eq!((done.keys_added, done.decisions_added), (1, 1));
        let k = s
            .latest_rule_key("nulls", "00000000000000aa")
            .unwrap()
            .unwrap();
        assert_eq!(k.generation, 1);
        assert_eq!(k.incident().unwrap().sys_id, "s1");
        assert!(s.rule_decided("nulls", &key("A-9")).unwrap());
        assert!(!s.linked_by_person(&key("A-9")).unwrap());
        let again = s.record_rediscovered(&b, true).unwrap();
        assert_eq!((again.keys_added, again.decisions_added), (0, 0));
    }
}
