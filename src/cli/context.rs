//! What every command needs, resolved once: paths, the config file, the selected instance
//! profile, its credentials and a ServiceNow client.

use std::path::PathBuf;

use servicenow_client::{Auth, Client, ClientConfig, OAuthGrant as ClientGrant};

use crate::config::{self, Config, Credentials, OAuthGrant, Paths, ProcessEnv, Profile};

use super::error::{CliError, CliResult};
use super::exit::Exit;

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
