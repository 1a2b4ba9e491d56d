//! What every command needs, resolved once: paths, the config file, the selected instance
//! profile, its credentials and a ServiceNow client.

use std::path::PathBuf;

use servicenow_client::{Auth, Client, ClientConfig, OAuthGrant as ClientGrant};

use crate::config::{self, Config, Credentials, OAuthGrant, Paths, ProcessEnv, Profile};

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

    /// The selected instance profile (`--instance`, else `default_instance`, else "default").
    pub fn profile(&self, config: &Config) -> CliResult<Profile> {
        config
            .profile(self.instance.as_deref(), &ProcessEnv)
            .map_err(CliError::from)
    }
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
/// command talks to ServiceNow. Configured sources are (re)read into the store first, so every
/// command sees anomalies as their source last described them; skipped records are reported.
pub async fn session(globals: &Globals, needs_client: bool) -> CliResult<crate::ops::Session> {
    let (session, config) = session_only(globals, needs_client).await?;
    // Reading files and writing the store block: off the async runtime.
    let s = session.clone();
    tokio::task::spawn_blocking(move || load_sources(&s, &config))
        .await
        .map_err(|e| CliError::other(format!("reading sources stopped unexpectedly: {e}")))??;
    Ok(session)
}

/// [`session`] without reading the sources (for `snowlink load`, which reads them itself).
pub async fn session_only(
    globals: &Globals,
    needs_client: bool,
) -> CliResult<(crate::ops::Session, Config)> {
    let (paths, config) = globals.load_config()?;
    let profile = globals.profile(&config)?;
    let client = if needs_client {
        Some(client_for(&profile).await?)
    } else {
        None
    };
    let session = crate::ops::Session {
        store_path: paths.db_path.clone(),
        profile,
        user: config.user(&ProcessEnv),
        url_template: config.file.anomaly_url_template.clone(),
        client,
    };
    Ok((session, config))
}

/// Reads every configured source into the store; problems go to stderr (never stdout, which may
/// carry `--json`).
pub fn load_sources(
    session: &crate::ops::Session,
    config: &Config,
) -> CliResult<Vec<crate::ops::SourceLoad>> {
    // Only files are read here; the API sources (qualytics, alertmanager) are the ingester's.
    let sources: Vec<_> = config
        .sources(&ProcessEnv)
        .into_iter()
        .filter(|s| s.kind == crate::config::SourceKind::File)
        .collect();
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    let mut store = session.open_store().map_err(CliError::from)?;
    let mut loads = Vec::new();
    for source in sources {
        match crate::ops::load_source(&mut store, &source) {
            Ok(load) => {
                report_problems(&load);
                loads.push(load);
            }
            Err(e) => errln!("snowlink: warning: {e} (anomalies already in the store are kept)"),
        }
    }
    Ok(loads)
}

/// One stderr line per skipped record (capped), naming the file and line.
pub fn report_problems(load: &crate::ops::SourceLoad) {
    const SHOWN: usize = 20;
    for p in load.problems.iter().take(SHOWN) {
        errln!("snowlink: warning: {}: {p} (record skipped)", load.path);
    }
    if load.problems.len() > SHOWN {
        errln!(
            "snowlink: warning: {}: {} more records skipped",
            load.path,
            load.problems.len() - SHOWN
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
