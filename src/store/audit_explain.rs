//! The audit log with the cause of each write: the rule decision that queued its outbox row,
//! when a rule did (docs/rules.md §Audit). A person's writes have no rule.

use std::collections::HashMap;

use super::db::params_from_iter;
use serde::Serialize;

use crate::domain::AnomalyKey;

use super::{AuditEntry, Result, Store};

/// The rule decision behind an audited write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCause {
    pub rule: String,
    pub anomaly: AnomalyKey,
    /// The decision's action (`create`, `overflow`, `reopen`, …).
    pub action: String,
    pub why: String,
}

/// One audit entry and, when a rule queued it, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainedAudit {
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub rule: Option<RuleCause>,
}

/// Outbox ids asked at once (SQLite's default limit on host parameters is far above it).
const IDS_PER_QUERY: usize = 500;

impl Store {
    /// The newest `limit` audit entries, newest first, each with its rule cause. With `rule`,
    /// only the writes that rule caused (among the newest `limit` entries).
    pub fn audit_explained(&self, limit: usize, rule: Option<&str>) -> Result<Vec<ExplainedAudit>> {
        let entries = self.audit_log(limit)?;
        let ids: Vec<i64> = entries.iter().filter_map(|e| e.outbox_id).collect();
        let mut causes: HashMap<i64, RuleCause> = HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let marks = vec!["?"; chunk.len()].join(",");
            // The first decision naming an outbox row is the one that queued it (later joins
            // to a queued create name the create too).
            let mut stmt = self.conn.prepare(&format!(
                "SELECT outbox_id, rule, anomaly_source, anomaly_id, action, why \
                 FROM rule_decisions WHERE outbox_id IN ({marks}) ORDER BY id DESC"
            ))?;
            let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    RuleCause {
                        rule: r.get(1)?,
                        anomaly: AnomalyKey::new(r.get::<_, String>(2)?, r.get::<_, String>(3)?),
                        action: r.get(4)?,
                        why: r.get(5)?,
                    },
                ))
            })?;
            for row in rows {
                let (id, cause) = row?;
                // Newest first, so the oldest decision is inserted last and stays.
                causes.insert(id, cause);
            }
        }
        Ok(entries
            .into_iter()
            .map(|entry| {
                let cause = entry.outbox_id.and_then(|id| causes.get(&id).cloned());
                ExplainedAudit { entry, rule: cause }
            })
            .filter(|e| rule.is_none_or(|r| e.rule.as_ref().is_some_and(|c| c.rule == r)))
            .collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use jiff::Timestamp;

    use super::super::NewAudit;
    use super::*;

    #[test]
    fn a_write_a_rule_queued_names_the_rule_and_why_and_a_persons_names_none() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.db")).unwrap();
        let at = Timestamp::now();
        let audit = |id: Option<i64>, action: &str| NewAudit {
            at,
            instance: "default".into(),
            table: "incident".into(),
            sys_id: None,
            number: Some("INC0010001".into()),
            action: action.into(),
            summary: "x".into(),
            outcome: "ok".into(),
            outbox_id: id,
        };
        s.conn
            .execute_batch(
                "INSERT INTO rule_decisions (at, rule, anomaly_source, anomaly_id, key_hash, \
                 key_text, action, outbox_id, why) VALUES \
                 (1, 'db', 'dq', 'A-1', 'h', 'k', 'create', 7, 'first anomaly of its key'), \
                 (2, 'db', 'dq', 'A-2', 'h', 'k', 'merge', 7, 'same key');",
            )
            .unwrap();
        s.record_audit(&audit(Some(7), "create")).unwrap();
        s.record_audit(&audit(Some(8), "work_note")).unwrap();
        s.record_audit(&audit(None, "link")).unwrap();
        let all = s.audit_explained(10, None).unwrap();
        assert_eq!(all.len(), 3);
        let create = all.iter().find(|e| e.entry.outbox_id == Some(7)).unwrap();
        let cause = create.rule.as_ref().unwrap();
        assert_eq!(cause.rule, "db");
        assert_eq!(cause.anomaly, AnomalyKey::new("dq", "A-1"));
        assert_eq!(cause.why, "first anomaly of its key");
        assert!(all.iter().filter(|e| e.rule.is_none()).count() == 2);
        let only = s.audit_explained(10, Some("db")).unwrap();
        assert_eq!(only.len(), 1);
        assert!(s.audit_explained(10, Some("other")).unwrap().is_empty());
    }
}
