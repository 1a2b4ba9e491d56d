//! Archiving an anomaly that an event made an alert for sends a Clear (severity 0) event with
//! the same message key, so ServiceNow closes the alert (docs/sync.md §Events) — but only once
//! every anomaly linked to that alert is archived: a rule's alert stands for a key, and one
//! archived anomaly of ten does not resolve it.

use super::db::{OptionalExtension, Tx, params};
use jiff::Timestamp;
use serde_json::Value;

use crate::domain::{ALERT_TABLE, AnomalyKey};

use super::Result;
use super::outbox::{DeliveryKind, NewDelivery, OutboxId, enqueue_tx};

/// Queues a Clear for each alert linked to `key` whose anomalies are all archived now (the
/// caller has just written `key`'s new status in `tx`). `why` goes into the description.
pub(super) fn enqueue_clears(
    tx: &Tx<'_>,
    key: &AnomalyKey,
    why: &str,
    at: Timestamp,
) -> Result<Vec<OutboxId>> {
    let alerts: Vec<(String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT l.instance, l.sys_id FROM links l WHERE l.source = ?1 AND l.anomaly_id = ?2 \
             AND l.tbl = ?3 AND l.broken = 0 AND NOT EXISTS ( \
               SELECT 1 FROM links o JOIN anomalies a ON a.source = o.source AND a.id = o.anomaly_id \
               WHERE o.instance = l.instance AND o.sys_id = l.sys_id AND a.status NOT LIKE 'archived%')",
        )?;
        stmt.query_map(params![key.source, key.id, ALERT_TABLE], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_>>()?
    };
    let mut out = Vec::new();
    for (instance, sys_id) in alerts {
        // The event that made (or last updated) the alert holds its message key and fields.
        let payload: Option<String> = tx
            .query_row(
                "SELECT payload FROM outbox WHERE instance = ?1 AND sys_id = ?2 AND kind = ?3 \
                 AND state = 'delivered' ORDER BY id DESC LIMIT 1",
                params![instance, sys_id, DeliveryKind::Event.code()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(mut fields) =
            payload.and_then(|p| serde_json::from_str::<serde_json::Map<String, Value>>(&p).ok())
        else {
            continue;
        };
        fields.insert("severity".into(), Value::String("0".into()));
        fields.insert("resolution_state".into(), Value::String("Closing".into()));
        fields.insert("description".into(), Value::String(why.to_owned()));
        let d = NewDelivery::event(&instance, &fields, key);
        out.push(enqueue_tx(tx, &d, at)?);
    }
    Ok(out)
}
