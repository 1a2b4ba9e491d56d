//! What each rule decision writes inside the decision transaction (docs/store.md §Rules): its
//! row, and the key row, window count, links, create targets, note buffer and outbox rows it
//! causes.

use super::db::{Tx, params};
use jiff::Timestamp;

use crate::domain::{AnomalyKey, IncidentRef};

use super::anomalies::bump_rev;
use super::outbox::{DeliveryKind, EVENT_TABLE, NewDelivery, OutboxId, enqueue_tx};
use super::rules::{DecisionEffect, KeyRef, NewDecision, NewRuleKey};
use super::{Result, StoreError, ms};

pub(super) fn apply(
    tx: &Tx<'_>,
    d: &NewDecision,
    now: Timestamp,
    queued_at: Timestamp,
    outbox: &mut Vec<OutboxId>,
) -> Result<()> {
    let mut incident: Option<IncidentRef> = None;
    let mut outbox_id: Option<OutboxId> = None;
    let linked_by = format!("rule:{}", d.rule);
    match &d.effect {
        DecisionEffect::None => {}
        DecisionEffect::Delay { due_at } => {
            tx.execute(
                "INSERT INTO rule_delays (rule, anomaly_source, anomaly_id, due_at) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (rule, anomaly_source, anomaly_id) DO UPDATE SET due_at = excluded.due_at",
                params![d.rule, d.anomaly.source, d.anomaly.id, ms(*due_at)],
            )?;
        }
        DecisionEffect::Create {
            key,
            payload,
            window,
            overflow,
            event,
        } => {
            let id = match payload {
                Some(p) => {
                    let (table, kind) = if *event {
                        (EVENT_TABLE.to_owned(), DeliveryKind::Event)
                    } else {
                        (key.table.clone(), DeliveryKind::Create)
                    };
                    let nd = NewDelivery {
                        instance: key.instance.clone(),
                        table,
                        sys_id: None,
                        number: None,
                        kind,
                        payload: p.clone(),
                        anomaly: Some(d.anomaly.clone()),
                    };
                    let id = enqueue_tx(tx, &nd, queued_at)?;
                    outbox.push(id);
                    Some(id)
                }
                None => None,
            };
            insert_key(tx, key, id, now)?;
            if let Some(found) = &key.found {
                insert_link(tx, &d.anomaly, found, &linked_by, now)?;
                incident = Some(found.clone());
            }
            if let Some(start) = window {
                tx.execute(
                    "INSERT INTO rule_windows (rule, window_start, created) VALUES (?1, ?2, 0) \
                     ON CONFLICT (rule, window_start) DO NOTHING",
                    params![d.rule, ms(*start)],
                )?;
                let set = if *overflow {
                    "overflow_key = ?3"
                } else {
                    "created = created + 1"
                };
                tx.execute(
                    &format!(
                        "UPDATE rule_windows SET {set} WHERE rule = ?1 AND window_start = ?2 \
                         AND ?3 IS NOT NULL"
                    ),
                    params![d.rule, ms(*start), key.key_hash],
                )?;
            }
            outbox_id = id;
        }
        DecisionEffect::Join {
            key,
            note_due_at,
            reopen,
            event,
        } => {
            let buffer = event.is_none();
            let (inc, create) = join(tx, key, &d.anomaly, &linked_by, *note_due_at, now, buffer)?;
            if let Some(fields) = event {
                let nd = NewDelivery {
                    instance: key_instance(tx, key)?,
                    table: EVENT_TABLE.to_owned(),
                    sys_id: None,
                    number: None,
                    kind: DeliveryKind::Event,
                    payload: fields.clone(),
                    anomaly: Some(d.anomaly.clone()),
                };
                let id = enqueue_tx(tx, &nd, queued_at)?;
                outbox.push(id);
                outbox_id = Some(id);
            } else if let (Some(fields), Some(inc)) = (reopen, &inc) {
                let nd = NewDelivery::to_incident(
                    inc,
                    DeliveryKind::Reopen,
                    fields.clone(),
                    Some(&d.anomaly),
                );
                let id = enqueue_tx(tx, &nd, queued_at)?;
                outbox.push(id);
                outbox_id = Some(id);
            } else {
                outbox_id = create;
            }
            incident = inc;
        }
    }
    tx.execute(
        "INSERT INTO rule_decisions (at, rule, anomaly_source, anomaly_id, key_hash, key_text, \
         action, instance, sys_id, number, outbox_id, why) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            ms(now),
            d.rule,
            d.anomaly.source,
            d.anomaly.id,
            d.key_hash,
            d.key_text,
            d.action.code(),
            incident.as_ref().map(|i| &i.instance),
            incident.as_ref().map(|i| &i.sys_id),
            incident.as_ref().map(|i| &i.number),
            outbox_id,
            d.why,
        ],
    )?;
    Ok(())
}

