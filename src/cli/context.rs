//! What every command needs, resolved once: paths, the config file, the selected instance
//! profile, its credentials and a ServiceNow client.

use std::path::PathBuf;

use servicenow_client::{Auth, Client, ClientConfig, OAuthGrant as ClientGrant};

use crate::config::{self, Config, Credentials, OAuthGrant, Paths, ProcessEnv, Profile};
use crate::ingest::{Ingester, SourceOutcome};
use crate::store::StoreLocation;

use super::error::{CliError, CliResult};
use super::exit::Exit;
use super::output::errln;

/// The global flags of the command line.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub instance: Option<String>,
    pub json: bool,
    pub no_color: bool,
    pub verbose: u8,
    /// `--refresh`: read every configured source before the command.
    pub refresh: bool,
}

impl Globals {
    pub fn paths(&self) -> CliResult<Paths> {
        Paths::resolve(self.config.clone(), self.data_dir.clone()).map_err(CliError::from)
    }

    pub fn load_config(&self) -> CliResult<(Paths, Config)> {
        let paths = self.paths()?;
        let config = Config::load(&paths).map_err(CliError::from)?;
        Ok((paths, config))
    }

    /// The config and where its store lives.
    pub async fn load_store(&self) -> CliResult<(Paths, Config, StoreLocation)> {
        let (paths, config) = self.load_config()?;
        let store = store_location(&paths, &config).await?;
        Ok((paths, config, store))
    }

    /// The selected instance profile (`--instance`, else `default_instance`, else "default").
    pub fn profile(&self, config: &Config) -> CliResult<Profile> {
        config
            .profile(self.instance.as_deref(), &ProcessEnv)
            .map_err(CliError::from)
    }
}

/// Where the store lives: the PostgreSQL database of `[store] url` (a team's, shared), else
/// the data directory's SQLite file (docs/store.md §Engines). A password command may take a
/// moment, so it runs off the async workers.
pub async fn store_location(paths: &Paths, config: &Config) -> CliResult<StoreLocation> {
    let store = config.file.store.clone();
    let file = paths.db_path.clone();
    let resolved = tokio::task::spawn_blocking(move || {
        store.postgres(&ProcessEnv, crate::config::HELPER_TIMEOUT)
    })
    .await
    .map_err(|e| CliError::other(format!("reading [store] stopped unexpectedly: {e}")))?
    .map_err(CliError::from)?;
    match resolved {
        Some(pg) => Ok(StoreLocation::postgres(pg)),
        None => {
            refuse_migrated_file(&file)?;
            Ok(StoreLocation::File(file))
        }
    }
}

/// After `store migrate` the file is `<file>.migrated` and the team's store is PostgreSQL: a
/// command that would start a new, empty file there instead says what happened and what to set.
fn refuse_migrated_file(file: &std::path::Path) -> CliResult<()> {
    let mut moved = file.as_os_str().to_owned();
    moved.push(".migrated");
    let moved = std::path::PathBuf::from(moved);
    if file.exists() || !moved.exists() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "this store was moved to PostgreSQL by `snowlink store migrate` (the old file is {}): \
         set [store] url in the config to the database it was copied to (or rename the file back \
         to go on without team mode)",
        moved.display()
    )))
}

/// Builds the client for `profile`, resolving its credentials (a password command may take a
/// moment, so it runs off the async workers).
pub async fn client_for(profile: &Profile) -> CliResult<Client> {
    let owned = profile.clone();
    let resolved = tokio::task::spawn_blocking(move || owned.credentials(&ProcessEnv))
        .await
        .map_err(|e| CliError::other(format!("credential lookup stopped unexpectedly: {e}")))?
        .map_err(CliError::from)?;
    let auth = match resolved.credentials {
        Credentials::Basic { username, password } => Auth::Basic { username, password },
        Credentials::OAuth {
            client_id,
            client_secret,
            grant,
        } => Auth::OAuth {
            client_id,
            client_secret,
            grant: match grant {
                OAuthGrant::Password { username, password } => {
                    ClientGrant::Password { username, password }
                }
                OAuthGrant::ClientCredentials => ClientGrant::ClientCredentials,
            },
        },
    };
    let mut cfg = ClientConfig::new(profile.base_url(), auth).timeout(profile.timeout);
    if let Some(ca) = &profile.ca_file {
        cfg = cfg.ca_file(ca.clone());
    }
    cfg.user_agent = Some(format!("snowlink/{}", env!("CARGO_PKG_VERSION")));
    Client::new(cfg).map_err(CliError::from)
}

impl From<config::ConfigError> for CliError {
    fn from(e: config::ConfigError) -> Self {
        CliError::new(Exit::UsageOrConfig, e.to_string())
    }
}

