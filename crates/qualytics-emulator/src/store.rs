//! The in-memory anomaly store and the status rules (docs/qualytics-emulator.md, "Status rules").

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::Value;

use crate::clock;
use crate::model::{Anomaly, Comment, GlobalTag, Status, User};
use crate::seed::{NewAnomaly, SeedData, default_users};

/// Why a store operation was refused; the HTTP layer maps it to 404/409/422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("Anomaly {0} not found")]
    AnomalyNotFound(String),
    #[error("User {0} not found")]
    UserNotFound(u64),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
}

/// The mutable fields of `PUT /api/anomalies/{id}` and of one `PATCH` item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Update {
    pub status: Option<Status>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub assignee_ids: Option<Vec<u64>>,
}

#[derive(Debug, Default)]
pub struct Store {
    anomalies: BTreeMap<u64, Anomaly>,
    users: BTreeMap<u64, User>,
    comments: Vec<Comment>,
}

impl Store {
    pub fn from_seed(seed: SeedData) -> Result<Store, StoreError> {
        let users = if seed.users.is_empty() {
            default_users()
        } else {
            seed.users
        };
        let mut store = Store {
            users: users.into_iter().map(|u| (u.id, u)).collect(),
            ..Store::default()
        };
        for new in seed.anomalies {
            store.add(new)?;
        }
        Ok(store)
    }

