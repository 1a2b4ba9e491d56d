//! An in-memory [`Backend`] for unit and snapshot tests: fixed data, every call recorded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Mutex;

use crate::domain::{AnomalyKey, IncidentRef, Status, TicketDraft};

use super::backend::{
    AnomalyDetail, AnomalyRow, Backend, BackendInfo, CacheNote, ChoiceItem, ConnectionStatus,
    CreateOutcome, IncidentSummary, NamedRef, OutboxCounts, Served, SourceHealth,
};

#[derive(Debug, Default)]
pub struct FakeBackend {
    pub info: Option<BackendInfo>,
    /// A change log: the row at position `i` has revision `i + 1`; a later entry with the same
    /// key is a newer version of that row.
    pub rows: Vec<AnomalyRow>,
    pub sources: Vec<SourceHealth>,
    pub rules: Vec<super::backend::RuleSummary>,
    /// What `refresh_sources` answers (`Ok(0)` when unset).
    pub source_refresh: Option<Result<usize, String>>,
    pub details: HashMap<AnomalyKey, AnomalyDetail>,
    pub incidents: Vec<IncidentSummary>,
    /// What `incident_activity` answers, by sys_id (not found otherwise).
    pub activities: HashMap<String, super::backend::IncidentActivity>,
    /// What `incident_mark` answers, by sys_id (`None` otherwise).
    pub marks: HashMap<String, String>,
    /// ServiceNow is unreachable: lookups answer from a cache read this long before `offline_at`
    /// (with this reason), and a create is queued as #`offline.id`.
    pub offline: Option<FakeOffline>,
    pub calls: Mutex<Vec<String>>,
}

/// How the fake plays "ServiceNow unreachable".
#[derive(Debug, Clone)]
pub struct FakeOffline {
    pub cache_read_at: jiff::Timestamp,
    pub why: String,
    pub queued_id: i64,
}

impl FakeBackend {
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    /// The latest version of each row above `rev`, and the top revision.
    fn since(&self, rev: i64) -> (Vec<AnomalyRow>, i64) {
        let top = self.rows.len() as i64;
        let from = usize::try_from(rev.max(0)).unwrap().min(self.rows.len());
        let mut out: Vec<AnomalyRow> = Vec::new();
        for r in &self.rows[from..] {
            match out.iter_mut().find(|o| o.key == r.key) {
                Some(o) => *o = r.clone(),
                None => out.push(r.clone()),
            }
        }
        (out, top)
    }

    fn served<T>(&self, items: Vec<T>) -> Served<T> {
        Served {
            items,
            cached: self.offline.as_ref().map(|o| CacheNote {
                read_at: o.cache_read_at,
                why: o.why.clone(),
            }),
        }
    }

    fn incident(number: &str) -> IncidentRef {
        IncidentRef {
            instance: "default".into(),
            table: "incident".into(),
            sys_id: format!("sys-{number}"),
            number: number.into(),
        }
    }
}

/// How a call names a non-default instance in the call log (the default one is left out, so
/// the log of a one-instance test reads as before).
fn on(instance: &str) -> String {
    if instance == "default" {
        String::new()
    } else {
        format!(" @{instance}")
    }
}

impl Backend for FakeBackend {
    async fn anomalies(&self) -> Result<(Vec<AnomalyRow>, i64), String> {
        self.record("anomalies".into());
        Ok(self.since(0))
    }

    async fn anomalies_since(&self, rev: i64) -> Result<(Vec<AnomalyRow>, i64), String> {
        self.record(format!("since {rev}"));
        Ok(self.since(rev))
    }

    async fn rules(&self) -> Result<Vec<super::backend::RuleSummary>, String> {
        self.record("rules".into());
        Ok(self.rules.clone())
    }

    async fn sources(&self) -> Result<Vec<SourceHealth>, String> {
        self.record("sources".into());
        Ok(self.sources.clone())
    }

    async fn refresh_sources(&self) -> Result<usize, String> {
        self.record("refresh_sources".into());
        self.source_refresh.clone().unwrap_or(Ok(0))
    }

