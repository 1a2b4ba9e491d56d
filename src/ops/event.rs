//! `event send`: an anomaly sent to Event Management instead of a ticket (docs/rules.md
//! §Events for the rule target). Queued in the outbox like every write; the worker sends it
//! and links the anomaly to the `em_alert` ServiceNow makes of it.

use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{EventOrigin, anomaly_url, event_fields, manual_message_key};
use crate::store::{NewDelivery, OutboxId};

use super::error::OpsResult;
use super::session::Session;

/// What `event send` queued.
#[derive(Debug, Clone, Serialize)]
pub struct QueuedEvent {
    pub outbox_id: OutboxId,
    /// `snowlink:<source>/<id>`: ServiceNow dedupes repeats of it into one alert.
    pub message_key: String,
    /// The `em_event` fields as they will be sent.
    pub event: serde_json::Map<String, serde_json::Value>,
}

/// Queues one event for anomaly `id` on the session's instance.
pub fn enqueue_event(session: &Session, id: &str) -> OpsResult<QueuedEvent> {
    session.ensure_writable()?;
    let mut store = session.open_store()?;
    let key = store.resolve_anomaly_id(id)?;
    let stored = super::ticket::load_anomaly_by_key(session, &key)?;
    let message_key = manual_message_key(&key);
    let url = anomaly_url(&stored.anomaly, session.url_template());
    let origin = EventOrigin {
        rule: None,
        key: &message_key,
    };
    let fields = event_fields(&key, &stored.anomaly, url.as_deref(), &message_key, origin);
    let delivery = NewDelivery::event(session.instance(), &fields, &key);
    let outbox_id = store.enqueue(&delivery, Timestamp::now())?;
    Ok(QueuedEvent {
        outbox_id,
        message_key,
        event: fields,
    })
}
