//! A local ServiceNow instance for tests and the demo: the Table API for
//! incidents, problems, change requests and their lookup tables, Basic and OAuth
//! authentication, their business rules, journals, and run-time fault injection.
//! What is emulated, and where it deviates from a real instance: docs/emulator.md.

mod attachment;
mod auth;
mod body;
mod clock;
mod config;
mod control;
mod dictionary;
mod em;
mod error;
mod faults;
pub mod query;
mod rate_limit;
mod reqlog;
mod roles;
mod routes;
mod rules;
mod schema;
mod seed;
mod server;
mod state;
mod state_api;
mod store;
mod table;
mod util;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use body::MAX_BODY_BYTES;
pub use config::{
    DEMO_ACCOUNTS, DemoAccount, EmulatorConfig, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET,
    UnknownFieldPolicy,
};
pub use error::EmulatorError;
pub use faults::{
    ActiveFault, DEFAULT_EDITOR, FaultKind, FaultSpec, FaultSpecError, ForbiddenReason,
};
pub use rate_limit::{AppliesTo, RateLimitRule};
pub use reqlog::LoggedRequest;

use state::AppState;

/// A running emulator; dropping it stops the server too.
pub struct RunningEmulator {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Loads the seed, binds `config.listen` and serves until shut down.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
    let (store, credentials) = seed::build(config.seed.as_deref())?;
    let state = Arc::new(AppState::new(&config, store, credentials));
    let listener =
        TcpListener::bind(config.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: config.listen,
                source,
            })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let router = routes::router(state.clone());
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(server::serve(listener, state.clone(), router, stopped));
    Ok(RunningEmulator {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningEmulator {
    /// `http://127.0.0.1:PORT` (the bound address).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open connections and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Adds a fault at run time; returns its id.
    pub fn add_fault(&self, spec: FaultSpec) -> u64 {
        self.state.faults.add(spec)
    }

    pub fn faults(&self) -> Vec<ActiveFault> {
        self.state.faults.list()
    }

    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    pub fn set_latency(&self, latency: Duration) {
        self.state.update_settings(|s| s.latency = latency);
    }

    pub fn set_unknown_field_policy(&self, policy: UnknownFieldPolicy) {
        self.state
            .update_settings(|s| s.unknown_field_policy = policy);
    }

    /// Expires every OAuth access token now; returns how many there were.
    pub fn expire_tokens(&self) -> usize {
        self.state.tokens().expire_all()
    }

    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.state.tokens().set_lifetime(lifetime);
    }

    /// The request log (Table API and OAuth calls, not control calls).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.log.snapshot()
    }

    pub fn clear_requests(&self) {
        self.state.log.clear();
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