impl From<servicenow_client::Error> for CliError {
    fn from(e: servicenow_client::Error) -> Self {
        use servicenow_client::ErrorCategory as C;
        let exit = match e.category() {
            C::Auth | C::Permission => Exit::AuthOrPermission,
            C::NotFound => Exit::NotFound,
            C::RateLimited | C::Unavailable => Exit::Unreachable,
            C::Invalid => Exit::Error,
            C::Config => Exit::UsageOrConfig,
        };
        CliError::new(exit, e.to_string())
    }
}

/// Opens a session for a command: config, profile, store path, user; the client only when the
/// command talks to ServiceNow. Commands read the store as the ingester last filled it; a
/// source is read here only on its first use (it has no state yet) or with `--refresh`.
pub async fn session(globals: &Globals, needs_client: bool) -> CliResult<crate::ops::Session> {
    let (session, config) = session_only(globals, needs_client).await?;
    let sources = config.sources(&ProcessEnv);
    if !sources.is_empty() {
        let path = session.store.clone();
        let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
        let refresh = globals.refresh;
        let states = tokio::task::spawn_blocking(move || -> CliResult<_> {
            Ok(path.open()?.source_states()?)
        })
        .await
        .map_err(|e| {
            CliError::other(format!("reading source state stopped unexpectedly: {e}"))
        })??;
        let unread: Vec<String> = names
            .into_iter()
            .filter(|n| refresh || !states.iter().any(|k| &k.source == n))
            .collect();
        // A failing source is named by every command that reads the store, so a stale list is
        // never mistaken for a quiet one.
        for st in states.iter().filter(|st| !unread.contains(&st.source)) {
            if let Some(e) = &st.last_error {
                errln!(
                    "snowlink: warning: {e} (anomalies already in the store are kept; `snowlink sources` shows every source's health)"
                );
            }
        }
        if !unread.is_empty() {
            let ingester = Ingester::new(&session.store, sources);
            for outcome in ingester.run_sources(&unread).await {
                report_outcome(&outcome);
            }
        }
    }
    Ok(session)
}

/// [`session`] without reading the sources (for `snowlink load`, which reads them itself).
pub async fn session_only(
    globals: &Globals,
    needs_client: bool,
) -> CliResult<(crate::ops::Session, Config)> {
    let (_paths, config, store) = globals.load_store().await?;
    let profile = globals.profile(&config)?;
    let client = if needs_client {
        Some(client_for(&profile).await?)
    } else {
        None
    };
    let user = config.user(&ProcessEnv, &profile);
    let others = other_profiles(&config, &profile.name);
    let session = crate::ops::Session {
        store,
        profile,
        user,
        url_template: config.file.anomaly_url_template.clone(),
        ticket_defaults: config.file.ui.severity_impact_urgency,
        client,
        others,
    };
    Ok((session, config))
}

/// Every configured instance's profile except `selected` (one that does not build is left
/// out: a delivery to it then says the instance is not usable).
pub fn other_profiles(config: &Config, selected: &str) -> Vec<Profile> {
    config
        .instance_names()
        .into_iter()
        .filter(|n| n != selected)
        .filter_map(|n| config.profile(Some(&n), &ProcessEnv).ok())
        .collect()
}

/// A source read's warnings on stderr (never stdout, which may carry `--json`): its failure
/// with the cause and fix, and each skipped record (capped) with its line.
pub fn report_outcome(outcome: &SourceOutcome) {
    if let Some(e) = &outcome.error {
        errln!("snowlink: warning: {e} (anomalies already in the store are kept)");
    }
    if let Some(read) = &outcome.read {
        report_problems(&outcome.location, &read.problems);
    }
}

/// One stderr line per skipped record (capped), naming the file and line.
pub fn report_problems(location: &str, problems: &[String]) {
    const SHOWN: usize = 20;
    for p in problems.iter().take(SHOWN) {
        errln!("snowlink: warning: {location}: {p} (record skipped)");
    }
    if problems.len() > SHOWN {
        errln!(
            "snowlink: warning: {location}: {} more records skipped",
            problems.len() - SHOWN
        );
    }
}

impl From<crate::ops::OpsError> for CliError {
    fn from(e: crate::ops::OpsError) -> Self {
        use crate::ops::OpsError as O;
        match e {
            O::ServiceNow(e) => CliError::from(*e),
            O::Store(e) => CliError::from(e),
            O::Invalid(m) => CliError::new(Exit::UsageOrConfig, m),
            O::NotFound(m) => CliError::new(Exit::NotFound, m),
            O::ReadOnly(_) => CliError::new(Exit::AuthOrPermission, e.to_string()),
            O::Exists(m) => CliError::new(Exit::UsageOrConfig, m),
            O::Offline(m) => CliError::new(Exit::Unreachable, m),
            O::Other(m) => CliError::other(m),
        }
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        let exit = match &e {
            S::AnomalyNotFound(_) => Exit::NotFound,
            S::AmbiguousAnomaly { .. } => Exit::UsageOrConfig,
            _ => Exit::Error,
        };
        CliError::new(exit, e.to_string())
    }
}