fn insert_key(
    tx: &Tx<'_>,
    key: &NewRuleKey,
    create: Option<OutboxId>,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO rule_keys (rule, key_hash, generation, key_text, instance, tbl, \
         correlation_id, create_outbox_id, sys_id, number, opened_at, last_seen_at, state) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
        params![
            key.rule,
            key.key_hash,
            key.generation,
            key.key_text,
            key.instance,
            key.table,
            key.correlation_id,
            create,
            key.found.as_ref().map(|f| &f.sys_id),
            key.found.as_ref().map(|f| &f.number),
            ms(now),
            key.state,
        ],
    )?;
    Ok(())
}

/// Links the anomaly to the key's incident: at once when the incident exists, else as a target
/// of its queued create (the worker links it when the create lands, in the same transaction as
/// the outcome). Returns the incident when known and the create's id.
fn join(
    tx: &Tx<'_>,
    key: &KeyRef,
    anomaly: &AnomalyKey,
    linked_by: &str,
    note_due_at: Timestamp,
    now: Timestamp,
    buffer: bool,
) -> Result<(Option<IncidentRef>, Option<OutboxId>)> {
    let row = super::rules_rows::key_row_tx(tx, key)?
        .ok_or_else(|| StoreError::Invalid(format!("no rule key {}", key.key_hash)))?;
    if buffer {
        tx.execute(
            "INSERT INTO rule_pending (rule, key_hash, generation, anomaly_source, \
             anomaly_id) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            params![
                key.rule,
                key.key_hash,
                key.generation,
                anomaly.source,
                anomaly.id
            ],
        )?;
        tx.execute(
            "UPDATE rule_keys SET last_seen_at = ?4, note_due_at = COALESCE(note_due_at, ?5) \
             WHERE rule = ?1 AND key_hash = ?2 AND generation = ?3",
            params![
                key.rule,
                key.key_hash,
                key.generation,
                ms(now),
                ms(note_due_at)
            ],
        )?;
    } else {
        // An event rule's anomaly sends its own event: nothing to buffer for a note.
        tx.execute(
            "UPDATE rule_keys SET last_seen_at = ?4 \
             WHERE rule = ?1 AND key_hash = ?2 AND generation = ?3",
            params![key.rule, key.key_hash, key.generation, ms(now)],
        )?;
    }
    match row.incident() {
        Some(inc) => {
            insert_link(tx, anomaly, &inc, linked_by, now)?;
            Ok((Some(inc), row.create_outbox_id))
        }
        None => {
            let Some(create) = row.create_outbox_id else {
                return Ok((None, None));
            };
            tx.execute(
                "INSERT INTO create_targets (outbox_id, source, anomaly_id) \
                 VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![create, anomaly.source, anomaly.id],
            )?;
            Ok((None, Some(create)))
        }
    }
}

/// The instance of a key row (an event joins on the instance its key's alert lives on).
fn key_instance(tx: &Tx<'_>, key: &KeyRef) -> Result<String> {
    Ok(super::rules_rows::key_row_tx(tx, key)?
        .ok_or_else(|| StoreError::Invalid(format!("no rule key {}", key.key_hash)))?
        .instance)
}

fn insert_link(
    tx: &Tx<'_>,
    anomaly: &AnomalyKey,
    inc: &IncidentRef,
    linked_by: &str,
    now: Timestamp,
) -> Result<()> {
    let added = tx.execute(
        "INSERT INTO links (source, anomaly_id, instance, tbl, sys_id, number, \
         linked_at, linked_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
        params![
            anomaly.source,
            anomaly.id,
            inc.instance,
            inc.table,
            inc.sys_id,
            inc.number,
            ms(now),
            linked_by
        ],
    )?;
    if added == 1 {
        bump_rev(tx, anomaly)?;
    }
    Ok(())
}
