//! One attempt at one delivery, by kind: reconcile first when the outcome of an earlier attempt
//! is unknown, then send. The caller records the result in the store.

use serde_json::{Map, Value};
use servicenow_client::{Client, DisplayValue, Record, WORK_NOTE_FIELDS};

use crate::domain::{IncidentRef, IncidentState};
use crate::store::{Delivery, DeliveryKind};

use super::append;
use super::error::SyncError;
use super::reconcile;
use super::store_handle::StoreHandle;

/// Why an attempt did not complete.
#[derive(Debug)]
pub(crate) enum StepError {
    /// ServiceNow (or the way to it) failed: classified into an outbox action.
    Remote(servicenow_client::Error),
    /// The store failed (including `LeaseLost`: another worker took the delivery over).
    Sync(SyncError),
    /// The delivery itself cannot be sent as stored (malformed create payload, no target).
    Payload(String),
    /// Sent, but not known to be right yet (a description append that kept racing another
    /// writer): try again later; the message says what happened and what to check.
    Retry(String),
}

impl From<servicenow_client::Error> for StepError {
    fn from(e: servicenow_client::Error) -> Self {
        StepError::Remote(e)
    }
}

impl From<SyncError> for StepError {
    fn from(e: SyncError) -> Self {
        StepError::Sync(e)
    }
}

/// What a create asks back: the new record's identity and what the links pane shows of it.
const CREATE_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
];

/// The links pane's view of a record from its create answer (display values, `""` as none).
pub(crate) fn created_state(rec: &Record) -> Option<IncidentState> {
    let get = |f: &str| rec.display(f).filter(|v| !v.is_empty()).map(str::to_owned);
    let state = IncidentState {
        state: get("state"),
        priority: get("priority"),
        assignment_group: get("assignment_group"),
        assigned_to: get("assigned_to"),
    };
    // An answer trimmed by a proxy says nothing: leave the state to the link poller.
    state.state.is_some().then_some(state)
}

/// A completed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Landed {
    /// False when reconciliation found it already on ServiceNow (nothing was sent).
    pub sent: bool,
    /// For a create: the record made (or found by correlation id).
    pub created: Option<IncidentRef>,
    /// For a create: the new record's state, priority, group and assignee as its create answer
    /// gave them (display values), so the link shows them at once; `None` when the record was
    /// found rather than made (the link poller reads it).
    pub created_state: Option<IncidentState>,
}

pub(crate) struct Attempt<'a> {
    pub client: &'a Client,
    pub store: &'a StoreHandle,
    pub owner: &'a str,
}

