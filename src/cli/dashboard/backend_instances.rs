//! The dashboard's other instances (docs/sync.md §Several instances): once connected in the
//! background, each one's profile, client and engineer name, so the ticket form's lookups and
//! creates on an instance other than the selected one run as that instance — its own
//! credentials, its own lookup cache entries, its own outbox rows (delivered by its own
//! worker) — through the same `ops` code as the selected one.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::ops::Session;

use super::super::instances::OtherInstance;

/// The other configured instances, by name (filled in the background).
pub type OtherClients = Arc<RwLock<HashMap<String, OtherInstance>>>;

/// Records the connected instances.
pub fn fill(slot: &OtherClients, others: &[OtherInstance]) {
    let mut map = slot.write().unwrap_or_else(|p| p.into_inner());
    for o in others {
        map.insert(o.profile.name.clone(), o.clone());
    }
}

/// The client of `instance`, if it is another instance and connected.
pub fn client_of(slot: &OtherClients, instance: &str) -> Option<servicenow_client::Client> {
    let map = slot.read().unwrap_or_else(|p| p.into_inner());
    map.get(instance).map(|o| o.client.clone())
}

/// The session an action on `instance` runs in: the selected session itself, or one over the
/// same store for another connected instance (its profile, client and user; the settings
/// that are not per instance are the selected session's).
pub fn session_on(
    main: &Arc<Session>,
    slot: &OtherClients,
    instance: &str,
) -> Result<Arc<Session>, String> {
    if instance.is_empty() || instance == main.instance() {
        return Ok(main.clone());
    }
    let map = slot.read().unwrap_or_else(|p| p.into_inner());
    let other = map.get(instance).ok_or_else(|| {
        format!(
            "instance {instance:?} is not connected (not configured, or its credentials failed: \
             see the log); run `snowlink --instance {instance} doctor`"
        )
    })?;
    let others = std::iter::once(main.profile.clone())
        .chain(main.others.iter().filter(|p| p.name != instance).cloned())
        .collect();
    Ok(Arc::new(Session {
        store: main.store.clone(),
        profile: other.profile.clone(),
        user: other.user.clone(),
        url_template: main.url_template.clone(),
        ticket_defaults: main.ticket_defaults,
        client: Some(other.client.clone()),
        others,
    }))
}
