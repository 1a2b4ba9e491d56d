//! Creating, linking and unlinking tickets (incidents, problems, change requests) for an
//! anomaly; finding and searching them is `ticket_find.rs`. Writes are recorded in
//! the outbox (with the link when there is one) and then delivered by the sync worker, so a
//! lost response or a crash never creates a second incident or a second note.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use servicenow_client::looks_like_sys_id;

use crate::domain::{
    AnomalyKey, IncidentRef, TicketDraft, TicketTable, anomaly_url, correlation_id,
    description_block, link_note, new_create_id, table_names,
};
use crate::store::{DeliveryKind, NewDelivery, NewLink, OutboxId, StoredAnomaly};

use super::error::{OpsError, OpsResult};
use super::offline::{
    Reads, is_unreachable, outage_reason, resolve_draft_offline, unreachable_why,
};
use super::session::Session;
use super::ticket_fields::resolve_draft_reading;
use super::ticket_find::find_incident;

/// The exact create request, for `--dry-run` and for the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct CreatePlan {
    pub anomaly: AnomalyKey,
    pub method: &'static str,
    pub url: String,
    pub body: Map<String, Value>,
    /// Set when the plan was made from the lookup cache because ServiceNow could not be reached
    /// (why, one line): the create is queued and delivered when the instance is back.
    #[serde(skip)]
    pub offline: Option<String>,
}

pub fn load_anomaly(session: &Session, id: &str) -> OpsResult<StoredAnomaly> {
    let key = session.open_store()?.resolve_anomaly_id(id)?;
    load_anomaly_by_key(session, &key)
}

pub fn load_anomaly_by_key(session: &Session, key: &AnomalyKey) -> OpsResult<StoredAnomaly> {
    session
        .open_store()?
        .get_anomaly(key)?
        .ok_or_else(|| OpsError::NotFound(format!("anomaly {} not found in the store", key.id)))
}

/// How `ticket create` (CLI or dashboard) starts for an anomaly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateStart {
    /// Nothing is queued: plan and queue a new create.
    New,
    /// An earlier create for this anomaly is still queued (interrupted, offline): deliver that
    /// one, with its own correlation_id, instead of making a second incident.
    Resume(OutboxId),
}

/// Decides how a create starts: resumes a create still queued for the anomaly, and refuses a
/// second incident while one is open unless `another` is set (`--another`, or the dashboard's
/// confirmation).
pub fn start_create(session: &Session, key: &AnomalyKey, another: bool) -> OpsResult<CreateStart> {
    let store = session.open_store()?;
    if let Some(pending) = store.pending_create_for(session.instance(), key)? {
        return Ok(CreateStart::Resume(pending.id));
    }
    if another {
        return Ok(CreateStart::New);
    }
    let open: Vec<String> = store
        .links_for_anomaly(key)?
        .into_iter()
        // An alert an event made is no ticket: it does not stand in the way of one.
        .filter(|l| l.incident.instance == session.instance() && l.is_open())
        .filter(|l| l.incident.table != crate::domain::ALERT_TABLE)
        .map(|l| match &l.last.state {
            Some(state) => format!("{} ({state})", l.incident.number),
            None => l.incident.number.clone(),
        })
        .collect();
    if open.is_empty() {
        return Ok(CreateStart::New);
    }
    Err(OpsError::Exists(format!(
        "anomaly {} already has an open incident: {}; add --another to create a second one, or comment on the existing one",
        key.id,
        open.join(", ")
    )))
}

/// Checks the draft against the instance (choices, names) and builds the exact request. Every
/// good read is written to the lookup cache; when ServiceNow cannot be reached (or an outage is
/// recorded), the draft is checked against that cache instead and the plan says so
/// (`offline`): a create never needs the network to be queued (docs/store.md §Lookup cache).
pub async fn plan_create(
    session: &Session,
    stored: &StoredAnomaly,
    draft: &TicketDraft,
) -> OpsResult<CreatePlan> {
    let client = session.client()?;
    let why = match outage_reason(session).await? {
        Some(why) => why,
        None => {
            let mut reads = Reads::default();
            match resolve_draft_reading(client, draft, &mut reads).await {
                Ok(resolved) => {
                    let table = draft.table.clone();
                    let saved = session
                        .off_runtime(move |s| {
                            reads.save(&mut s.open_store()?, s.instance(), &table)
                        })
                        .await;
                    if let Err(e) = saved {
                        tracing::warn!(error = %e, "lookup cache not written");
                    }
                    return Ok(build_plan(session, client, stored, &resolved, None));
                }
                Err(e) if is_unreachable(&e) => unreachable_why(&e),
                Err(e) => return Err(e),
            }
        }
    };
    let (d, reason) = (draft.clone(), why.clone());
    let resolved = session
        .off_runtime(move |s| resolve_draft_offline(&s.open_store()?, s.instance(), &d, &reason))
        .await?;
    Ok(build_plan(session, client, stored, &resolved, Some(why)))
}