impl Attempt<'_> {
    pub(crate) async fn run(&self, d: &Delivery) -> Result<Landed, StepError> {
        match d.kind {
            DeliveryKind::WorkNote => self.work_note(d).await,
            DeliveryKind::DescriptionAppend => self.description_append(d).await,
            DeliveryKind::Create => self.create(d).await,
            DeliveryKind::Reopen => self.reopen(d).await,
            DeliveryKind::Event => super::event::deliver(self.client, d).await,
            // Never claimed by a ServiceNow worker (their instance is `source:<name>`).
            kind => Err(StepError::Payload(format!(
                "{} is a source write-back, not a ServiceNow delivery",
                kind.code()
            ))),
        }
    }

    fn target<'d>(&self, d: &'d Delivery) -> Result<&'d str, StepError> {
        d.sys_id
            .as_deref()
            .ok_or_else(|| StepError::Payload(format!("{} has no target record", d.kind.code())))
    }

    /// The earlier attempt did not land: a resend is safe from here on (the flag is cleared so
    /// a failure of the resend is judged on its own).
    async fn reconciled(&self, d: &Delivery) -> Result<(), StepError> {
        if d.outcome_unknown {
            let (id, owner) = (d.id, self.owner.to_string());
            self.store
                .call(move |s| s.mark_reconciled(id, &owner))
                .await?;
        }
        Ok(())
    }

    async fn work_note(&self, d: &Delivery) -> Result<Landed, StepError> {
        let sys_id = self.target(d)?;
        if d.outcome_unknown {
            if reconcile::work_note_landed(self.client, self.store, d, sys_id).await? {
                return Ok(Landed {
                    sent: false,
                    created: None,
                    created_state: None,
                });
            }
            self.reconciled(d).await?;
        }
        let mut body = Map::new();
        body.insert("work_notes".into(), Value::String(d.payload.clone()));
        self.client
            .update(&d.table, sys_id, &body, WORK_NOTE_FIELDS)
            .await?;
        Ok(Landed {
            sent: true,
            created: None,
            created_state: None,
        })
    }

    /// Always reads first: the PATCH replaces the whole description, so the current text is
    /// needed anyway, and a block already present (retry, second link) is not added twice. The
    /// write is checked against what we read and repaired if another writer came in between
    /// (`append::write_keeping_others`, docs/sync.md "Description appends").
    async fn description_append(&self, d: &Delivery) -> Result<Landed, StepError> {
        let sys_id = self.target(d)?;
        let current = reconcile::description(self.client, &d.table, sys_id).await?;
        if reconcile::block_present(&current.text, d) {
            return Ok(Landed {
                sent: false,
                created: None,
                created_state: None,
            });
        }
        self.reconciled(d).await?;
        append::write_keeping_others(self.client, d, sys_id, current).await?;
        Ok(Landed {
            sent: true,
            created: None,
            created_state: None,
        })
    }

    /// Always reads first (so a retry or a lost answer cannot reopen twice, and an incident a
    /// person closed meanwhile is never reopened): only a Resolved (6) incident is written.
    async fn reopen(&self, d: &Delivery) -> Result<Landed, StepError> {
        let sys_id = self.target(d)?;
        let fields: Map<String, Value> = serde_json::from_str(&d.payload)
            .map_err(|e| StepError::Payload(format!("reopen payload is not a JSON object: {e}")))?;
        let params = servicenow_client::GetParams::new()
            .fields(&["sys_id", "state"])
            .display(DisplayValue::False);
        let current = self.client.get(&d.table, sys_id, &params).await?;
        let landed = Landed {
            sent: false,
            created: None,
            created_state: None,
        };
        if current.str("state").trim() != super::reopen::RESOLVED {
            return Ok(landed);
        }
        self.reconciled(d).await?;
        self.client
            .update(&d.table, sys_id, &fields, &["sys_id", "state"])
            .await?;
        Ok(Landed {
            sent: true,
            ..landed
        })
    }

    async fn create(&self, d: &Delivery) -> Result<Landed, StepError> {
        let fields: Map<String, Value> = serde_json::from_str(&d.payload)
            .map_err(|e| StepError::Payload(format!("create payload is not a JSON object: {e}")))?;
        let correlation = fields
            .get("correlation_id")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty());
        if d.outcome_unknown {
            match correlation {
                Some(cid) => {
                    if let Some(rec) =
                        reconcile::created_earlier(self.client, &d.table, cid).await?
                    {
                        return Ok(Landed {
                            sent: false,
                            created: Some(self.incident_ref(d, rec.sys_id(), rec.number())),
                            created_state: None,
                        });
                    }
                }
                None => tracing::warn!(
                    id = d.id,
                    "create without correlation_id has an unknown outcome; resending may duplicate"
                ),
            }
            self.reconciled(d).await?;
        }
        let mut rec = self
            .client
            .create_answering(&d.table, &fields, CREATE_FIELDS, DisplayValue::All)
            .await?;
        let state = created_state(&rec);
        if rec.sys_id().is_empty() {
            // Created, but the answer did not say what (a proxy trimmed it): find it.
            let found = match correlation {
                Some(cid) => reconcile::created_earlier(self.client, &d.table, cid).await?,
                None => None,
            };
            rec = found.ok_or_else(|| {
                StepError::Payload("created, but ServiceNow did not return its sys_id".into())
            })?;
        }
        Ok(Landed {
            sent: true,
            created: Some(self.incident_ref(d, rec.sys_id(), rec.number())),
            created_state: state,
        })
    }

    fn incident_ref(&self, d: &Delivery, sys_id: &str, number: &str) -> IncidentRef {
        IncidentRef {
            instance: d.instance.clone(),
            table: d.table.clone(),
            sys_id: sys_id.to_string(),
            number: number.to_string(),
        }
    }
}
