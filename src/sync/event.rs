//! Delivering an event (docs/sync.md §Events): send it, then read the alert ServiceNow made of
//! it by its message key; the outcome links the anomaly to that alert like a create links its
//! incident.
//!
//! No read-back before a resend: events are idempotent by message key in ServiceNow, so an
//! event sent twice (a crash after sending, a lost answer) updates the same open alert a second
//! time (its count, its last event time) and makes no second alert. An attempt whose outcome is
//! unknown looks the alert up first and only resends when there is none yet.

use serde_json::{Map, Value};
use servicenow_client::{Client, Event};

use crate::domain::IncidentRef;
use crate::store::{ALERT_TABLE, Delivery};

use super::deliver::{Landed, StepError, created_state};

pub(crate) async fn deliver(client: &Client, d: &Delivery) -> Result<Landed, StepError> {
    let fields: Map<String, Value> = serde_json::from_str(&d.payload)
        .map_err(|e| StepError::Payload(format!("event payload is not a JSON object: {e}")))?;
    let event = Event::from_json(&fields);
    if event.message_key.is_empty() {
        return Err(StepError::Payload(
            "event payload has no message_key".into(),
        ));
    }
    if d.outcome_unknown
        && let Some(landed) = alert_of(client, d, &event.message_key, false).await?
    {
        return Ok(landed);
    }
    client.send_events(std::slice::from_ref(&event)).await?;
    match alert_of(client, d, &event.message_key, true).await? {
        Some(landed) => Ok(landed),
        // A real instance makes the alert in a scheduled job seconds later. The next attempt
        // (outcome unknown) finds it without sending again.
        None => Err(StepError::Remote(
            servicenow_client::Error::UnexpectedAnswer {
                url: format!("{}/api/now/table/{ALERT_TABLE}", client.base_url()),
                status: 200,
                write: true,
                problem: format!(
                    "the event was accepted but no alert has message_key {:?} yet (ServiceNow \
                 processes events in a job); looking again",
                    event.message_key
                ),
            },
        )),
    }
}

async fn alert_of(
    client: &Client,
    d: &Delivery,
    key: &str,
    sent: bool,
) -> Result<Option<Landed>, StepError> {
    let Some(rec) = client.find_alert(key).await? else {
        return Ok(None);
    };
    // Before a resend, only an open alert says the event landed: a non-clear event for a key
    // whose alert is closed opens a new one.
    let closed = rec
        .value("state")
        .is_some_and(|s| s.eq_ignore_ascii_case("closed"));
    if !sent && closed {
        return Ok(None);
    }
    Ok(Some(Landed {
        sent,
        created: Some(IncidentRef {
            instance: d.instance.clone(),
            table: ALERT_TABLE.to_owned(),
            sys_id: rec.sys_id().to_owned(),
            number: rec.number().to_owned(),
        }),
        created_state: created_state(&rec),
    }))
}
