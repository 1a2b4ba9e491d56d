//! Acknowledge, archive and comment: recorded locally together with their outbox deliveries (one
//! work note per linked incident, and the write-back to the anomaly's source where it takes the
//! action) in one transaction, then handed to the sync workers.

use jiff::Timestamp;
use serde::Serialize;

use crate::domain::{AnomalyKey, Status};
use crate::store::{OutboxId, SourceWrite};

use super::error::OpsResult;
use super::session::Session;

/// What recording one anomaly's action did.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub anomaly: AnomalyKey,
    /// False when the anomaly already had the status (nothing recorded or queued).
    pub changed: bool,
    pub previous: Option<Status>,
    /// ServiceNow work notes queued (one per linked incident).
    pub outbox: Vec<OutboxId>,
    /// The write-back to the anomaly's source: its delivery, or why it is kept local.
    pub source: SourceWrite,
}

/// Sets `status` on each anomaly id; all ids are resolved first so a typo records nothing.
pub fn set_status(session: &Session, ids: &[String], status: Status) -> OpsResult<Vec<Recorded>> {
    session.ensure_writable()?;
    let store = session.open_store()?;
    let keys = ids
        .iter()
        .map(|id| store.resolve_anomaly_id(id))
        .collect::<Result<Vec<_>, _>>()?;
    drop(store);
    set_status_for(session, &keys, status)
}

/// Sets `status` on each anomaly, identified by key (the dashboard knows keys, not just ids).
pub fn set_status_for(
    session: &Session,
    keys: &[AnomalyKey],
    status: Status,
) -> OpsResult<Vec<Recorded>> {
    session.ensure_writable()?;
    let mut store = session.open_store()?;
    let now = Timestamp::now();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let change = store.record_status_change(key, status, &session.user, now)?;
        out.push(Recorded {
            anomaly: key.clone(),
            changed: change.changed,
            previous: Some(change.previous),
            outbox: change.outbox,
            source: change.source,
        });
    }
    Ok(out)
}

/// Records a comment; its note goes to every linked incident.
pub fn comment(session: &Session, id: &str, text: &str) -> OpsResult<Recorded> {
    session.ensure_writable()?;
    let store = session.open_store()?;
    let key = store.resolve_anomaly_id(id)?;
    drop(store);
    comment_for(session, &key, text)
}

/// Records a comment on the anomaly with this key.
pub fn comment_for(session: &Session, key: &AnomalyKey, text: &str) -> OpsResult<Recorded> {
    session.ensure_writable()?;
    let mut store = session.open_store()?;
    let rec = store.record_comment(key, &session.user, text, Timestamp::now())?;
    Ok(Recorded {
        anomaly: key.clone(),
        changed: true,
        previous: None,
        outbox: rec.outbox,
        source: rec.source,
    })
}
