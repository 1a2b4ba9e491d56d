//! Polling an Alertmanager source (docs/sources.md §Alertmanager): every firing alert that
//! matches the filters, one anomaly per fingerprint. An alert that is no longer listed, or whose
//! `endsAt` has passed, is resolved by the source. Alertmanager moves `updatedAt` and `endsAt`
//! on every re-send, so they are left out of what is compared: a quiet poll writes nothing.

use std::collections::HashSet;
use std::time::Duration;

use jiff::Timestamp;

use crate::config::{ProcessEnv, SourceConfig};
use crate::source::alertmanager::{
    AlertQuery, AlertmanagerAuth, AlertmanagerClient, AlertmanagerConfig, is_resolved, to_anomaly,
};

use super::error::IngestError;
use super::poll::{PollResult, Polled};

pub struct AlertmanagerDriver {
    client: AlertmanagerClient,
    name: String,
}

impl AlertmanagerDriver {
    /// Builds the client, resolving credentials (may run a command: call off the async workers).
    pub fn new(src: &SourceConfig) -> Result<AlertmanagerDriver, IngestError> {
        let err = |message: String| IngestError::Source {
            source_name: src.name.clone(),
            message,
        };
        let mut cfg = AlertmanagerConfig::new(src.url.clone().unwrap_or_default());
        cfg.timeout = Duration::from_secs(src.timeout_secs);
        cfg.filters = src.filter.clone();
        cfg.receiver = src.receiver.clone();
        let helper = crate::config::HELPER_TIMEOUT;
        let password = src
            .password(&ProcessEnv, helper)
            .map_err(|e| err(e.to_string()))?;
        let token = src
            .token(&ProcessEnv, helper)
            .map_err(|e| err(e.to_string()))?;
        cfg.auth = match (&src.username, password, token) {
            (Some(username), Some(password), _) => AlertmanagerAuth::Basic {
                username: username.clone(),
                password,
            },
            (Some(_), None, _) => {
                return Err(err(
                    "username is set but no password; set password_command or password_env".into(),
                ));
            }
            (None, _, Some(token)) => AlertmanagerAuth::Bearer(token),
            (None, _, None) => AlertmanagerAuth::None,
        };
        let client = AlertmanagerClient::new(cfg).map_err(|e| err(e.to_string()))?;
        Ok(AlertmanagerDriver {
            client,
            name: src.name.clone(),
        })
    }

    /// One poll; `open` are the ids the store holds as open for this source.
    pub async fn poll(&self, open: &[String]) -> Result<Polled, IngestError> {
        let alerts = self
            .client
            .alerts(&AlertQuery::default())
            .await
            .map_err(|e| IngestError::Remote {
                source_name: self.name.clone(),
                message: e.to_string(),
                transient: e.is_transient(),
                retry_after: None,
            })?;
        let now = Timestamp::now();
        let mut firing = HashSet::new();
        let mut anomalies = Vec::new();
        let mut resolved = Vec::new();
        for alert in &alerts {
            if is_resolved(alert, now) {
                resolved.push(alert.fingerprint.clone());
                continue;
            }
            firing.insert(alert.fingerprint.as_str());
            let mut a = to_anomaly(alert, &self.name);
            if let Some(am) = a
                .extra
                .as_mut()
                .and_then(|e| e.get_mut("alertmanager"))
                .and_then(|v| v.as_object_mut())
            {
                am.remove("updatedAt");
                am.remove("endsAt");
            }
            anomalies.push(a);
        }
        resolved.extend(
            open.iter()
                .filter(|id| !firing.contains(id.as_str()))
                .cloned(),
        );
        resolved.sort();
        resolved.dedup();
        Ok(Polled {
            result: PollResult {
                anomalies,
                resolved,
                problems: 0,
                requests: 1,
            },
            cursor: String::new(),
            capabilities: ["acknowledge", "unacknowledge", "archive"]
                .map(str::to_owned)
                .to_vec(),
        })
    }
}