    pub fn add(&mut self, new: NewAnomaly) -> Result<Anomaly, StoreError> {
        let id = match new.id {
            Some(id) if self.anomalies.contains_key(&id) => {
                return Err(StoreError::Conflict(format!(
                    "Anomaly {id} already exists: omit `id` to get the next free one"
                )));
            }
            Some(0) => return Err(StoreError::Invalid("`id` must be at least 1".into())),
            Some(id) => id,
            None => self.anomalies.keys().next_back().map_or(1, |last| last + 1),
        };
        let created = match &new.created {
            Some(t) => clock::normalize(t).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "`created` {t:?} is not an RFC 3339 time (e.g. 2026-11-20T09:15:00Z)"
                ))
            })?,
            None => clock::now(),
        };
        let assignees = self.users_by_id(&new.assignee_ids)?;
        let fingerprint = new.fingerprint.clone().unwrap_or_else(|| {
            let mut h = DefaultHasher::new();
            new.container.id.hash(&mut h);
            for c in &new.failed_checks {
                c.quality_check.id.hash(&mut h);
            }
            new.description.hash(&mut h);
            Value::String(format!("{:016x}", h.finish()))
        });
        let anomaly = Anomaly {
            id,
            uuid: new.uuid.clone().unwrap_or_else(random_uuid),
            anomaly_type: new.anomaly_type,
            status: new.status,
            archived: !new.status.is_open(),
            is_new: true,
            weight: new.weight,
            anomalous_records_count: new.anomalous_records_count,
            description: new.description,
            created,
            fingerprint,
            source_enriched: new.source_enriched,
            global_tags: tags(new.tags),
            assignees,
            failed_checks: new.failed_checks,
            datastore: new.datastore,
            container: new.container,
        };
        self.anomalies.insert(id, anomaly.clone());
        Ok(anomaly)
    }

    /// By numeric id or by uuid (the API accepts both in the path).
    pub fn get(&self, key: &str) -> Option<&Anomaly> {
        match key.parse::<u64>() {
            Ok(id) => self.anomalies.get(&id),
            Err(_) => self.anomalies.values().find(|a| a.uuid == key),
        }
    }

    pub fn all(&self) -> impl Iterator<Item = &Anomaly> {
        self.anomalies.values()
    }

    /// The stored state of one anomaly, for `restore` (scan rollback).
    pub fn snapshot(&self, id: u64) -> Option<Anomaly> {
        self.anomalies.get(&id).cloned()
    }

    /// Puts back a `snapshot`: `None` removes the anomaly again.
    pub fn restore(&mut self, id: u64, previous: Option<Anomaly>) {
        match previous {
            Some(a) => {
                self.anomalies.insert(id, a);
            }
            None => {
                self.anomalies.remove(&id);
            }
        }
    }

    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.get(&id)
    }

    fn users_by_id(&self, ids: &[u64]) -> Result<Vec<User>, StoreError> {
        ids.iter()
            .map(|id| self.user(*id).cloned().ok_or(StoreError::UserNotFound(*id)))
            .collect()
    }

    fn open_anomaly(&self, id: u64) -> Result<&Anomaly, StoreError> {
        let a = self
            .anomalies
            .get(&id)
            .ok_or_else(|| StoreError::AnomalyNotFound(id.to_string()))?;
        if a.archived {
            return Err(StoreError::Conflict(format!(
                "Anomaly {id} is archived as {}: archived anomalies cannot be updated; a scan that finds it again reactivates it",
                a.status.as_str()
            )));
        }
        Ok(a)
    }

    fn check_update(&self, id: u64, update: &Update) -> Result<(), StoreError> {
        self.open_anomaly(id)?;
        if let Some(status) = update.status
            && !status.is_open()
        {
            return Err(StoreError::Invalid(format!(
                "status {} is not allowed here: use Active or Acknowledged, and archive with DELETE ?archive=true&status={}",
                status.as_str(),
                status.as_str()
            )));
        }
        if let Some(ids) = &update.assignee_ids {
            self.users_by_id(ids)?;
        }
        Ok(())
    }

    /// Validates every item first, so a bad item changes nothing.
    pub fn update_many(&mut self, items: &[(u64, Update)]) -> Result<Vec<Anomaly>, StoreError> {
        for (id, update) in items {
            self.check_update(*id, update)?;
        }
        let mut changed = Vec::with_capacity(items.len());
        for (id, update) in items {
            let assignees = match &update.assignee_ids {
                Some(ids) => Some(self.users_by_id(ids)?),
                None => None,
            };
            let a = self
                .anomalies
                .get_mut(id)
                .ok_or_else(|| StoreError::AnomalyNotFound(id.to_string()))?;
            if let Some(status) = update.status {
                a.status = status;
            }
            if let Some(d) = &update.description {
                a.description = d.clone();
            }
            if let Some(t) = &update.tags {
                a.global_tags = tags(t.clone());
            }
            if let Some(users) = assignees {
                a.assignees = users;
            }
            a.is_new = false;
            changed.push(a.clone());
        }
        Ok(changed)
    }

    /// `None` reason = hard delete. Re-archiving an archived anomaly changes
    /// its reason (a retried archive succeeds).
    pub fn delete_many(&mut self, items: &[(u64, Option<Status>)]) -> Result<(), StoreError> {
        for (id, reason) in items {
            if !self.anomalies.contains_key(id) {
                return Err(StoreError::AnomalyNotFound(id.to_string()));
            }
            if let Some(status) = reason
                && status.is_open()
            {
                return Err(StoreError::Invalid(format!(
                    "archive status {} is not an archive reason: use Resolved, Invalid, Duplicate or Discarded",
                    status.as_str()
                )));
            }
        }
        for (id, reason) in items {
            match reason {
                Some(status) => {
                    if let Some(a) = self.anomalies.get_mut(id) {
                        a.status = *status;
                        a.archived = true;
                        a.is_new = false;
                    }
                }
                None => {
                    self.anomalies.remove(id);
                    self.comments.retain(|c| c.anomaly_id != *id);
                }
            }
        }
        Ok(())
    }

    /// A scan found an archived anomaly again: back to `Active`.
    pub fn reactivate(&mut self, id: u64) -> Result<Anomaly, StoreError> {
        let a = self
            .anomalies
            .get_mut(&id)
            .ok_or_else(|| StoreError::AnomalyNotFound(id.to_string()))?;
        if !a.archived {
            return Err(StoreError::Conflict(format!(
                "Anomaly {id} is {} (not archived): only archived anomalies can be reactivated",
                a.status.as_str()
            )));
        }
        a.status = Status::Active;
        a.archived = false;
        a.is_new = true;
        Ok(a.clone())
    }

    /// A full scan passed the checks of an open anomaly: archived as `Resolved`.
    pub fn auto_resolve(&mut self, id: u64) -> Result<Anomaly, StoreError> {
        self.open_anomaly(id)?;
        self.delete_many(&[(id, Some(Status::Resolved))])?;
        self.anomalies
            .get(&id)
            .cloned()
            .ok_or_else(|| StoreError::AnomalyNotFound(id.to_string()))
    }

    pub fn add_comment(
        &mut self,
        anomaly_id: u64,
        message: String,
        user_id: u64,
    ) -> Result<Comment, StoreError> {
        if !self.anomalies.contains_key(&anomaly_id) {
            return Err(StoreError::AnomalyNotFound(anomaly_id.to_string()));
        }
        let user = self
            .user(user_id)
            .cloned()
            .ok_or(StoreError::UserNotFound(user_id))?;
        let comment = Comment {
            id: self.comments.last().map_or(1, |c| c.id + 1),
            anomaly_id,
            message,
            created: clock::now(),
            user,
        };
        self.comments.push(comment.clone());
        Ok(comment)
    }

    /// Oldest first; `None` = every anomaly's.
    pub fn comments(&self, anomaly_id: Option<u64>) -> Vec<Comment> {
        self.comments
            .iter()
            .filter(|c| anomaly_id.is_none_or(|id| c.anomaly_id == id))
            .cloned()
            .collect()
    }
}

fn tags(names: Vec<String>) -> Vec<GlobalTag> {
    let mut out: Vec<GlobalTag> = Vec::new();
    for name in names {
        if !out.iter().any(|t| t.name == name) {
            out.push(GlobalTag { name, color: None });
        }
    }
    out
}

fn random_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