fn build_plan(
    session: &Session,
    client: &servicenow_client::Client,
    stored: &StoredAnomaly,
    resolved: &TicketDraft,
    offline: Option<String>,
) -> CreatePlan {
    let url = anomaly_url(&stored.anomaly, session.url_template());
    let correlation = correlation_id(&stored.key.source, &stored.key.id, &new_create_id());
    let body = resolved.create_fields(&stored.anomaly, url.as_deref(), &correlation);
    CreatePlan {
        anomaly: stored.key.clone(),
        method: "POST",
        url: format!(
            "{}/api/now/table/{}",
            client.base_url().trim_end_matches('/'),
            resolved.table
        ),
        body,
        offline,
    }
}

/// Records the create in the outbox; the worker sends it (idempotently, by correlation_id) and
/// links the new incident to the anomaly and to each of `also` (the other anomalies one incident
/// is for: a bulk create), in the same step.
pub fn enqueue_create(
    session: &Session,
    table: &str,
    plan: &CreatePlan,
    also: &[AnomalyKey],
) -> OpsResult<OutboxId> {
    session.ensure_writable()?;
    if TicketTable::from_name(table).is_none() {
        return Err(OpsError::Invalid(format!(
            "table {table:?} is not one snowlink creates in: use one of {}",
            table_names()
        )));
    }
    let mut store = session.open_store()?;
    let delivery = NewDelivery::create(session.instance(), table, &plan.body, &plan.anomaly);
    Ok(store.enqueue_create_for(&delivery, also, Timestamp::now())?)
}

/// What linking did.
#[derive(Debug, Clone, Serialize)]
pub struct Linked {
    pub anomaly: AnomalyKey,
    pub incident: IncidentRef,
    pub created: bool,
    pub outbox: Vec<OutboxId>,
}

/// Links an existing incident, problem or change request (the table comes from the number's
/// prefix; a sys_id is looked for in each table): records the link and queues the description block append and the
/// link note, atomically. Linking twice changes nothing.
pub async fn link(session: &Session, anomaly_id: &str, incident: &str) -> OpsResult<Linked> {
    let key = session.open_store()?.resolve_anomaly_id(anomaly_id)?;
    link_key(session, &key, incident).await
}

/// [`link`] for an anomaly identified by key.
pub async fn link_key(session: &Session, key: &AnomalyKey, incident: &str) -> OpsResult<Linked> {
    session.ensure_writable()?;
    let k = key.clone();
    let stored = session
        .off_runtime(move |s| load_anomaly_by_key(s, &k))
        .await?;
    let found = find_incident(session, incident).await?;
    let incident_ref = IncidentRef {
        instance: session.instance().to_string(),
        table: found.table.clone(),
        sys_id: found.sys_id.clone(),
        number: found.number.clone(),
    };
    let now = Timestamp::now();
    let url = anomaly_url(&stored.anomaly, session.url_template());
    let block = description_block(&stored.anomaly, url.as_deref());
    let note = link_note(
        &stored.key.id,
        stored.anomaly.kind.as_deref(),
        stored.status,
        url.as_deref(),
        now,
    );
    let deliveries = [
        NewDelivery::to_incident(
            &incident_ref,
            DeliveryKind::DescriptionAppend,
            block,
            Some(&stored.key),
        ),
        NewDelivery::to_incident(
            &incident_ref,
            DeliveryKind::WorkNote,
            note,
            Some(&stored.key),
        ),
    ];
    let new_link = NewLink {
        anomaly: stored.key.clone(),
        incident: incident_ref.clone(),
        state: found.state_for_link(),
        read_at: Some(now),
        linked_by: session.user.clone(),
        linked_at: now,
    };
    let link = new_link;
    let added = session
        .off_runtime(move |s| Ok(s.open_store()?.add_link(&link, &deliveries)?))
        .await?;
    Ok(Linked {
        anomaly: stored.key,
        incident: incident_ref,
        created: added.created,
        outbox: added.outbox,
    })
}

/// Removes the link locally; notes already written stay on the incident.
pub fn unlink(
    session: &Session,
    anomaly_id: &str,
    incident: &str,
) -> OpsResult<crate::domain::Link> {
    let key = session.open_store()?.resolve_anomaly_id(anomaly_id)?;
    unlink_key(session, &key, incident)
}

/// [`unlink`] for an anomaly identified by key.
pub fn unlink_key(
    session: &Session,
    key: &AnomalyKey,
    incident: &str,
) -> OpsResult<crate::domain::Link> {
    let anomaly_id = &key.id;
    session
        .open_store()?
        .remove_link(
            key,
            session.instance(),
            &normalise_incident_id(incident.trim()),
            &session.user,
            Timestamp::now(),
        )?
        .ok_or_else(|| {
            OpsError::NotFound(format!(
                "anomaly {anomaly_id} is not linked to {incident} on instance {}: see `snowlink show {anomaly_id}`",
                session.instance()
            ))
        })
}

/// Numbers are matched upper-case (INC0010001); sys_ids are lower-case hex and kept as given.
fn normalise_incident_id(s: &str) -> String {
    if looks_like_sys_id(s) {
        s.to_string()
    } else {
        s.to_uppercase()
    }
}
