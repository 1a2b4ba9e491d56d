//! Rules route anomalies to an instance (`instance = "…"` in a rule, docs/rules.md §Routing).
//! Whatever instance `--instance` selects, every instance a rule routes to gets a ServiceNow
//! client for the rule runner's reads and its own sync worker and change poller, each with that
//! instance's profile (credentials, pacing, pause state): an incident a rule queued for
//! another instance is delivered, found again and kept fresh there, not left waiting.

use servicenow_client::Client;

use crate::config::{Config, ProcessEnv, Profile};
use crate::rules::RuleSet;
use crate::sync::{ChangePoller, Worker, WorkerOptions};

use super::context::client_for;

/// An instance a rule routes to, other than the selected one.
#[derive(Clone)]
pub struct RoutedInstance {
    pub profile: Profile,
    pub client: Client,
}

/// Every instance of `rules` other than `selected`, with its client. One whose profile or
/// credentials fail is left out and named in the returned problems: the rules routed there
/// wait (the runner never decides a live pass without reading ServiceNow).
pub async fn routed_instances(
    config: &Config,
    rules: &RuleSet,
    selected: &str,
) -> (Vec<RoutedInstance>, Vec<String>) {
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    for name in rules.instances() {
        if name == selected {
            continue;
        }
        let profile = match config.profile(Some(name), &ProcessEnv) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("instance {name} (routed to by rules): {e}"));
                continue;
            }
        };
        match client_for(&profile).await {
            Ok(client) => out.push(RoutedInstance { profile, client }),
            Err(e) => problems.push(format!(
                "instance {name} (routed to by rules): {e}; its rules wait until it can be reached"
            )),
        }
    }
    (out, problems)
}

impl RoutedInstance {
    /// The sync worker of this instance over the store at `db_path`.
    pub async fn worker(
        &self,
        db_path: &std::path::Path,
        config: &Config,
        adjust: impl FnOnce(&mut WorkerOptions),
    ) -> Result<Worker, crate::sync::SyncError> {
        let mut opts =
            WorkerOptions::for_profile(&self.profile, &config.user(&ProcessEnv, &self.profile));
        adjust(&mut opts);
        Worker::new(
            db_path,
            self.profile.name.clone(),
            self.client.clone(),
            opts,
        )
        .await
    }

    /// The change poller of this instance (its link state and, with its `back_sync`, the
    /// state back to the anomalies; docs/sync.md §Change detection).
    pub async fn poller(
        &self,
        db_path: &std::path::Path,
    ) -> Result<ChangePoller, crate::sync::SyncError> {
        ChangePoller::new(db_path, &self.profile, self.client.clone()).await
    }
}