    async fn detail(&self, key: &AnomalyKey) -> Result<AnomalyDetail, String> {
        self.record(format!("detail {key}"));
        self.details
            .get(key)
            .cloned()
            .ok_or_else(|| format!("{key} not found"))
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, String> {
        self.record("outbox".into());
        Ok(OutboxCounts::default())
    }

    async fn choices(
        &self,
        instance: &str,
        table: &str,
        element: &str,
        dependent: Option<&str>,
    ) -> Result<Served<ChoiceItem>, String> {
        self.record(format!(
            "choices {table}.{element} {dependent:?}{}",
            on(instance)
        ));
        Ok(self.served(vec![ChoiceItem {
            value: format!("{element}-1"),
            label: format!("{element} one"),
        }]))
    }

    async fn search_groups(&self, instance: &str, text: &str) -> Result<Served<NamedRef>, String> {
        self.record(format!("groups {text}{}", on(instance)));
        Ok(self.served(vec![NamedRef {
            sys_id: "g1".into(),
            name: format!("{text} group"),
        }]))
    }

    async fn search_users(&self, instance: &str, text: &str) -> Result<Served<NamedRef>, String> {
        self.record(format!("users {text}{}", on(instance)));
        Ok(self.served(Vec::new()))
    }

    async fn group_members(
        &self,
        instance: &str,
        group: &str,
        text: &str,
    ) -> Result<Served<NamedRef>, String> {
        self.record(format!("members {group} {text}{}", on(instance)));
        Ok(self.served(Vec::new()))
    }

    async fn search_incidents(&self, text: &str) -> Result<Vec<IncidentSummary>, String> {
        self.record(format!("incidents {text}"));
        Ok(self
            .incidents
            .iter()
            .filter(|i| i.number.contains(text) || i.short_description.contains(text))
            .cloned()
            .collect())
    }

    async fn create_ticket(
        &self,
        instance: &str,
        key: &AnomalyKey,
        draft: &TicketDraft,
        also: &[AnomalyKey],
    ) -> Result<CreateOutcome, String> {
        let also: Vec<String> = also.iter().map(ToString::to_string).collect();
        self.record(format!(
            "create {key} {}{}{}",
            draft.short_description,
            if also.is_empty() {
                String::new()
            } else {
                format!(" also {}", also.join(","))
            },
            on(instance)
        ));
        Ok(match &self.offline {
            Some(o) => CreateOutcome::Queued {
                id: o.queued_id,
                why: o.why.clone(),
            },
            None => CreateOutcome::Created(IncidentRef {
                instance: instance.to_owned(),
                ..Self::incident("INC0010099")
            }),
        })
    }

    async fn link(&self, key: &AnomalyKey, sys_id_or_number: &str) -> Result<IncidentRef, String> {
        self.record(format!("link {key} {sys_id_or_number}"));
        Ok(Self::incident(sys_id_or_number))
    }

    async fn unlink(&self, key: &AnomalyKey, incident: &IncidentRef) -> Result<(), String> {
        self.record(format!("unlink {key} {}", incident.number));
        Ok(())
    }

    async fn set_status(&self, keys: &[AnomalyKey], status: Status) -> Result<usize, String> {
        self.record(format!("status {} {}", keys.len(), status.code()));
        Ok(keys.len())
    }

    async fn comment(&self, key: &AnomalyKey, text: &str) -> Result<(), String> {
        self.record(format!("comment {key} {text}"));
        Ok(())
    }

    async fn incident_activity(
        &self,
        incident: &IncidentRef,
    ) -> Result<super::backend::IncidentActivity, String> {
        self.record(format!("incident {}", incident.number));
        self.activities
            .get(&incident.sys_id)
            .cloned()
            .ok_or_else(|| format!("no incident {}", incident.number))
    }

    async fn incident_mark(&self, incident: &IncidentRef) -> Result<Option<String>, String> {
        self.record(format!("mark {}", incident.number));
        Ok(self.marks.get(&incident.sys_id).cloned())
    }

    async fn refresh_links(&self) -> Result<usize, String> {
        self.record("refresh_links".into());
        Ok(0)
    }

    async fn connection(&self) -> ConnectionStatus {
        ConnectionStatus::Ok
    }

    fn incident_url(&self, incident: &IncidentRef) -> String {
        format!(
            "https://acme.example/nav_to.do?uri=incident.do?sys_id={}",
            incident.sys_id
        )
    }

    async fn store_changed(&self) {
        std::future::pending::<()>().await
    }

    fn info(&self) -> BackendInfo {
        self.info.clone().unwrap_or_else(|| BackendInfo {
            instance: "default".into(),
            instances: vec!["default".into()],
            url: "https://acme.example".into(),
            user: "ann".into(),
            read_only: false,
            demo: false,
            poll_secs: None,
        })
    }
}
