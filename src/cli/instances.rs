//! Several instances at once (docs/sync.md §Several instances). `--instance` selects the
//! default target; every other configured instance still gets its ServiceNow client (for the
//! rule runner's reads and the dashboard's), its own sync worker and its own change poller,
//! each with that instance's profile (credentials, pacing, pause state). So an incident on
//! another instance — made by a rule routed there, or linked by hand — gets its notes, its
//! state and its back-sync there, and one instance's outage never holds up another's work.

use servicenow_client::Client;

use crate::config::{Config, ProcessEnv, Profile};
use crate::sync::{ChangePoller, Worker, WorkerOptions};

use super::context::client_for;

/// A configured instance other than the selected one.
#[derive(Clone)]
pub struct OtherInstance {
    pub profile: Profile,
    pub client: Client,
    /// The engineer's name written in notes (config `user`, else $USER).
    pub user: String,
}

/// Every configured instance other than `selected`, its profile and the engineer's name —
/// no credentials resolved yet (cheap: what a caller may compute before its first frame).
pub fn other_profiles(config: &Config, selected: &str) -> Vec<Result<(Profile, String), String>> {
    config
        .instance_names()
        .into_iter()
        .filter(|n| n != selected)
        .map(|name| match config.profile(Some(&name), &ProcessEnv) {
            Ok(p) => {
                let user = config.user(&ProcessEnv, &p);
                Ok((p, user))
            }
            Err(e) => Err(format!("instance {name}: {e}")),
        })
        .collect()
}

/// Resolves each profile's credentials into a client. One that fails is left out and named in
/// the returned problems: its deliveries wait in the outbox and the rules routed there wait (the
/// runner never decides a live pass without reading ServiceNow).
pub async fn connect(
    profiles: Vec<Result<(Profile, String), String>>,
) -> (Vec<OtherInstance>, Vec<String>) {
    let (mut out, mut problems) = (Vec::new(), Vec::new());
    for p in profiles {
        let (profile, user) = match p {
            Ok(p) => p,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        match client_for(&profile).await {
            Ok(client) => out.push(OtherInstance {
                profile,
                client,
                user,
            }),
            Err(e) => problems.push(format!(
                "instance {}: {e}; its deliveries and rules wait until it can be reached",
                profile.name
            )),
        }
    }
    (out, problems)
}

/// [`other_profiles`] then [`connect`].
pub async fn other_instances(config: &Config, selected: &str) -> (Vec<OtherInstance>, Vec<String>) {
    connect(other_profiles(config, selected)).await
}

impl OtherInstance {
    /// The sync worker of this instance over the store at `db_path`.
    pub async fn worker(
        &self,
        db_path: &crate::store::StoreLocation,
        adjust: impl FnOnce(&mut WorkerOptions),
    ) -> Result<Worker, crate::sync::SyncError> {
        let mut opts = WorkerOptions::for_profile(&self.profile, &self.user);
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
        db_path: &crate::store::StoreLocation,
    ) -> Result<ChangePoller, crate::sync::SyncError> {
        ChangePoller::new(db_path, &self.profile, self.client.clone()).await
    }
}
