//! Everything one user action needs: the store location, the selected instance profile, who the
//! user is, and the ServiceNow client (absent for purely local commands).

use servicenow_client::Client;

use crate::config::Profile;
use crate::store::{Store, StoreLocation};

use super::error::{OpsError, OpsResult};

#[derive(Debug, Clone)]
pub struct Session {
    pub store: StoreLocation,
    pub profile: Profile,
    /// Name written in comment notes and as `linked_by` (config `user`, else $USER).
    pub user: String,
    /// Global `anomaly_url_template`; the profile's own wins.
    pub url_template: Option<String>,
    /// Default impact and urgency by severity (config `[ui] severity_impact_urgency`).
    pub ticket_defaults: crate::domain::SeverityDefaults,
    pub client: Option<Client>,
    /// The other configured instances' profiles (no credentials resolved): a command's
    /// deliveries to an incident on another instance go out through that instance's own
    /// worker and credentials (docs/sync.md §Several instances).
    pub others: Vec<Profile>,
}

impl Session {
    /// The instance profile name links and deliveries are recorded under.
    pub fn instance(&self) -> &str {
        &self.profile.name
    }

    pub fn open_store(&self) -> OpsResult<Store> {
        Ok(self.store.open()?)
    }

    pub fn client(&self) -> OpsResult<&Client> {
        self.client.as_ref().ok_or_else(|| {
            OpsError::Other("internal: this action needs a ServiceNow client".into())
        })
    }

    pub fn url_template(&self) -> Option<&str> {
        self.profile
            .anomaly_url_template
            .as_deref()
            .or(self.url_template.as_deref())
    }

    /// Runs blocking store work for an async action on the blocking pool, never on a tokio
    /// worker (the dashboard's event loop shares them).
    pub async fn off_runtime<T, F>(&self, f: F) -> OpsResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Session) -> OpsResult<T> + Send + 'static,
    {
        let session = self.clone();
        tokio::task::spawn_blocking(move || f(&session))
            .await
            .map_err(|e| OpsError::Other(format!("internal: store task stopped: {e}")))?
    }

    /// Refuses writes on a read-only profile before anything is recorded or sent.
    pub fn ensure_writable(&self) -> OpsResult<()> {
        if self.profile.read_only {
            return Err(OpsError::ReadOnly(self.profile.name.clone()));
        }
        Ok(())
    }
}
